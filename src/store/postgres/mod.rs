//! The PostgreSQL store: many `atender-server` processes on one database.
//!
//! Every rule-guarding transaction runs at SERIALIZABLE isolation and is retried from the start
//! on a serialization failure (40001) or a deadlock (40P01); the `Store` trait already lets an
//! implementation run a closure more than once. SERIALIZABLE rather than row locks because the
//! rules read sets, not rows: "the active Owners of this workspace", "is this email taken",
//! "who is in this team". Two servers each deactivating the other Owner read the same set and
//! write different rows (write skew): a row lock taken on what each one reads would have to
//! be remembered in every rule, present and future, while PostgreSQL's serializable snapshot
//! isolation detects the conflict whatever the rule reads, as sled's optimistic transactions
//! do for the embedded store. The cost is a retry under contention, which is rare here.
//!
//! Driver: tokio-postgres with a deadpool pool (prepared statements cached per connection).
//! The traits are synchronous, so the store owns a one-thread runtime for the connections and
//! waits on the caller's thread (see `bridge`). Schema migrations are SQL files embedded in the
//! binary and applied at open (see `schema`).

mod bridge;
mod check;
mod invariants;
mod rows;
mod schema;
mod sign_in;
mod tx;

pub use schema::SCHEMA_VERSION;
pub use sign_in::{LimitKey, SignInHold};

use crate::domain::{
    AuditEvent, EventId, Invite, Team, TeamId, TokenHash, User, UserId, UserStatus, Workspace,
    WorkspaceId,
};
use crate::store::StoreError;
use crate::store::{ChangedIds, ChangesTooOld, StatusCounts, Store, Tx, TxMode};
use crate::{Error, Result};
use bridge::{Runtime, block_on};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{IsolationLevel, NoTls, Row};
use tx::{AUDIT_COLUMNS, AsUuid, Feed, INVITE_COLUMNS, NAMES_USER, PgTx, team_select, user_select};

/// Connections each server keeps at most. N servers need N × this below the database's
/// `max_connections` (100 by default).
pub const POOL_SIZE: usize = 16;

/// How often a transaction is tried before a serialization failure is reported.
const MAX_ATTEMPTS: u32 = 40;

#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
    changes_kept: u64,
}

/// How many changes the feed keeps per workspace by default; a reader further behind reloads.
const CHANGES_KEPT: u64 = 100_000;

/// How many users `scan_users` fetches per query.
const SCAN_CHUNK: i64 = 256;

struct Inner {
    pool: Pool,
    /// Declared after the pool: the connections' tasks outlive the pool's handles.
    runtime: Runtime,
    /// The database's address without its password, for messages.
    shown: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("database", &self.inner.shown)
            .finish()
    }
}

/// A database error as the store reports it: SQLSTATE and PostgreSQL's own message.
/// A lost connection, a database shutting down or out of resources (a full disk: 53100) is
/// `StoreError::Unavailable` (503, heals by itself); anything else is a storage error.
pub(super) fn db_error(e: &tokio_postgres::Error) -> Error {
    match e.as_db_error() {
        Some(db) => {
            let detail = format!("database error {}: {}", db.code().code(), db.message());
            match db.code().code().get(..2) {
                Some("08" | "53" | "57") => Error::storage_unavailable(detail),
                _ => Error::storage(detail),
            }
        }
        None => Error::storage_unavailable(format!("database error: {}", chain(e))),
    }
}

/// An error and its sources on one line (tokio-postgres puts the useful part in the source).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn retryable(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(&SqlState::T_R_SERIALIZATION_FAILURE) | Some(&SqlState::T_R_DEADLOCK_DETECTED)
    )
}

