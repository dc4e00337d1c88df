//! The local control socket of a server on a sled store, through which `atender-server backup`
//! takes a consistent snapshot while the server runs (the store belongs to one process).
//!
//! It lives at `DATA/control/atender.sock`: the folder is 0700 and the socket 0600, and each
//! connection's peer must be the user who owns the store folder, so only that user reaches it.
//! One command, `backup\n`: the answer is `ok\n` and the backup file's bytes, or `error: …\n`.
//! The server first copies the backup into a temporary file in the store folder (writes wait
//! only for that), then sends the copy: a client that stops reading holds no writer, and is
//! dropped once it has read nothing for the idle timeout.

use crate::store::SledStore;
use crate::store::backup::read_backup;
use crate::{Error, Result};
use std::io::{BufRead, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixListener;

/// Where the control socket of the store at `data` is.
pub fn socket_path(data: &Path) -> PathBuf {
    data.join("control").join("atender.sock")
}

/// A bound control socket; removed from disk when dropped.
pub(crate) struct ControlSocket {
    listener: UnixListener,
    path: PathBuf,
    /// Who may connect: the owner of the store folder.
    owner: u32,
}

impl ControlSocket {
    pub(crate) fn bind(data: &Path) -> std::io::Result<ControlSocket> {
        let owner = std::fs::metadata(data)?.uid();
        let path = socket_path(data);
        let dir = path.parent().unwrap_or(data);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .recursive(true)
            .create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        // Left by a server that was killed: the store's lock means no other server runs here.
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        Ok(ControlSocket {
            listener,
            path,
            owner,
        })
    }

    /// Answers connections until the task is dropped. A client that sends no command, or stops
    /// reading the backup, for `idle` is dropped.
    pub(crate) async fn serve(self, store: SledStore, idle: Duration) {
        loop {
            let Ok((stream, _)) = self.listener.accept().await else {
                continue;
            };
            let store = store.clone();
            let owner = self.owner;
            tokio::spawn(async move {
                if let Err(e) = answer(stream, store, owner, idle).await {
                    tracing::warn!(error = %e, "control socket: request failed");
                }
            });
        }
    }
}

impl Drop for ControlSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

async fn answer(
    mut stream: tokio::net::UnixStream,
    store: SledStore,
    owner: u32,
    idle: Duration,
) -> std::io::Result<()> {
    let stalled = |what: &str| {
        tracing::warn!(
            seconds = idle.as_secs_f64(),
            "control socket: the client {what} for too long; dropped"
        );
    };
    if stream.peer_cred()?.uid() != owner {
        let refusal = b"error: only the owner of the store folder may use this socket\n";
        let _ = tokio::time::timeout(idle, stream.write_all(refusal)).await;
        return Ok(());
    }
    let mut line = String::new();
    let mut command = tokio::io::BufReader::new((&mut stream).take(64));
    if tokio::time::timeout(idle, command.read_line(&mut line))
        .await
        .is_err()
    {
        stalled("sent no command");
        return Ok(());
    }
    if line.trim_end() != "backup" {
        let _ = tokio::time::timeout(idle, stream.write_all(b"error: unknown command\n")).await;
        return Ok(());
    }
    // Writes wait only for this local copy; the client, however slow, reads the copy.
    let started = std::time::Instant::now();
    let copied = tokio::task::spawn_blocking(move || store.backup_to_temporary())
        .await
        .map_err(std::io::Error::other)?;
    let (file, records) = match copied {
        Ok(copy) => copy,
        Err(e) => {
            tracing::error!(error = %e, "backup through the control socket failed");
            let said = format!("error: the server could not take the backup ({e})\n");
            let _ = tokio::time::timeout(idle, stream.write_all(said.as_bytes())).await;
            return Ok(());
        }
    };
    tracing::info!(
        records,
        ms = started.elapsed().as_millis() as u64,
        "backup copied (writes were held for this long); sending it"
    );
    if tokio::time::timeout(idle, stream.write_all(b"ok\n"))
        .await
        .is_err()
    {
        stalled("stopped reading");
        return Ok(());
    }
    // The copy is read on a blocking thread, a chunk ahead; dropping `chunks` stops it (and
    // closes the copy, which then leaves the disk).
    let (tx, mut chunks) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(2);
    tokio::task::spawn_blocking(move || {
        let mut file = file;
        loop {
            let mut chunk = vec![0u8; 64 * 1024];
            let read = file.read(&mut chunk).map(|n| {
                chunk.truncate(n);
                chunk
            });
            let end = !matches!(&read, Ok(c) if !c.is_empty());
            if tx.blocking_send(read).is_err() || end {
                return;
            }
        }
    });
    while let Some(chunk) = chunks.recv().await {
        let chunk = chunk?;
        if chunk.is_empty() {
            break;
        }
        match tokio::time::timeout(idle, stream.write_all(&chunk)).await {
            Ok(written) => written?,
            Err(_) => {
                stalled("stopped reading the backup");
                return Ok(());
            }
        }
    }
    let _ = tokio::time::timeout(idle, stream.shutdown()).await;
    tracing::info!(records, "backup sent through the control socket");
    Ok(())
}

/// Backs up the store at `data` into `to`: through the running server's control socket if
/// one answers, else by opening the store. The file is written beside `to`, verified, synced
/// and then renamed, readable only by its owner (it holds password hashes). Returns how many
/// records, and whether a running server took the snapshot.
pub fn backup(data: &Path, to: &Path) -> Result<(u64, bool)> {
    let partial = to.with_file_name(format!(
        "{}.partial",
        to.file_name()
            .map_or_else(|| "backup".into(), |n| n.to_string_lossy())
    ));
    let io = |what: &str, e: std::io::Error| Error::storage(format!("{what}: {e}"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode_600()
        .open(&partial)
        .map_err(|e| io(&format!("can't write {}", partial.display()), e))?;
    let taken = (|| -> Result<(u64, bool)> {
        let through_server = match std::os::unix::net::UnixStream::connect(socket_path(data)) {
            Ok(stream) => {
                from_server(stream, &mut file)?;
                true
            }
            Err(_) => {
                if !SledStore::holds_store(data) {
                    return Err(Error::storage(format!(
                        "there is no store at {}",
                        data.display()
                    )));
                }
                SledStore::open(data)?.backup_to(&mut std::io::BufWriter::new(&mut file))?;
                false
            }
        };
        file.sync_all()
            .map_err(|e| io(&format!("syncing {}", partial.display()), e))?;
        let records = read_backup(
            &mut std::io::BufReader::new(
                std::fs::File::open(&partial).map_err(|e| io("reading the backup back", e))?,
            ),
            &mut |_, _| Ok(()),
        )
        .map_err(|e| match through_server {
            true => Error::storage(format!(
                "the server's backup ended early ({e}); see the server's log"
            )),
            false => e,
        })?;
        Ok((records, through_server))
    })();
    match taken {
        Ok(done) => {
            std::fs::rename(&partial, to)
                .map_err(|e| io(&format!("renaming to {}", to.display()), e))?;
            if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
                let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
            }
            Ok(done)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn from_server(stream: std::os::unix::net::UnixStream, file: &mut std::fs::File) -> Result<()> {
    let io = |e: std::io::Error| Error::storage(format!("talking to the running server: {e}"));
    (&stream).write_all(b"backup\n").map_err(io)?;
    let mut reader = std::io::BufReader::new(&stream);
    let mut first = String::new();
    reader.read_line(&mut first).map_err(io)?;
    if first != "ok\n" {
        return Err(Error::storage(format!(
            "the running server refused the backup: {}",
            first.trim_end()
        )));
    }
    std::io::copy(&mut reader, file).map_err(io)?;
    Ok(())
}

/// `OpenOptions::mode(0o600)` under a name that reads as what it is for.
trait OwnerOnly {
    fn mode_600(&mut self) -> &mut Self;
}

impl OwnerOnly for std::fs::OpenOptions {
    fn mode_600(&mut self) -> &mut Self {
        std::os::unix::fs::OpenOptionsExt::mode(self, 0o600)
    }
}
