//! The one-line answer to "can this user sign in, and if not, why", worded the same by the
//! console and the CLI; each front end says in its own words how to fix it.

use crate::domain::UserId;
use crate::text::safe;

/// How a front end says to fix a user's access: the console names keys, the CLI commands.
pub struct AccessHints<'a> {
    pub resend: &'a str,
    pub reactivate: &'a str,
}

/// The one-line answer, with a front end's own hints.
pub fn access_line_hinted(
    access: &crate::domain::rules::Access,
    now: time::OffsetDateTime,
    who: impl Fn(UserId) -> Option<String>,
    hints: &AccessHints<'_>,
) -> String {
    use super::time::{ago, day_month, until};
    use crate::domain::rules::Access;
    match access {
        Access::CanSignIn => "yes — active, with a password".into(),
        Access::NoPassword => {
            "no — active but has no password yet; an admin can resend an invite".into()
        }
        // The core looked a moment ago: an invite that has expired since reads as expired,
        // never "expires expired 2m ago".
        Access::InvitePending { expires_at } if *expires_at > now => format!(
            "not yet — invite pending, expires {}; {}",
            until(*expires_at, now),
            hints.resend
        ),
        Access::InvitePending {
            expires_at: expired_at,
        }
        | Access::InviteExpired { expired_at } => format!(
            "no — invite expired {}; {}",
            ago(*expired_at, now),
            hints.resend
        ),
        Access::Deactivated { at, by } => {
            let by = by
                .and_then(&who)
                .map(|e| format!(" by {}", safe(&e)))
                .unwrap_or_default();
            let when = at
                .map(|t| format!(" on {}", day_month(t)))
                .unwrap_or_default();
            format!("no — deactivated{by}{when}; {}", hints.reactivate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::Access;
    use time::Duration;
    use time::macros::datetime;

    const HINTS: AccessHints<'static> = AccessHints {
        resend: "R resends it",
        reactivate: "r reactivates",
    };

    #[test]
    fn an_invite_is_either_pending_or_expired_never_both() {
        let now = datetime!(2026-11-28 12:00 UTC);
        let line = |access| access_line_hinted(&access, now, |_| None, &HINTS);
        let pending = line(Access::InvitePending {
            expires_at: now + Duration::days(4),
        });
        assert_eq!(
            pending,
            "not yet — invite pending, expires in 4d; R resends it"
        );
        let expired = line(Access::InviteExpired {
            expired_at: now - Duration::hours(18),
        });
        assert_eq!(expired, "no — invite expired 18h ago; R resends it");
        // the core found it pending; by the time it is shown, it has expired
        let since = line(Access::InvitePending {
            expires_at: now - Duration::hours(18),
        });
        assert_eq!(since, expired);
        assert!(!since.contains("expires expired"));
    }
}
