//! Rows to records and back: every column read by name, every enum spelled as the API spells
//! it (serde's snake_case), so the database reads well in `psql` and in a `pg_dump`.

use crate::domain::{
    AuditEvent, AuditTarget, Email, EventId, Invite, PersonName, Role, Roles, Session, Team,
    TeamId, TeamName, TokenHash, User, UserId, UserStatus, Workspace, WorkspaceId, WorkspaceName,
};
use crate::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::de::value::{Error as ValueError, StrDeserializer, StringDeserializer};
use tokio_postgres::Row;
use tokio_postgres::types::FromSql;
use uuid::Uuid;

fn get<'a, T: FromSql<'a>>(row: &'a Row, column: &str) -> Result<T> {
    row.try_get(column)
        .map_err(|e| Error::storage(format!("unreadable column {column}: {e}")))
}

/// A stored text read through the type's own `Deserialize`, exactly as the sled store reads
/// its JSON: a record never fails to load because a rule got stricter since it was written.
fn stored<T: DeserializeOwned>(row: &Row, column: &str) -> Result<T> {
    let text: String = get(row, column)?;
    T::deserialize(StringDeserializer::<ValueError>::new(text))
        .map_err(|e| Error::storage(format!("unreadable column {column}: {e}")))
}

/// An enum from its serde name (`active`, `user_deleted`, …).
pub(super) fn from_name<T: DeserializeOwned>(name: &str) -> Result<T> {
    T::deserialize(StrDeserializer::<ValueError>::new(name))
        .map_err(|e| Error::storage(format!("unknown stored value {name:?}: {e}")))
}

/// An enum's serde name.
pub(super) fn name_of<T: Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value).map_err(Error::storage)? {
        serde_json::Value::String(s) => Ok(s),
        other => Err(Error::storage(format!("{other} is not a plain name"))),
    }
}

pub(super) fn token_hash(bytes: &[u8]) -> Result<TokenHash> {
    bytes
        .try_into()
        .map(TokenHash)
        .map_err(|_| Error::storage("a stored token hash is not 32 bytes"))
}

pub(super) fn role_names(roles: Roles) -> Result<Vec<String>> {
    roles.iter().map(|r| name_of(&r)).collect()
}

pub(super) fn workspace(row: &Row) -> Result<Workspace> {
    Ok(Workspace {
        id: WorkspaceId::from_uuid(get(row, "id")?),
        name: stored::<WorkspaceName>(row, "name")?,
        slug: get(row, "slug")?,
        created_at: get(row, "created_at")?,
    })
}

/// A user from the columns of `USER_COLUMNS` (teams aggregated as an array).
pub(super) fn user(row: &Row) -> Result<User> {
    let roles: Vec<String> = get(row, "roles")?;
    let roles = roles
        .iter()
        .map(|r| from_name::<Role>(r))
        .collect::<Result<Vec<_>>>()?;
    let status: String = get(row, "status")?;
    let teams: Vec<Uuid> = get(row, "teams")?;
    let optional_user = |column| -> Result<Option<UserId>> {
        Ok(get::<Option<Uuid>>(row, column)?.map(UserId::from_uuid))
    };
    Ok(User {
        id: UserId::from_uuid(get(row, "id")?),
        workspace: WorkspaceId::from_uuid(get(row, "workspace")?),
        email: stored::<Email>(row, "email")?,
        full_name: stored::<PersonName>(row, "full_name")?,
        display_name: stored::<PersonName>(row, "display_name")?,
        roles: Roles::new(roles)?,
        teams: teams.into_iter().map(TeamId::from_uuid).collect(),
        status: from_name::<UserStatus>(&status)?,
        beta: get(row, "beta")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        invited_by: optional_user("invited_by")?,
        last_login_at: get(row, "last_login_at")?,
        deactivated_at: get(row, "deactivated_at")?,
        deactivated_by: optional_user("deactivated_by")?,
        version: u64::try_from(get::<i64>(row, "version")?).map_err(Error::storage)?,
        session_epoch: u32::try_from(get::<i64>(row, "session_epoch")?).map_err(Error::storage)?,
    })
}

