//! The store's invariants on PostgreSQL. Most are the schema's own constraints (primary keys,
//! UNIQUE slugs and emails, foreign keys), so this finds what a hand-edited database, a dropped
//! constraint or a restore that skipped them left: each query returns one line per broken
//! invariant, naming its record. Names and emails that today's rules refuse are warnings.

use super::bridge::block_on;
use super::{PgStore, db_error};
use crate::domain::{Email, PersonName, TeamName, WorkspaceName};
use crate::store::Findings;
use crate::{Error, Result};

/// Each query yields one text column: a broken invariant with its record.
const DAMAGE: &[&str] = &[
    // Duplicate keys (a dropped primary key).
    "SELECT 'workspace ' || id || ' is stored ' || count(*) || ' times (a duplicate key)' \
     FROM workspaces GROUP BY id HAVING count(*) > 1",
    "SELECT 'user ' || id || ' in workspace ' || workspace || ' is stored ' || count(*) \
     || ' times (a duplicate key)' FROM users GROUP BY workspace, id HAVING count(*) > 1",
    "SELECT 'team ' || id || ' in workspace ' || workspace || ' is stored ' || count(*) \
     || ' times (a duplicate key)' FROM teams GROUP BY workspace, id HAVING count(*) > 1",
    // Unique slugs.
    "SELECT 'the slug ' || slug || ' belongs to ' || count(*) || ' workspaces: ' \
     || string_agg(id::text, ', ' ORDER BY id) FROM workspaces GROUP BY slug HAVING count(*) > 1",
    // The email index: unique lower-cased emails within a workspace.
    "SELECT 'the email ' || lower(btrim(email)) || ' belongs to ' || count(*) \
     || ' users in workspace ' || workspace || ': ' || string_agg(id::text, ', ' ORDER BY id) \
     FROM users GROUP BY workspace, lower(btrim(email)) HAVING count(*) > 1",
    "SELECT 'user ' || id || ' (' || email || ') in workspace ' || workspace \
     || ': its email is not stored trimmed and lower-cased, so the email index misses it' \
     FROM users WHERE email <> lower(btrim(email))",
    // Records whose workspace does not exist.
    "SELECT 'user ' || u.id || ' (' || u.email || ') names workspace ' || u.workspace \
     || ', which does not exist' FROM users u \
     WHERE NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = u.workspace)",
    "SELECT 'team ' || t.id || ' (' || t.name || ') names workspace ' || t.workspace \
     || ', which does not exist' FROM teams t \
     WHERE NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = t.workspace)",
    // Unique team names.
    "SELECT 'the team name ' || folded_name || ' belongs to ' || count(*) \
     || ' teams in workspace ' || workspace || ': ' || string_agg(id::text, ', ' ORDER BY id) \
     FROM teams GROUP BY workspace, folded_name HAVING count(*) > 1",
    // Orphans: entries that name a user or team that isn't in their workspace.
    "SELECT 'the membership of user ' || m.user_id || ' in team ' || m.team \
     || ' in workspace ' || m.workspace || ' names a user who is not in that workspace (an orphan entry)' \
     FROM team_members m WHERE NOT EXISTS \
     (SELECT 1 FROM users u WHERE u.workspace = m.workspace AND u.id = m.user_id)",
    "SELECT 'the membership of user ' || m.user_id || ' in team ' || m.team \
     || ' in workspace ' || m.workspace || ' names a team that is not in that workspace (an orphan entry)' \
     FROM team_members m WHERE NOT EXISTS \
     (SELECT 1 FROM teams t WHERE t.workspace = m.workspace AND t.id = m.team)",
    "SELECT 'a password hash is kept for user ' || p.user_id || ' in workspace ' || p.workspace \
     || ', who does not exist (an orphan entry)' FROM passwords p WHERE NOT EXISTS \
     (SELECT 1 FROM users u WHERE u.workspace = p.workspace AND u.id = p.user_id)",
    "SELECT 'an invite is kept for user ' || i.user_id || ' in workspace ' || i.workspace \
     || ', who does not exist (an orphan entry)' FROM invites i WHERE NOT EXISTS \
     (SELECT 1 FROM users u WHERE u.workspace = i.workspace AND u.id = i.user_id)",
    "SELECT 'a session is kept for user ' || s.user_id || ' in workspace ' || s.workspace \
     || ', who does not exist (an orphan entry)' FROM sessions s WHERE NOT EXISTS \
     (SELECT 1 FROM users u WHERE u.workspace = s.workspace AND u.id = s.user_id)",
    // A pending invite belongs to an invited user (accepting makes them active).
    "SELECT 'user ' || u.id || ' (' || u.email || ') in workspace ' || u.workspace \
     || ' has a pending invite but is ' || u.status FROM invites i \
     JOIN users u ON u.workspace = i.workspace AND u.id = i.user_id \
     WHERE i.accepted_at IS NULL AND u.status <> 'invited'",
    // Every workspace that has users has an active Owner.
    // (Before its first Owner accepts, a workspace's only Owner is invited.)
    "SELECT 'workspace ' || w.slug || ' (' || w.id \
     || ') has users but no active Owner (nor an invited first one)' \
     FROM workspaces w \
     WHERE EXISTS (SELECT 1 FROM users u WHERE u.workspace = w.id) \
     AND NOT EXISTS (SELECT 1 FROM users u WHERE u.workspace = w.id \
                     AND u.status IN ('active', 'invited') AND 'owner' = ANY (u.roles))",
    // The change counter counts at least every change kept.
    "SELECT 'workspace ' || w.slug || ' (' || w.id || ') counts ' || w.change_seq \
     || ' changes but holds change ' || max(c.seq) \
     FROM workspaces w JOIN changes c ON c.workspace = w.id \
     GROUP BY w.id, w.slug, w.change_seq HAVING max(c.seq) > w.change_seq",
];

