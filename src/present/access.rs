//! The one-line answer to "can this user sign in, and if not, why", worded the same by the
//! console and the CLI; each front end says in its own words how to fix it.

use crate::domain::UserId;
use crate::text::safe;

/// How a front end says to fix a user's access: the console names keys, the CLI commands.
pub struct AccessHints {
    pub resend: &'static str,
    pub reactivate: &'static str,
}

/// The one-line answer, with a front end's own hints.
pub fn access_line_hinted(
    access: &crate::domain::rules::Access,
    now: time::OffsetDateTime,
    who: impl Fn(UserId) -> Option<String>,
    hints: &AccessHints,
) -> String {
    use super::time::{ago, day_month, until};
    use crate::domain::rules::Access;
    match access {
        Access::CanSignIn => "yes — active, with a password".into(),
        Access::NoPassword => {
            "no — active but has no password yet; an admin can resend an invite".into()
        }
        Access::InvitePending { expires_at } => format!(
            "not yet — invite pending, expires {}; {}",
            until(*expires_at, now),
            hints.resend
        ),
        Access::InviteExpired { expired_at } => format!(
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
