//! The audit trail: every change writes one event.

use super::error::{Field, Refusal};
use super::{EventId, TeamId, UserId, WorkspaceId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    WorkspaceCreated,
    UserInvited,
    InviteResent,
    InviteCancelled,
    InviteAccepted,
    InviteEmailSent,
    SignedIn,
    ProfileChanged,
    RolesChanged,
    TeamsChanged,
    BetaChanged,
    UserDeactivated,
    UserReactivated,
    UserDeleted,
    TeamCreated,
    TeamRenamed,
    TeamDeleted,
}

impl AuditAction {
    pub const ALL: [AuditAction; 17] = [
        AuditAction::WorkspaceCreated,
        AuditAction::UserInvited,
        AuditAction::InviteResent,
        AuditAction::InviteCancelled,
        AuditAction::InviteAccepted,
        AuditAction::InviteEmailSent,
        AuditAction::SignedIn,
        AuditAction::ProfileChanged,
        AuditAction::RolesChanged,
        AuditAction::TeamsChanged,
        AuditAction::BetaChanged,
        AuditAction::UserDeactivated,
        AuditAction::UserReactivated,
        AuditAction::UserDeleted,
        AuditAction::TeamCreated,
        AuditAction::TeamRenamed,
        AuditAction::TeamDeleted,
    ];

