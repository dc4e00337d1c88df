//! `Tx` over one SERIALIZABLE PostgreSQL transaction: each call is one or a few statements.
//!
//! A failed statement aborts the whole PostgreSQL transaction, and a serialization failure must
//! reach the retry loop even when the service's closure handles the error it was given (bulk
//! operations report refusals per user). So the first database error is kept aside here; the
//! store looks at it after the closure returns, whatever the closure made of it.

use super::bridge::block_on;
use super::{db_error, rows};
use crate::domain::{
    AuditAction, AuditEvent, Email, Invite, PasswordHash, Session, Team, TeamId, TokenHash, User,
    UserId, Workspace, WorkspaceId,
};
use crate::store::Tx;
use crate::{Error, Result};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

/// The columns of a user, their teams aggregated from the membership table.
macro_rules! user_select {
    () => {
        "SELECT u.workspace, u.id, u.email, u.full_name, u.display_name, u.roles, u.status, \
         u.beta, u.created_at, u.updated_at, u.invited_by, u.last_login_at, u.deactivated_at, \
         u.deactivated_by, u.version, u.session_epoch, \
         ARRAY(SELECT m.team FROM team_members m \
               WHERE m.workspace = u.workspace AND m.user_id = u.id ORDER BY m.team) AS teams \
         FROM users u "
    };
}
pub(super) use user_select;

/// The columns of a team, its member count counted.
macro_rules! team_select {
    () => {
        "SELECT t.workspace, t.id, t.name, t.created_at, \
         (SELECT count(*) FROM team_members m \
          WHERE m.workspace = t.workspace AND m.team = t.id) AS member_count \
         FROM teams t "
    };
}
pub(super) use team_select;

pub(super) const INVITE_COLUMNS: &str = "SELECT workspace, user_id, sent_by, sent_at, expires_at, \
     times_sent, send_requested, email_sent, token_hash, accepted_at FROM invites ";

pub(super) const AUDIT_COLUMNS: &str = "SELECT workspace, id, at, actor, actor_label, action, \
     target_kind, target_id, target_label, detail FROM audit_events ";

/// The SQL that decides which events name a user: as actor, or as target, except the record
/// of their own deletion, which must outlive them.
pub(super) const NAMES_USER: &str = "workspace = $1 AND (actor = $2 OR \
     (target_kind = 'user' AND target_id = $2 AND action <> 'user_deleted'))";

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

pub(super) struct PgTx<'a> {
    tx: &'a deadpool_postgres::Transaction<'a>,
    failure: RefCell<Option<tokio_postgres::Error>>,
    feed: Feed,
    /// What this attempt has put in the feed already (one entry per thing per transaction).
    recorded: RefCell<HashSet<(WorkspaceId, &'static str, Uuid)>>,
}

/// How a transaction's writes reach the change feed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Feed {
    /// One entry per change; the feed keeps the last `kept` (at least) of each workspace.
    Record { kept: u64 },
    /// A bulk load: each change moves the floor past itself, so earlier readers reload.
    Skip,
}

impl<'a> PgTx<'a> {
    pub(super) fn new(tx: &'a deadpool_postgres::Transaction<'a>, feed: Feed) -> Self {
        PgTx {
            tx,
            failure: RefCell::new(None),
            feed,
            recorded: RefCell::default(),
        }
    }