impl PgStore {
    /// Checks the store's invariants in one read-only snapshot (see `Findings`).
    pub fn check_invariants(&self) -> Result<Findings> {
        let mut client = self.connection()?;
        block_on(async {
            let tx = client
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await
                .map_err(|e| db_error(&e))?;
            let mut f = Findings::default();
            for sql in DAMAGE {
                for row in tx.query(*sql, &[]).await.map_err(|e| db_error(&e))? {
                    f.damage
                        .push(row.try_get::<_, String>(0).map_err(Error::storage)?);
                }
            }
            let text = |r: &tokio_postgres::Row, i: usize| -> Result<String> {
                r.try_get::<_, String>(i).map_err(Error::storage)
            };
            let id = |r: &tokio_postgres::Row, i: usize| -> Result<String> {
                r.try_get::<_, uuid::Uuid>(i)
                    .map(|u| u.to_string())
                    .map_err(Error::storage)
            };
            let rows = tx
                .query("SELECT id, slug, name FROM workspaces ORDER BY id", &[])
                .await
                .map_err(|e| db_error(&e))?;
            for r in &rows {
                let (ws, slug, name) = (id(r, 0)?, text(r, 1)?, text(r, 2)?);
                if WorkspaceName::parse(&name).is_err() {
                    f.warnings.push(format!(
                        "workspace {slug} ({ws}): its name {name:?} breaks today's name rules"
                    ));
                }
            }
            let rows = tx
                .query(
                    "SELECT workspace, id, email, full_name, display_name FROM users \
                     ORDER BY workspace, id",
                    &[],
                )
                .await
                .map_err(|e| db_error(&e))?;
            for r in &rows {
                let (ws, user, email) = (id(r, 0)?, id(r, 1)?, text(r, 2)?);
                let who = format!("user {user} ({email:?}) in workspace {ws}");
                if Email::parse(&email).is_err() {
                    f.warnings
                        .push(format!("{who}: its email breaks today's email rules"));
                }
                let full = text(r, 3)?;
                if PersonName::parse(&full).is_err() {
                    f.warnings.push(format!(
                        "{who}: its full name {full:?} breaks today's name rules"
                    ));
                }
                let display = text(r, 4)?;
                if PersonName::parse(&display).is_err() {
                    f.warnings.push(format!(
                        "{who}: its display name {display:?} breaks today's name rules"
                    ));
                }
            }
            let rows = tx
                .query(
                    "SELECT workspace, id, name, folded_name FROM teams ORDER BY workspace, id",
                    &[],
                )
                .await
                .map_err(|e| db_error(&e))?;
            for r in &rows {
                let (ws, team, name, folded) = (id(r, 0)?, id(r, 1)?, text(r, 2)?, text(r, 3)?);
                if TeamName::parse(&name).is_err() {
                    f.warnings.push(format!(
                        "team {team} ({name:?}) in workspace {ws}: its name breaks today's name rules"
                    ));
                }
                if TeamName::unchecked(name.clone()).folded() != folded {
                    f.damage.push(format!(
                        "team {team} ({name:?}) in workspace {ws} is filed under the team name {folded:?}"
                    ));
                }
            }
            tx.commit().await.map_err(|e| db_error(&e))?;
            Ok(f)
        })
    }
}