/// `postgres://user@host:port/database`, never the password.
fn describe(config: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
        .map(|(host, port)| match host {
            Host::Tcp(h) => format!("{h}:{port}"),
            Host::Unix(p) => format!("{}:{port}", p.display()),
        })
        .collect();
    format!(
        "postgres://{}@{}/{}",
        config.get_user().unwrap_or(""),
        hosts.join(","),
        config.get_dbname().unwrap_or("")
    )
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, or
    /// the key=value form) and brings its schema up to this build's version. Refuses a database
    /// whose schema is newer than this build, and one it can't reach, each with its own error.
    pub fn open(url: &str) -> Result<Self> {
        Self::open_at(url, SCHEMA_VERSION)
    }

    /// Opens with the schema migrated only up to `version`; for tests of older schemas.
    #[doc(hidden)]
    pub fn open_at(url: &str, version: u32) -> Result<Self> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
            Error::Store(StoreError::Failed {
                detail: format!(
                    "the database URL is not a PostgreSQL connection string ({e}); expected \
                 postgres://USER:PASSWORD@HOST:PORT/DATABASE"
                ),
            })
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("atender");
        }
        let shown = describe(&config);
        let runtime = Runtime::new().map_err(Error::storage)?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(15)))
            .build()
            .map_err(Error::storage)?;
        let store = PgStore {
            inner: Arc::new(Inner {
                pool,
                runtime,
                shown,
            }),
            changes_kept: CHANGES_KEPT,
        };
        let mut client = store.connection()?;
        schema::migrate(&mut client, &store.inner.shown, version)?;
        Ok(store)
    }

    /// How many changes of each workspace's feed to keep (at least one); a reader further
    /// behind is told to reload. 100,000 by default.
    pub fn with_changes_kept(mut self, kept: u64) -> Self {
        self.changes_kept = kept.max(1);
        self
    }

    /// The database's address, without the password.
    pub fn address(&self) -> &str {
        &self.inner.shown
    }

    /// Records a schema version as applied; only for tests of the newer-schema refusal.
    #[doc(hidden)]
    pub fn overwrite_schema_version_for_tests(&self, version: u32) -> Result<()> {
        let client = self.connection()?;
        block_on(client.execute(
            "INSERT INTO atender_schema (version) VALUES ($1)",
            &[&i32::try_from(version).map_err(Error::storage)?],
        ))
        .map(drop)
        .map_err(|e| db_error(&e))
    }

    fn connection(&self) -> Result<deadpool_postgres::Object> {
        let pool = self.inner.pool.clone();
        let got = self
            .inner
            .runtime
            .run(async move { pool.get().await })
            .ok_or_else(|| Error::storage("the database connection runtime has stopped"))?;
        got.map_err(|e| {
            let detail = match &e {
                deadpool_postgres::PoolError::Backend(pg) => match pg.as_db_error() {
                    Some(db) => format!("{} ({})", db.message(), db.code().code()),
                    None => chain(pg),
                },
                deadpool_postgres::PoolError::Timeout(_) => {
                    "timed out waiting for a connection".to_string()
                }
                other => other.to_string(),
            };
            Error::Store(StoreError::Unavailable {
                detail: format!(
                    "can't use the database at {}: {detail}; check the database URL and that \
                     PostgreSQL is running and accepts connections",
                    self.inner.shown
                ),
            })
        })
    }

    fn read(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let client = self.connection()?;
        block_on(async {
            let statement = client.prepare_cached(sql).await?;
            client.query(&statement, params).await
        })
        .map_err(|e| db_error(&e))
    }

    fn read_all<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        each: impl Fn(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.read(sql, params)?.iter().map(each).collect()
    }
}

/// Waits a little before trying a conflicting transaction again, longer each time and never in
/// step with the transaction it conflicted with.
fn back_off(attempt: u32) {
    let mut jitter = [0u8; 2];
    let _ = getrandom::fill(&mut jitter);
    let max_micros = 200u64 << attempt.min(6);
    let micros = u64::from(u16::from_le_bytes(jitter)) % max_micros;
    std::thread::sleep(Duration::from_micros(micros));
}

/// How one try of a transaction ended.
enum Attempt<R> {
    /// Committed, rolled back as asked, or refused: the caller's answer.
    Done(Result<R>),
    /// A serialization failure or deadlock, with the workspaces the try wrote to.
    Conflict(tokio_postgres::Error, Vec<WorkspaceId>),
}

/// The advisory lock that queues a workspace's conflicting writers (see `transact`).
fn workspace_lock(ws: WorkspaceId) -> i64 {
    let bytes = ws.uuid().into_bytes();
    let mut low = [0u8; 8];
    low.copy_from_slice(&bytes[8..]);
    i64::from_be_bytes(low)
}