    /// Numbers one change of the workspace and writes it to the feed, in this transaction.
    /// Keeps between `kept` and twice that many entries: the floor moves with the removal.
    fn record(&self, ws: WorkspaceId, kind: &'static str, id: Uuid) -> Result<()> {
        if !self.recorded.borrow_mut().insert((ws, kind, id)) {
            return Ok(());
        }
        let w = uuid(&ws);
        match self.feed {
            Feed::Skip => {
                self.execute(
                    "UPDATE workspaces SET change_seq = change_seq + 1, \
                     change_floor = change_seq + 1 WHERE id = $1",
                    &[&w],
                )?;
            }
            Feed::Record { kept } => {
                let Some((seq, floor)) = self.one(
                    "UPDATE workspaces SET change_seq = change_seq + 1 WHERE id = $1 \
                     RETURNING change_seq, change_floor",
                    &[&w],
                    |r| {
                        let seq: i64 = r.try_get(0).map_err(Error::storage)?;
                        let floor: i64 = r.try_get(1).map_err(Error::storage)?;
                        Ok((seq, floor))
                    },
                )?
                else {
                    // No such workspace: nothing of it to follow.
                    return Ok(());
                };
                self.execute(
                    "INSERT INTO changes (workspace, seq, kind, id) VALUES ($1, $2, $3, $4)",
                    &[&w, &seq, &kind, &id],
                )?;
                let kept = i64::try_from(kept).unwrap_or(i64::MAX / 4);
                if seq - floor > 2 * kept {
                    let new_floor = seq - kept;
                    self.execute(
                        "UPDATE workspaces SET change_floor = $2 WHERE id = $1",
                        &[&w, &new_floor],
                    )?;
                    self.execute(
                        "DELETE FROM changes WHERE workspace = $1 AND seq <= $2",
                        &[&w, &new_floor],
                    )?;
                }
            }
        }
        Ok(())
    }

    /// The workspaces whose change feed this attempt wrote to.
    pub(super) fn workspaces(&self) -> Vec<WorkspaceId> {
        let mut seen: Vec<WorkspaceId> = self.recorded.borrow().iter().map(|r| r.0).collect();
        seen.sort();
        seen.dedup();
        seen
    }

    /// The first database error of this transaction, if any.
    pub(super) fn take_failure(&self) -> Option<tokio_postgres::Error> {
        self.failure.borrow_mut().take()
    }

    fn keep(&self, e: tokio_postgres::Error) -> Error {
        let error = db_error(&e);
        self.failure.borrow_mut().get_or_insert(e);
        error
    }

    fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        if self.failure.borrow().is_some() {
            return Err(Error::storage(
                "the transaction was aborted by an earlier error",
            ));
        }
        block_on(async {
            let statement = self.tx.prepare_cached(sql).await?;
            self.tx.query(&statement, params).await
        })
        .map_err(|e| self.keep(e))
    }

    fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64> {
        if self.failure.borrow().is_some() {
            return Err(Error::storage(
                "the transaction was aborted by an earlier error",
            ));
        }
        block_on(async {
            let statement = self.tx.prepare_cached(sql).await?;
            self.tx.execute(&statement, params).await
        })
        .map_err(|e| self.keep(e))
    }

    fn one<T>(
        &self,
        sql: &str,
        params: Params<'_>,
        read: impl Fn(&Row) -> Result<T>,
    ) -> Result<Option<T>> {
        self.query(sql, params)?.first().map(read).transpose()
    }
}

fn uuid(id: &impl AsUuid) -> Uuid {
    id.uuid()
}

/// The typed ids, as the driver's UUID.
pub(super) trait AsUuid {
    fn uuid(&self) -> Uuid;
}

macro_rules! as_uuid {
    ($($t:ty),*) => {$(
        impl AsUuid for $t {
            fn uuid(&self) -> Uuid {
                *self.as_uuid()
            }
        }
    )*};
}
as_uuid!(WorkspaceId, UserId, TeamId, crate::domain::EventId);

