//! A tiny SMTP server on a tokio TcpListener that keeps every message it receives, or refuses
//! every message while `fail` is set. Enough of RFC 5321 for lettre: greeting, EHLO/HELO, MAIL,
//! RCPT, DATA, RSET, NOOP, QUIT.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};

pub struct SmtpSink {
    pub port: u16,
    pub fail: Arc<AtomicBool>,
    received: Mutex<mpsc::UnboundedReceiver<String>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::unbounded_channel();
        let fail = Arc::new(AtomicBool::new(false));
        let fail_flag = fail.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let tx = tx.clone();
                let fail = fail_flag.clone();
                tokio::spawn(async move {
                    let _ = session(stream, tx, fail).await;
                });
            }
        });
        SmtpSink {
            port,
            fail,
            received: Mutex::new(rx),
        }
    }

    /// The next message received (its raw DATA), waiting up to 10 seconds.
    pub async fn next_message(&self) -> String {
        let mut rx = self.received.lock().await;
        tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("no email arrived within 10 s")
            .expect("the SMTP sink stopped")
    }

    /// Whether a message is waiting, without waiting for one.
    pub async fn try_message(&self) -> Option<String> {
        self.received.lock().await.try_recv().ok()
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    tx: mpsc::UnboundedSender<String>,
    fail: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 sink\r\n",
            "MAIL" if fail.load(Ordering::SeqCst) => b"550 5.7.1 refused by the test sink\r\n",
            "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                let _ = tx.send(data);
                b"250 queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// Decodes quoted-printable (soft line breaks and =XX), as a mail client would.
pub fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first accept link in an email, decoded.
pub fn link_in(email: &str) -> String {
    let decoded = decode_quoted_printable(email);
    let start = decoded
        .find("http://")
        .expect("the email has no http:// link");
    let link: String = decoded[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
        .collect();
    assert!(
        link.contains("/accept?token="),
        "not an accept link: {link}"
    );
    link
}