    /// An action as a person or a script writes it: its label (`deactivated`, `roles changed`)
    /// or its wire name (`user_deactivated`), in any case, with `-` or `_` for spaces.
    pub fn parse(written: &str) -> Result<AuditAction, Refusal> {
        let norm = |t: &str| t.trim().to_lowercase().replace(['-', '_'], " ");
        let wanted = norm(written);
        AuditAction::ALL
            .into_iter()
            .find(|a| {
                norm(a.label()) == wanted
                    || serde_json::to_value(a)
                        .ok()
                        .and_then(|v| v.as_str().map(norm))
                        .is_some_and(|n| n == wanted)
            })
            .ok_or_else(|| {
                Refusal::invalid(
                    Field::Filter,
                    format!(
                        "no action \"{}\": the actions are {}",
                        written.trim(),
                        AuditAction::ALL
                            .iter()
                            .map(|a| a.label())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::WorkspaceCreated => "workspace created",
            AuditAction::UserInvited => "invited",
            AuditAction::InviteResent => "invite resent",
            AuditAction::InviteCancelled => "invite cancelled",
            AuditAction::InviteAccepted => "invite accepted",
            AuditAction::InviteEmailSent => "invite email",
            AuditAction::SignedIn => "signed in",
            AuditAction::ProfileChanged => "profile changed",
            AuditAction::RolesChanged => "roles changed",
            AuditAction::TeamsChanged => "teams changed",
            AuditAction::BetaChanged => "beta access changed",
            AuditAction::UserDeactivated => "deactivated",
            AuditAction::UserReactivated => "reactivated",
            AuditAction::UserDeleted => "user deleted",
            AuditAction::TeamCreated => "team created",
            AuditAction::TeamRenamed => "team renamed",
            AuditAction::TeamDeleted => "team deleted",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AuditTarget {
    Workspace,
    User(UserId),
    Team(TeamId),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: EventId,
    pub workspace: WorkspaceId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who did it; `None` for the system (workspace creation from the server's command line).
    pub actor: Option<UserId>,
    /// The actor's email at the time, so the log reads well after renames.
    pub actor_label: String,
    pub action: AuditAction,
    pub target: AuditTarget,
    /// The target's email or team name at the time (empty for a deleted user).
    pub target_label: String,
    pub detail: String,
}

/// Which events of the activity log to show: about a user (as actor or target), of an action,
/// since a time. The one rule for `log --user --action --since` and the console log's `/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// An email, matched ignoring case against who did it and whom it was about.
    pub user: Option<String>,
    pub action: Option<AuditAction>,
    pub since: Option<OffsetDateTime>,
}

impl AuditFilter {
    pub fn is_empty(&self) -> bool {
        self.user.is_none() && self.action.is_none() && self.since.is_none()
    }

    pub fn matches(&self, e: &AuditEvent) -> bool {
        let user = |u: &String| {
            e.actor_label.eq_ignore_ascii_case(u.trim())
                || e.target_label.eq_ignore_ascii_case(u.trim())
        };
        self.user.as_ref().is_none_or(user)
            && self.action.is_none_or(|a| a == e.action)
            && self.since.is_none_or(|t| e.at >= t)
    }

    /// Whether no event older than `e` can match (the log is newest first: stop reading).
    pub fn is_past(&self, e: &AuditEvent) -> bool {
        self.since.is_some_and(|t| e.at < t)
    }

    /// The filter's terms in a line (`user:ann@acme.io action:deactivated since:7d`), and the
    /// words left over; an unknown action or a bad age is refused with what to write.
    pub fn parse_terms(
        text: &str,
        now: OffsetDateTime,
    ) -> Result<(AuditFilter, Vec<String>), Refusal> {
        let mut filter = AuditFilter::default();
        let mut words = Vec::new();
        for word in text.split_whitespace() {
            match word.split_once(':') {
                Some(("user", v)) if !v.is_empty() => filter.user = Some(v.to_string()),
                Some(("action", v)) if !v.is_empty() => {
                    filter.action = Some(AuditAction::parse(v)?)
                }
                Some(("since", v)) if !v.is_empty() => filter.since = Some(since(v, now)?),
                _ => words.push(word.to_string()),
            }
        }
        Ok((filter, words))
    }
}

/// `7d`, `12h`, `30m`, `2w` back from `now`, or a date (`2026-11-01`).
pub fn since(written: &str, now: OffsetDateTime) -> Result<OffsetDateTime, Refusal> {
    let w = written.trim();
    let bad = || {
        Refusal::invalid(
            Field::Filter,
            format!(
                "since \"{w}\": write an age like 7d, 12h, 30m or 2w, or a date like 2026-11-01"
            ),
        )
    };
    if let Ok(date) = time::Date::parse(w, &time::format_description::well_known::Iso8601::DATE) {
        return Ok(date.midnight().assume_utc());
    }
    let (number, unit) = w.split_at(w.len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| bad())?;
    let age = match unit {
        "m" => time::Duration::minutes(n),
        "h" => time::Duration::hours(n),
        "d" => time::Duration::days(n),
        "w" => time::Duration::weeks(n),
        _ => return Err(bad()),
    };
    if n < 0 {
        return Err(bad());
    }
    Ok(now - age)
}

impl AuditEvent {
    /// The users this event names, as actor or target: deleting one of them erases it.
    /// What a person reads in the log line, for filtering it.
    pub fn search_line(&self) -> String {
        format!(
            "{} {} {} {}",
            self.action.label(),
            self.target_label,
            self.actor_label,
            self.detail
        )
    }

    pub fn named_users(&self) -> impl Iterator<Item = UserId> {
        let target = match self.target {
            AuditTarget::User(id) => Some(id),
            _ => None,
        };
        self.actor.into_iter().chain(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_filter_reads_users_actions_and_ages() {
        let now = time::macros::datetime!(2026-12-04 12:00 UTC);
        let (f, rest) =
            AuditFilter::parse_terms("user:Ann@acme.io action:deactivated since:7d billing", now)
                .unwrap();
        assert_eq!(f.user.as_deref(), Some("Ann@acme.io"));
        assert_eq!(f.action, Some(AuditAction::UserDeactivated));
        assert_eq!(f.since, Some(now - time::Duration::days(7)));
        assert_eq!(rest, vec!["billing"]);
        assert_eq!(
            AuditAction::parse("user_deactivated"),
            Ok(AuditAction::UserDeactivated)
        );
        assert_eq!(
            AuditAction::parse("Roles-Changed"),
            Ok(AuditAction::RolesChanged)
        );
        let e = AuditAction::parse("vanished").unwrap_err();
        assert!(e.to_string().contains("the actions are"), "{e}");
        assert!(since("7x", now).is_err() && since("-3d", now).is_err());
        assert_eq!(
            since("2026-11-01", now).unwrap(),
            time::macros::datetime!(2026-11-01 0:00 UTC)
        );
    }
}