impl Tx for PgTx<'_> {
    fn workspace(&self, ws: WorkspaceId) -> Result<Option<Workspace>> {
        self.one(
            "SELECT id, name, slug, created_at FROM workspaces WHERE id = $1",
            &[&uuid(&ws)],
            rows::workspace,
        )
    }

    fn workspace_id_by_slug(&self, slug: &str) -> Result<Option<WorkspaceId>> {
        self.one("SELECT id FROM workspaces WHERE slug = $1", &[&slug], |r| {
            Ok(WorkspaceId::from_uuid(
                r.try_get(0).map_err(Error::storage)?,
            ))
        })
    }

    fn put_workspace(&self, ws: &Workspace) -> Result<()> {
        self.execute(
            "INSERT INTO workspaces (id, name, slug, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, slug = EXCLUDED.slug",
            &[&uuid(&ws.id), &ws.name.as_str(), &ws.slug, &ws.created_at],
        )?;
        self.record(ws.id, "workspace", uuid(&ws.id))
    }

    fn user(&self, ws: WorkspaceId, id: UserId) -> Result<Option<User>> {
        self.one(
            concat!(user_select!(), "WHERE u.workspace = $1 AND u.id = $2"),
            &[&uuid(&ws), &uuid(&id)],
            rows::user,
        )
    }

    fn user_id_by_email(&self, ws: WorkspaceId, email: &Email) -> Result<Option<UserId>> {
        self.one(
            "SELECT id FROM users WHERE workspace = $1 AND email = $2",
            &[&uuid(&ws), &email.as_str()],
            |r| Ok(UserId::from_uuid(r.try_get(0).map_err(Error::storage)?)),
        )
    }

    fn put_user(&self, user: &User) -> Result<()> {
        let ws = uuid(&user.workspace);
        let id = uuid(&user.id);
        let roles = rows::role_names(user.roles)?;
        let status = rows::name_of(&user.status)?;
        let version = i64::try_from(user.version).map_err(Error::storage)?;
        let epoch = i64::from(user.session_epoch);
        let invited_by = user.invited_by.map(|u| uuid(&u));
        let deactivated_by = user.deactivated_by.map(|u| uuid(&u));
        let teams: Vec<Uuid> = user.teams.iter().map(uuid).collect();
        // One statement (one round trip): the row, then its memberships made equal to `teams`.
        self.execute(
            "WITH saved AS ( \
                 INSERT INTO users (workspace, id, email, full_name, display_name, roles, status, \
                 beta, created_at, updated_at, invited_by, last_login_at, deactivated_at, \
                 deactivated_by, version, session_epoch) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                 ON CONFLICT (workspace, id) DO UPDATE SET email = EXCLUDED.email, \
                 full_name = EXCLUDED.full_name, display_name = EXCLUDED.display_name, \
                 roles = EXCLUDED.roles, status = EXCLUDED.status, beta = EXCLUDED.beta, \
                 created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, \
                 invited_by = EXCLUDED.invited_by, last_login_at = EXCLUDED.last_login_at, \
                 deactivated_at = EXCLUDED.deactivated_at, \
                 deactivated_by = EXCLUDED.deactivated_by, version = EXCLUDED.version, \
                 session_epoch = EXCLUDED.session_epoch \
                 RETURNING workspace, id), \
             left_teams AS ( \
                 DELETE FROM team_members \
                 WHERE workspace = $1 AND user_id = $2 AND team <> ALL ($17::uuid[])) \
             INSERT INTO team_members (workspace, user_id, team) \
             SELECT saved.workspace, saved.id, team FROM saved, unnest($17::uuid[]) AS team \
             ON CONFLICT DO NOTHING",
            &[
                &ws,
                &id,
                &user.email.as_str(),
                &user.full_name.as_str(),
                &user.display_name.as_str(),
                &roles,
                &status,
                &user.beta,
                &user.created_at,
                &user.updated_at,
                &invited_by,
                &user.last_login_at,
                &user.deactivated_at,
                &deactivated_by,
                &version,
                &epoch,
                &teams,
            ],
        )?;
        self.record(user.workspace, "user", id)
    }

    fn remove_user(&self, ws: WorkspaceId, id: UserId) -> Result<()> {
        // Memberships, password, invite and sessions go with the row (ON DELETE CASCADE).
        if self.execute(
            "DELETE FROM users WHERE workspace = $1 AND id = $2",
            &[&uuid(&ws), &uuid(&id)],
        )? > 0
        {
            self.record(ws, "user", uuid(&id))?;
        }
        Ok(())
    }

    fn active_owners(&self, ws: WorkspaceId) -> Result<BTreeSet<UserId>> {
        self.query(
            "SELECT id FROM users \
             WHERE workspace = $1 AND status = 'active' AND 'owner' = ANY (roles)",
            &[&uuid(&ws)],
        )?
        .iter()
        .map(|r| Ok(UserId::from_uuid(r.try_get(0).map_err(Error::storage)?)))
        .collect()
    }

    fn team(&self, ws: WorkspaceId, id: TeamId) -> Result<Option<Team>> {
        self.one(
            concat!(team_select!(), "WHERE t.workspace = $1 AND t.id = $2"),
            &[&uuid(&ws), &uuid(&id)],
            rows::team,
        )
    }

    fn team_id_by_name(&self, ws: WorkspaceId, folded: &str) -> Result<Option<TeamId>> {
        self.one(
            "SELECT id FROM teams WHERE workspace = $1 AND folded_name = $2",
            &[&uuid(&ws), &folded],
            |r| Ok(TeamId::from_uuid(r.try_get(0).map_err(Error::storage)?)),
        )
    }

    /// The team's `member_count` is not stored: reads count the memberships.
    fn put_team(&self, team: &Team) -> Result<()> {
        self.execute(
            "INSERT INTO teams (workspace, id, name, folded_name, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (workspace, id) DO UPDATE \
             SET name = EXCLUDED.name, folded_name = EXCLUDED.folded_name",
            &[
                &uuid(&team.workspace),
                &uuid(&team.id),
                &team.name.as_str(),
                &team.name.folded(),
                &team.created_at,
            ],
        )?;
        self.record(team.workspace, "team", uuid(&team.id))
    }

    fn remove_team(&self, ws: WorkspaceId, id: TeamId) -> Result<()> {
        if self.execute(
            "DELETE FROM teams WHERE workspace = $1 AND id = $2",
            &[&uuid(&ws), &uuid(&id)],
        )? > 0
        {
            self.record(ws, "team", uuid(&id))?;
        }
        Ok(())
    }

    fn invite(&self, ws: WorkspaceId, user: UserId) -> Result<Option<Invite>> {
        self.one(
            &format!("{INVITE_COLUMNS}WHERE workspace = $1 AND user_id = $2"),
            &[&uuid(&ws), &uuid(&user)],
            rows::invite,
        )
    }

    fn put_invite(&self, invite: &Invite) -> Result<()> {
        let times_sent = i32::try_from(invite.times_sent).map_err(Error::storage)?;
        self.execute(
            "INSERT INTO invites (workspace, user_id, sent_by, sent_at, expires_at, times_sent, \
             send_requested, email_sent, token_hash, token_live, accepted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (workspace, user_id) DO UPDATE SET sent_by = EXCLUDED.sent_by, \
             sent_at = EXCLUDED.sent_at, expires_at = EXCLUDED.expires_at, \
             times_sent = EXCLUDED.times_sent, send_requested = EXCLUDED.send_requested, \
             email_sent = EXCLUDED.email_sent, token_hash = EXCLUDED.token_hash, \
             token_live = EXCLUDED.token_live, accepted_at = EXCLUDED.accepted_at",
            &[
                &uuid(&invite.workspace),
                &uuid(&invite.user_id),
                &uuid(&invite.sent_by),
                &invite.sent_at,
                &invite.expires_at,
                &times_sent,
                &invite.send_requested,
                &invite.email_sent,
                &invite.token_hash.0.as_slice(),
                &invite.is_pending(),
                &invite.accepted_at,
            ],
        )?;
        self.record(invite.workspace, "user", uuid(&invite.user_id))
    }

    fn retire_invite_token(&self, invite: &Invite) -> Result<()> {
        self.execute(
            "UPDATE invites SET token_live = false WHERE token_hash = $1 AND token_live",
            &[&invite.token_hash.0.as_slice()],
        )?;
        self.record(invite.workspace, "user", uuid(&invite.user_id))
    }

    fn remove_invite(&self, ws: WorkspaceId, user: UserId) -> Result<()> {
        if self.execute(
            "DELETE FROM invites WHERE workspace = $1 AND user_id = $2",
            &[&uuid(&ws), &uuid(&user)],
        )? > 0
        {
            self.record(ws, "user", uuid(&user))?;
        }
        Ok(())
    }

    fn invite_by_token(&self, hash: &TokenHash) -> Result<Option<(WorkspaceId, UserId)>> {
        self.one(
            "SELECT workspace, user_id FROM invites WHERE token_hash = $1 AND token_live",
            &[&hash.0.as_slice()],
            |r| {
                Ok((
                    WorkspaceId::from_uuid(r.try_get(0).map_err(Error::storage)?),
                    UserId::from_uuid(r.try_get(1).map_err(Error::storage)?),
                ))
            },
        )
    }

    fn password(&self, ws: WorkspaceId, user: UserId) -> Result<Option<PasswordHash>> {
        self.one(
            "SELECT hash FROM passwords WHERE workspace = $1 AND user_id = $2",
            &[&uuid(&ws), &uuid(&user)],
            |r| {
                let phc: String = r.try_get(0).map_err(Error::storage)?;
                serde_json::from_value(serde_json::Value::String(phc)).map_err(Error::storage)
            },
        )
    }

    fn put_password(&self, ws: WorkspaceId, user: UserId, hash: &PasswordHash) -> Result<()> {
        self.execute(
            "INSERT INTO passwords (workspace, user_id, hash) VALUES ($1, $2, $3) \
             ON CONFLICT (workspace, user_id) DO UPDATE SET hash = EXCLUDED.hash",
            &[&uuid(&ws), &uuid(&user), &hash.as_phc()],
        )
        .map(drop)
    }

    fn session(&self, hash: &TokenHash) -> Result<Option<Session>> {
        self.one(
            "SELECT workspace, user_id, epoch, created_at, expires_at FROM sessions \
             WHERE token_hash = $1",
            &[&hash.0.as_slice()],
            rows::session,
        )
    }

    fn put_session(&self, hash: &TokenHash, session: &Session) -> Result<()> {
        self.execute(
            "INSERT INTO sessions (token_hash, workspace, user_id, epoch, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (token_hash) DO UPDATE SET workspace = EXCLUDED.workspace, \
             user_id = EXCLUDED.user_id, epoch = EXCLUDED.epoch, \
             created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at",
            &[
                &hash.0.as_slice(),
                &uuid(&session.workspace),
                &uuid(&session.user),
                &i64::from(session.epoch),
                &session.created_at,
                &session.expires_at,
            ],
        )
        .map(drop)
    }

    fn remove_session(&self, hash: &TokenHash) -> Result<()> {
        self.execute(
            "DELETE FROM sessions WHERE token_hash = $1",
            &[&hash.0.as_slice()],
        )
        .map(drop)
    }

    fn append_audit(&self, event: &AuditEvent) -> Result<()> {
        let (kind, target) = rows::target_columns(event.target);
        let action = rows::name_of(&event.action)?;
        debug_assert_eq!(
            rows::from_name::<AuditAction>(&action).ok(),
            Some(event.action)
        );
        self.execute(
            "INSERT INTO audit_events (workspace, id, at, actor, actor_label, action, \
             target_kind, target_id, target_label, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &uuid(&event.workspace),
                &uuid(&event.id),
                &event.at,
                &event.actor.map(|a| uuid(&a)),
                &event.actor_label,
                &action,
                &kind,
                &target,
                &event.target_label,
                &event.detail,
            ],
        )
        .map(drop)
    }

    fn erase_audit_naming(&self, ws: WorkspaceId, user: UserId) -> Result<usize> {
        let erased = self.execute(
            &format!("DELETE FROM audit_events WHERE {NAMES_USER}"),
            &[&uuid(&ws), &uuid(&user)],
        )?;
        usize::try_from(erased).map_err(Error::storage)
    }
}
