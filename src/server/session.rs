//! Signing in and out, and who am I: `POST /session`, `DELETE /session`, `GET /me`.

use super::AppState;
use super::auth::SignedInUser;
use super::error::ApiError;
use super::extract::ApiJson;
use super::rate_limit::Held;
use crate::Error;
use crate::api::{ErrorBody, Me, SignInRequest};
use crate::domain::Refusal;
use crate::service::SignedIn;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use std::net::SocketAddr;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in, sign_out))
        .routes(routes!(me))
}

/// Signs in; the token goes in `Authorization: Bearer …` on every later request.
#[utoipa::path(post, path = "/session", tag = "session",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in: the token, its expiry, the workspace and user", body = crate::api::schema::SignedInSchema),
        (status = 401, description = "Wrong workspace, email or password (the same answer for each)", body = ErrorBody),
        (status = 403, description = "The account is deactivated", body = ErrorBody),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = ErrorBody),
        (status = 503, description = "Too many sign-ins at once; see Retry-After", body = ErrorBody),
    ))]
async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Json<SignedIn>, ApiError> {
    let ip = state.trusted_proxies.client_ip(addr.ip(), &headers);
    let attempt = match state.limiter.begin(&req.workspace, &req.email, ip).await {
        Ok(attempt) => attempt,
        Err(Held::TooManyFailures { retry_after_secs }) => {
            tracing::warn!(client = %ip, "sign-in refused: too many failures");
            return Err(ApiError::RateLimited { retry_after_secs });
        }
        Err(Held::Busy) => {
            return Err(ApiError::Busy {
                retry_after_secs: 1,
            });
        }
        Err(Held::Store(e)) => return Err(e.into()),
    };
    // Dropping the attempt on this early return counts it as no failure.
    let _hashing = state.hashing_permit().await?;
    match state
        .core
        .login(&req.workspace, &req.email, &req.password)
        .await
    {
        Ok(signed_in) => {
            attempt.not_a_failure(true).await;
            tracing::info!(user = %signed_in.user.id, workspace = %signed_in.workspace.slug, "signed in");
            Ok(Json(signed_in))
        }
        // Only a wrong email or password counts as a failure.
        Err(e @ Error::Refused(Refusal::InvalidCredentials)) => {
            attempt.failed().await;
            tracing::info!(client = %ip, "sign-in failed");
            Err(e.into())
        }
        Err(e) => {
            attempt.not_a_failure(false).await;
            Err(e.into())
        }
    }
}

/// Signs out: the token stops working.
#[utoipa::path(delete, path = "/session", tag = "session",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No valid session", body = ErrorBody),
    ))]
async fn sign_out(
    State(state): State<AppState>,
    user: SignedInUser,
) -> Result<StatusCode, ApiError> {
    state.core.logout(&user.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user (any role).
#[utoipa::path(get, path = "/me", tag = "session",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user and their workspace", body = Me),
        (status = 401, description = "No valid session", body = ErrorBody),
    ))]
async fn me(user: SignedInUser) -> Json<Me> {
    Json(Me {
        user: user.who.user,
        workspace: user.who.workspace,
    })
}
