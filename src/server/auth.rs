//! Who is asking: the bearer token of `Authorization: Bearer …`, checked against the store on
//! every request (so deactivation, deletion and sign-out take effect at once).

use super::AppState;
use super::error::ApiError;
use crate::Error;
use crate::domain::Refusal;
use crate::domain::rules;
use crate::service::{Authenticated, LocalAdmin};
use crate::store::AnyStore;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// A request with a valid session.
pub struct SignedInUser {
    pub who: Authenticated,
    /// The bearer token itself, for signing out; never logged.
    pub token: String,
}

impl SignedInUser {
    /// Acts as this user through the core, which checks each call's permissions.
    pub fn admin(&self, state: &AppState) -> LocalAdmin<AnyStore> {
        state.core.admin(self.who.workspace.id, self.who.user.id)
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

impl FromRequestParts<AppState> for SignedInUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)
            .ok_or(Error::Refused(Refusal::Unauthenticated))?
            .to_string();
        let who = state.core.authenticate(&token).await?;
        Ok(SignedInUser { who, token })
    }
}

/// A signed-in Owner or Admin acting through the core's `AdminApi`, for the admin endpoints.
/// Whether they may manage at all is asked of the core before the request is read further, so
/// a Supervisor or Agent gets 403 whatever else is wrong with the request; the core still
/// checks every call's own permissions inside its transaction.
pub struct Acting(pub LocalAdmin<AnyStore>);

impl FromRequestParts<AppState> for Acting {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = SignedInUser::from_request_parts(parts, state).await?;
        // The core's rule, on the user the session check has just read (no second read).
        rules::require_manager(&user.who.user)?;
        Ok(Acting(user.admin(state)))
    }
}