impl PgStore {
    /// One try of `f` in a SERIALIZABLE transaction.
    fn attempt<R>(
        &self,
        client: &mut deadpool_postgres::Object,
        mode: TxMode,
        f: &dyn Fn(&dyn Tx) -> Result<R>,
    ) -> Attempt<R> {
        let tx = match block_on(
            client
                .build_transaction()
                .isolation_level(IsolationLevel::Serializable)
                .start(),
        ) {
            Ok(tx) => tx,
            Err(e) => return Attempt::Done(Err(db_error(&e))),
        };
        let pg = PgTx::new(
            &tx,
            Feed::Record {
                kept: self.changes_kept,
            },
        );
        let result = f(&pg);
        let failure = pg.take_failure();
        let touched = pg.workspaces();
        let outcome = match (failure, result, mode) {
            (Some(e), _, _) => Err(e),
            (None, Err(refused), _) => {
                return Attempt::Done(match block_on(tx.rollback()) {
                    Ok(()) => Err(refused),
                    Err(e) => Err(db_error(&e)),
                });
            }
            (None, Ok(r), TxMode::DryRun) => {
                return Attempt::Done(
                    block_on(tx.rollback())
                        .map(|()| r)
                        .map_err(|e| db_error(&e)),
                );
            }
            (None, Ok(r), TxMode::Commit) => block_on(tx.commit()).map(|()| r),
        };
        match outcome {
            Ok(r) => Attempt::Done(Ok(r)),
            Err(e) if retryable(&e) => Attempt::Conflict(e, touched),
            Err(e) => Attempt::Done(Err(db_error(&e))),
        }
    }
}

impl Store for PgStore {
    /// Every write numbers itself on its workspace's change counter, so two concurrent writers
    /// of one workspace conflict and one is retried. Retried blindly, eight writers at once
    /// starved each other (an edit failed after 40 tries in `cargo bench --bench store`), so a
    /// retry first queues on a session advisory lock of the workspaces its failed try wrote
    /// to, taken before its transaction (and its snapshot) begins: retries of one workspace
    /// run one after the other, each on a snapshot taken after the previous one committed.
    fn transact<R>(&self, mode: TxMode, f: &dyn Fn(&dyn Tx) -> Result<R>) -> Result<R> {
        let mut client = self.connection()?;
        let mut queued: Vec<i64> = Vec::new();
        let mut attempt = 0;
        loop {
            attempt += 1;
            if !queued.is_empty() {
                // In key order, so two retries never wait on each other's locks.
                block_on(client.execute(
                    "SELECT pg_advisory_lock(k) FROM unnest($1::bigint[]) WITH ORDINALITY \
                     AS l(k, n) ORDER BY n",
                    &[&queued],
                ))
                .map_err(|e| db_error(&e))?;
            }
            let result = self.attempt(&mut client, mode, f);
            if !queued.is_empty() {
                let unlocked = block_on(client.execute(
                    "SELECT pg_advisory_unlock(k) FROM unnest($1::bigint[]) AS l(k)",
                    &[&queued],
                ));
                if let Err(e) = unlocked {
                    // A lock left on a pooled connection would hold up its workspace's
                    // retries: take the connection out of the pool (closing it unlocks).
                    drop(deadpool_postgres::Object::take(client));
                    return match result {
                        Attempt::Done(r) => r,
                        Attempt::Conflict(..) => Err(db_error(&e)),
                    };
                }
            }
            match result {
                Attempt::Done(r) => return r,
                Attempt::Conflict(e, touched) => {
                    if attempt >= MAX_ATTEMPTS {
                        return Err(db_error(&e));
                    }
                    for ws in touched {
                        let key = workspace_lock(ws);
                        if !queued.contains(&key) {
                            queued.push(key);
                        }
                    }
                    queued.sort_unstable();
                    if queued.is_empty() {
                        back_off(attempt);
                    }
                }
            }
        }
    }

    /// A round trip to the database.
    fn health(&self) -> Result<()> {
        self.read("SELECT 1", &[]).map(drop)
    }

    /// A committed transaction is already durable: PostgreSQL syncs its WAL at commit
    /// (`synchronous_commit`, on by default).
    fn flush(&self) -> Result<()> {
        Ok(())
    }

    /// One transaction, READ COMMITTED and never retried (`f` may run only once): nothing else
    /// writes meanwhile, so there is nothing to conflict with.
    fn bulk_load(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        let mut client = self.connection()?;
        let tx = block_on(client.transaction()).map_err(|e| db_error(&e))?;
        let pg = PgTx::new(&tx, Feed::Skip);
        let result = f(&pg);
        if let Some(e) = pg.take_failure() {
            return Err(db_error(&e));
        }
        result?;
        block_on(tx.commit()).map_err(|e| db_error(&e))
    }

