//! Invites: listing, creating (and emailing), resending, cancelling, and accepting over JSON.
//! The email goes out after the invite is committed, never inside a store transaction; whether
//! it went out is then recorded on the invite.

use super::AppState;
use super::auth::Acting;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use super::mail::InviteEmail;
use crate::api::{
    AcceptInviteRequest, BulkResults, EmailStatus, ErrorBody, InviteIssuedResponse, InvitePreview,
    PendingInvite, invite_link,
};
use crate::domain::{User, UserId};
use crate::service::{AdminApi, InviteIssued, LocalAdmin, NewInvite};
use crate::store::AnyStore;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_invites, create_invite))
        .routes(routes!(resend_invite))
        .routes(routes!(cancel_invite))
        .routes(routes!(preview_invites))
        .routes(routes!(accept_invite))
}

/// Pending invites with their users.
#[utoipa::path(get, path = "/invites", tag = "invites",
    security(("bearer" = [])),
    responses((status = 200, description = "Pending invites", body = Vec<PendingInvite>),
              (status = 403, description = "Only Owners and Admins", body = ErrorBody)))]
async fn list_invites(Acting(api): Acting) -> Result<Json<Vec<PendingInvite>>, ApiError> {
    let invites = api.list_invites().await?;
    Ok(Json(
        invites
            .into_iter()
            .map(|(user, invite)| PendingInvite { user, invite })
            .collect(),
    ))
}

/// Invites a user; emails them the link when `send_invite` is true (the default). The response
/// holds the link either way.
#[utoipa::path(post, path = "/invites", tag = "invites",
    security(("bearer" = [])),
    request_body = crate::api::schema::NewInviteSchema,
    responses(
        (status = 201, description = "Invited; the link, and whether the email went out", body = InviteIssuedResponse),
        (status = 400, description = "A field is not valid (the error names it)", body = ErrorBody),
        (status = 403, description = "Only Owners and Admins invite; only Owners invite Owners", body = ErrorBody),
        (status = 409, description = "The email already belongs to a user or invite", body = ErrorBody),
    ))]
async fn create_invite(
    State(state): State<AppState>,
    Acting(api): Acting,
    ApiJson(new): ApiJson<NewInvite>,
) -> Result<(StatusCode, Json<InviteIssuedResponse>), ApiError> {
    let issued = api.invite(new).await?;
    Ok((
        StatusCode::CREATED,
        Json(deliver(&state, &api, issued).await),
    ))
}

/// Issues a new link (the old one stops working) and emails it if the invite asked for email.
#[utoipa::path(post, path = "/invites/{id}/resend", tag = "invites",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The invited user's id")),
    responses(
        (status = 200, description = "A new link, and whether the email went out", body = InviteIssuedResponse),
        (status = 403, description = "Not allowed (an Owner's invite by a non-Owner)", body = ErrorBody),
        (status = 404, description = "No such invite in this workspace", body = ErrorBody),
        (status = 409, description = "The user is no longer invited", body = ErrorBody),
    ))]
async fn resend_invite(
    State(state): State<AppState>,
    Acting(api): Acting,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<InviteIssuedResponse>, ApiError> {
    let issued = api.resend_invite(id).await?;
    Ok(Json(deliver(&state, &api, issued).await))
}

/// Cancels an invite; the never-activated user is removed.
#[utoipa::path(delete, path = "/invites/{id}", tag = "invites",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The invited user's id")),
    responses(
        (status = 204, description = "Cancelled"),
        (status = 404, description = "No such invite in this workspace", body = ErrorBody),
        (status = 409, description = "The user is no longer invited", body = ErrorBody),
    ))]
async fn cancel_invite(
    Acting(api): Acting,
    ApiPath(id): ApiPath<UserId>,
) -> Result<StatusCode, ApiError> {
    api.cancel_invite(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What resending or cancelling each invite would do, changing nothing: a dry run.
#[utoipa::path(post, path = "/invites/preview", tag = "invites",
    security(("bearer" = [])),
    request_body = InvitePreview,
    responses((status = 200, description = "A result per id: done where allowed, else the refusal", body = BulkResults),
              (status = 403, description = "Only Owners and Admins", body = ErrorBody)))]
async fn preview_invites(
    Acting(api): Acting,
    ApiJson(req): ApiJson<InvitePreview>,
) -> Result<Json<BulkResults>, ApiError> {
    let results = api.preview_invites(req.action, req.ids).await?;
    Ok(Json(BulkResults { results }))
}

/// Accepts an invite with a new password (the accept page does the same from a form).
#[utoipa::path(post, path = "/invites/accept", tag = "invites",
    request_body = AcceptInviteRequest,
    responses(
        (status = 200, description = "The user, now active: sign in with the password", body = crate::api::schema::UserSchema),
        (status = 400, description = "The link is not valid (used, replaced or cancelled), or the password is refused", body = ErrorBody),
        (status = 410, description = "The link has expired", body = ErrorBody),
        (status = 503, description = "Too many passwords being checked at once; see Retry-After", body = ErrorBody),
    ))]
async fn accept_invite(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<AcceptInviteRequest>,
) -> Result<Json<User>, ApiError> {
    let _hashing = state.hashing_permit().await?;
    let user = state.core.accept_invite(&req.token, &req.password).await?;
    tracing::info!(user = %user.id, "invite accepted");
    Ok(Json(user))
}

/// Sends the invite email if one was asked for, records the result, and builds the response.
async fn deliver(
    state: &AppState,
    api: &LocalAdmin<AnyStore>,
    issued: InviteIssued,
) -> InviteIssuedResponse {
    let link = invite_link(&state.public_url, &issued.token);
    let mut invite = issued.invite;
    let (email, email_error) = if invite.send_requested {
        match send(state, api, &issued.user, &invite, &link).await {
            Ok(()) => (EmailStatus::Sent, None),
            Err(reason) => (EmailStatus::Failed, Some(reason)),
        }
    } else {
        (EmailStatus::NotRequested, None)
    };
    if invite.send_requested {
        let sent = email == EmailStatus::Sent;
        invite.email_sent = sent;
        if let Err(e) = state.core.record_invite_email(&issued.token, sent).await {
            tracing::error!(error = %e, user = %issued.user.id, "could not record the invite email's result");
        }
    }
    InviteIssuedResponse {
        user: issued.user,
        invite,
        link,
        email,
        email_error,
    }
}

async fn send(
    state: &AppState,
    api: &LocalAdmin<AnyStore>,
    user: &User,
    invite: &crate::domain::Invite,
    link: &str,
) -> Result<(), String> {
    let workspace = api.workspace().await.map_err(|e| e.to_string())?;
    let inviter = api.me().await.map_err(|e| e.to_string())?;
    let email = InviteEmail {
        to: user.email.as_str(),
        to_name: user.display_name.as_str(),
        workspace: workspace.name.as_str(),
        workspace_slug: &workspace.slug,
        inviter: inviter.display_name.as_str(),
        link,
        expires_at: invite.expires_at,
    };
    match state.mailer.send(&email).await {
        Ok(()) => {
            tracing::info!(user = %user.id, "invite email sent");
            Ok(())
        }
        Err(e) => {
            tracing::warn!(user = %user.id, error = %e, "invite email failed");
            Err(format!(
                "the invite email could not be sent ({e}); give the person the link another way, or resend later"
            ))
        }
    }
}