pub(super) fn team(row: &Row) -> Result<Team> {
    Ok(Team {
        id: TeamId::from_uuid(get(row, "id")?),
        workspace: WorkspaceId::from_uuid(get(row, "workspace")?),
        name: stored::<TeamName>(row, "name")?,
        member_count: u64::try_from(get::<i64>(row, "member_count")?).map_err(Error::storage)?,
        created_at: get(row, "created_at")?,
    })
}

pub(super) fn invite(row: &Row) -> Result<Invite> {
    Ok(Invite {
        user_id: UserId::from_uuid(get(row, "user_id")?),
        workspace: WorkspaceId::from_uuid(get(row, "workspace")?),
        sent_by: UserId::from_uuid(get(row, "sent_by")?),
        sent_at: get(row, "sent_at")?,
        expires_at: get(row, "expires_at")?,
        times_sent: u32::try_from(get::<i32>(row, "times_sent")?).map_err(Error::storage)?,
        send_requested: get(row, "send_requested")?,
        email_sent: get(row, "email_sent")?,
        token_hash: token_hash(get::<&[u8]>(row, "token_hash")?)?,
        accepted_at: get(row, "accepted_at")?,
    })
}

pub(super) fn session(row: &Row) -> Result<Session> {
    Ok(Session {
        workspace: WorkspaceId::from_uuid(get(row, "workspace")?),
        user: UserId::from_uuid(get(row, "user_id")?),
        epoch: u32::try_from(get::<i64>(row, "epoch")?).map_err(Error::storage)?,
        created_at: get(row, "created_at")?,
        expires_at: get(row, "expires_at")?,
    })
}

pub(super) fn audit_event(row: &Row) -> Result<AuditEvent> {
    let kind: String = get(row, "target_kind")?;
    let target_id: Option<Uuid> = get(row, "target_id")?;
    let target = match (kind.as_str(), target_id) {
        ("workspace", _) => AuditTarget::Workspace,
        ("user", Some(id)) => AuditTarget::User(UserId::from_uuid(id)),
        ("team", Some(id)) => AuditTarget::Team(TeamId::from_uuid(id)),
        _ => {
            return Err(Error::storage(format!(
                "an audit event's target {kind:?} has no id"
            )));
        }
    };
    let action: String = get(row, "action")?;
    Ok(AuditEvent {
        id: EventId::from_uuid(get(row, "id")?),
        workspace: WorkspaceId::from_uuid(get(row, "workspace")?),
        at: get(row, "at")?,
        actor: get::<Option<Uuid>>(row, "actor")?.map(UserId::from_uuid),
        actor_label: get(row, "actor_label")?,
        action: from_name(&action)?,
        target,
        target_label: get(row, "target_label")?,
        detail: get(row, "detail")?,
    })
}

/// An audit target as its two columns.
pub(super) fn target_columns(target: AuditTarget) -> (&'static str, Option<Uuid>) {
    match target {
        AuditTarget::Workspace => ("workspace", None),
        AuditTarget::User(id) => ("user", Some(*id.as_uuid())),
        AuditTarget::Team(id) => ("team", Some(*id.as_uuid())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AuditAction;

    #[test]
    fn enums_are_stored_by_their_api_names() {
        assert_eq!(name_of(&UserStatus::Inactive).unwrap(), "inactive");
        assert_eq!(name_of(&AuditAction::UserDeleted).unwrap(), "user_deleted");
        assert_eq!(name_of(&Role::Supervisor).unwrap(), "supervisor");
        assert_eq!(
            from_name::<AuditAction>("invite_email_sent").unwrap(),
            AuditAction::InviteEmailSent
        );
        assert!(from_name::<UserStatus>("gone").is_err());
    }

    #[test]
    fn a_token_hash_must_be_32_bytes() {
        assert!(token_hash(&[0; 31]).is_err());
        assert_eq!(token_hash(&[7; 32]).unwrap(), TokenHash([7; 32]));
    }
}