    fn scan_users(
        &self,
        ws: WorkspaceId,
        status: Option<UserStatus>,
        after: Option<UserId>,
        visit: &mut dyn FnMut(User) -> Result<bool>,
    ) -> Result<()> {
        let status = status.map(|s| rows::name_of(&s)).transpose()?;
        let mut after = after.map(|a| a.uuid());
        loop {
            // One statement per shape, so each plan walks the (workspace, [status,] id) index.
            let users = match (&status, &after) {
                (None, None) => self.read_all(
                    concat!(
                        user_select!(),
                        "WHERE u.workspace = $1 ORDER BY u.id LIMIT $2"
                    ),
                    &[&ws.uuid(), &SCAN_CHUNK],
                    rows::user,
                )?,
                (None, Some(a)) => self.read_all(
                    concat!(
                        user_select!(),
                        "WHERE u.workspace = $1 AND u.id > $2 ORDER BY u.id LIMIT $3"
                    ),
                    &[&ws.uuid(), a, &SCAN_CHUNK],
                    rows::user,
                )?,
                (Some(s), None) => self.read_all(
                    concat!(
                        user_select!(),
                        "WHERE u.workspace = $1 AND u.status = $2 ORDER BY u.id LIMIT $3"
                    ),
                    &[&ws.uuid(), s, &SCAN_CHUNK],
                    rows::user,
                )?,
                (Some(s), Some(a)) => self.read_all(
                    concat!(
                        user_select!(),
                        "WHERE u.workspace = $1 AND u.status = $2 AND u.id > $3 \
                         ORDER BY u.id LIMIT $4"
                    ),
                    &[&ws.uuid(), s, a, &SCAN_CHUNK],
                    rows::user,
                )?,
            };
            let full = users.len() as i64 == SCAN_CHUNK;
            for user in users {
                after = Some(user.id.uuid());
                if !visit(user)? {
                    return Ok(());
                }
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Counted by the (workspace, status, id) index: a query, not a stored counter.
    fn status_counts(&self, ws: WorkspaceId) -> Result<StatusCounts> {
        let mut counts = StatusCounts::default();
        for row in self.read(
            "SELECT status, count(*) FROM users WHERE workspace = $1 GROUP BY status",
            &[&ws.uuid()],
        )? {
            let name: &str = row.try_get(0).map_err(Error::storage)?;
            let n: i64 = row.try_get(1).map_err(Error::storage)?;
            let n = u64::try_from(n).map_err(Error::storage)?;
            match rows::from_name::<UserStatus>(name)? {
                UserStatus::Active => counts.active = n,
                UserStatus::Inactive => counts.inactive = n,
                UserStatus::Invited => counts.invited = n,
            }
        }
        Ok(counts)
    }

    fn invite_of(&self, ws: WorkspaceId, user: UserId) -> Result<Option<Invite>> {
        self.read(
            &format!("{INVITE_COLUMNS}WHERE workspace = $1 AND user_id = $2"),
            &[&ws.uuid(), &user.uuid()],
        )?
        .first()
        .map(rows::invite)
        .transpose()
    }

    fn change_seq(&self, ws: WorkspaceId) -> Result<u64> {
        let rows = self.read(
            "SELECT change_seq FROM workspaces WHERE id = $1",
            &[&ws.uuid()],
        )?;
        match rows.first() {
            Some(r) => u64::try_from(r.try_get::<_, i64>(0).map_err(Error::storage)?)
                .map_err(Error::storage),
            None => Ok(0),
        }
    }

    fn changes_since(
        &self,
        ws: WorkspaceId,
        since: u64,
    ) -> Result<std::result::Result<ChangedIds, ChangesTooOld>> {
        let since_sql = i64::try_from(since).unwrap_or(i64::MAX);
        // One statement, one snapshot: the counter, the floor and the entries agree.
        let rows = self.read(
            "SELECT w.change_seq, w.change_floor, c.kind, c.id FROM workspaces w \
             LEFT JOIN changes c ON c.workspace = w.id AND c.seq > $2 AND c.seq <= w.change_seq \
             WHERE w.id = $1",
            &[&ws.uuid(), &since_sql],
        )?;
        let number = |r: &Row, i: usize| -> Result<u64> {
            u64::try_from(r.try_get::<_, i64>(i).map_err(Error::storage)?).map_err(Error::storage)
        };
        let (latest, oldest) = match rows.first() {
            Some(r) => (number(r, 0)?, number(r, 1)?),
            None => (0, 0),
        };
        if since > latest || since < oldest {
            return Ok(Err(ChangesTooOld { oldest }));
        }
        let mut out = ChangedIds {
            seq: latest,
            ..ChangedIds::default()
        };
        for r in &rows {
            let kind: Option<&str> = r.try_get(2).map_err(Error::storage)?;
            let Some(kind) = kind else { continue };
            let id: uuid::Uuid = r.try_get(3).map_err(Error::storage)?;
            match kind {
                "user" => {
                    out.users.insert(UserId::from_uuid(id));
                }
                "team" => {
                    out.teams.insert(TeamId::from_uuid(id));
                }
                "workspace" => out.workspace = true,
                other => {
                    return Err(Error::storage(format!(
                        "change feed entry of an unknown kind: {other}"
                    )));
                }
            }
        }
        Ok(Ok(out))
    }

    fn workspaces(&self) -> Result<Vec<Workspace>> {
        self.read_all(
            "SELECT id, name, slug, created_at FROM workspaces ORDER BY id",
            &[],
            rows::workspace,
        )
    }

    fn users(&self, ws: WorkspaceId) -> Result<Vec<User>> {
        self.read_all(
            concat!(user_select!(), "WHERE u.workspace = $1 ORDER BY u.id"),
            &[&ws.uuid()],
            rows::user,
        )
    }

    fn invites(&self, ws: WorkspaceId) -> Result<Vec<Invite>> {
        self.read_all(
            &format!("{INVITE_COLUMNS}WHERE workspace = $1 ORDER BY user_id"),
            &[&ws.uuid()],
            rows::invite,
        )
    }

    fn teams(&self, ws: WorkspaceId) -> Result<Vec<Team>> {
        // Byte order of the folded name, as the sled store sorts, whatever the collation.
        self.read_all(
            concat!(
                team_select!(),
                "WHERE t.workspace = $1 ORDER BY t.folded_name COLLATE \"C\""
            ),
            &[&ws.uuid()],
            rows::team,
        )
    }

    fn audit_page(
        &self,
        ws: WorkspaceId,
        before: Option<EventId>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match before {
            Some(before) => self.read_all(
                &format!(
                    "{AUDIT_COLUMNS}WHERE workspace = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
                ),
                &[&ws.uuid(), &before.uuid(), &limit],
                rows::audit_event,
            ),
            None => self.read_all(
                &format!("{AUDIT_COLUMNS}WHERE workspace = $1 ORDER BY id DESC LIMIT $2"),
                &[&ws.uuid(), &limit],
                rows::audit_event,
            ),
        }
    }

    fn user_audit(&self, ws: WorkspaceId, user: UserId, limit: usize) -> Result<Vec<AuditEvent>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read_all(
            &format!("{AUDIT_COLUMNS}WHERE {NAMES_USER} ORDER BY id DESC LIMIT $3"),
            &[&ws.uuid(), &user.uuid(), &limit],
            rows::audit_event,
        )
    }

    fn user_sessions(&self, ws: WorkspaceId, user: UserId) -> Result<Vec<TokenHash>> {
        self.read_all(
            "SELECT token_hash FROM sessions WHERE workspace = $1 AND user_id = $2",
            &[&ws.uuid(), &user.uuid()],
            |r| rows::token_hash(r.try_get::<_, &[u8]>(0).map_err(Error::storage)?),
        )
    }

    fn has_password(&self, ws: WorkspaceId, user: UserId) -> Result<bool> {
        let rows = self.read(
            "SELECT EXISTS (SELECT 1 FROM passwords WHERE workspace = $1 AND user_id = $2)",
            &[&ws.uuid(), &user.uuid()],
        )?;
        rows.first()
            .map(|r| r.try_get(0).map_err(Error::storage))
            .unwrap_or(Ok(false))
    }
}

/// Helpers for test suites that give each test its own schema in a shared database.
#[doc(hidden)]
pub mod testing {
    use super::{Runtime, chain};
    use crate::{Error, Result};
    use tokio_postgres::NoTls;

    /// Runs `sql` (several statements allowed) on a connection of its own.
    pub fn execute(url: &str, sql: &str) -> Result<()> {
        let runtime = Runtime::new().map_err(Error::storage)?;
        let (url, sql) = (url.to_string(), sql.to_string());
        runtime
            .run(async move {
                let (client, connection) = tokio_postgres::connect(&url, NoTls).await?;
                tokio::spawn(connection);
                client.batch_execute(&sql).await
            })
            .ok_or_else(|| Error::storage("the runtime stopped"))?
            .map_err(|e| Error::storage(chain(&e)))
    }

    /// `url` with `search_path` set to `schema`, so that everything the store creates and reads
    /// lives in that schema.
    pub fn url_with_schema(url: &str, schema: &str) -> String {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}options=-csearch_path%3D{schema}")
    }
}
