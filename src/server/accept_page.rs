//! The page where an invitee sets a password: `GET /accept?token=…` shows a plain HTML form,
//! `POST /accept` (application/x-www-form-urlencoded) accepts the invite. Works without
//! JavaScript. Opening the page never uses the token up (mail scanners open links); only
//! submitting a password does. Sent with `Referrer-Policy: no-referrer` so the token in the
//! address never leaks to another site.

use super::AppState;
use super::error::ApiError;
use super::html::{escape, fill};
use crate::Error;
use crate::domain::Refusal;
use crate::domain::{Invite, User, Workspace};
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const LAYOUT: &str = include_str!("../../assets/accept/layout.html");
const FORM: &str = include_str!("../../assets/accept/form.html");
const FORM_ERROR: &str = include_str!("../../assets/accept/error.html");
const SUCCESS: &str = include_str!("../../assets/accept/success.html");
const EXPIRED: &str = include_str!("../../assets/accept/expired.html");
const INVALID: &str = include_str!("../../assets/accept/invalid.html");

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show_form, submit_form))
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Deserialize)]
struct AcceptForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// Shows who the invite is for and a form to set a password; never uses the token up.
#[utoipa::path(get, path = "/accept", tag = "accept page",
    params(("token" = String, Query, description = "The invite token from the emailed link")),
    responses(
        (status = 200, description = "The form", content_type = "text/html"),
        (status = 404, description = "The link was used, replaced, cancelled or never existed", content_type = "text/html"),
        (status = 410, description = "The link has expired", content_type = "text/html"),
    ))]
async fn show_form(
    State(state): State<AppState>,
    query: Result<Query<TokenQuery>, QueryRejection>,
) -> Response {
    let token = query.map(|Query(q)| q.token).unwrap_or_default();
    match state.core.check_invite_token(&token).await {
        Ok((ws, user, invite)) => form_page(StatusCode::OK, &token, &ws, &user, &invite, None),
        Err(e) => refusal_page(&e),
    }
}

/// Sets the password and activates the user, then shows the success page.
#[utoipa::path(post, path = "/accept", tag = "accept page",
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
                 description = "token, password, confirm"),
    responses(
        (status = 200, description = "The password is set", content_type = "text/html"),
        (status = 400, description = "The password was refused; the form again, saying why", content_type = "text/html"),
        (status = 404, description = "The link was used, replaced, cancelled or never existed", content_type = "text/html"),
        (status = 410, description = "The link has expired", content_type = "text/html"),
    ))]
async fn submit_form(
    State(state): State<AppState>,
    form: Result<Form<AcceptForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(rejection) if rejection.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            return ApiError::http(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the form as application/x-www-form-urlencoded",
            )
            .into_response();
        }
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return ApiError::http(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the form is over the 1 MiB limit",
            )
            .into_response();
        }
        // A form that does not parse has no usable token: the "link not valid" page.
        Err(_) => Form(AcceptForm {
            token: String::new(),
            password: String::new(),
            confirm: String::new(),
        }),
    };
    // The link's own state first: a new password can't fix an expired link.
    let (ws, user, invite) = match state.core.check_invite_token(&form.token).await {
        Ok(found) => found,
        Err(e) => return refusal_page(&e),
    };
    if form.password != form.confirm {
        return form_page(
            StatusCode::BAD_REQUEST,
            &form.token,
            &ws,
            &user,
            &invite,
            Some("The two passwords are not the same; type the same password twice."),
        );
    }
    let _hashing = match state.hashing_permit().await {
        Ok(permit) => permit,
        Err(busy) => return busy.into_response(),
    };
    match state.core.accept_invite(&form.token, &form.password).await {
        Ok(user) => {
            tracing::info!(user = %user.id, "invite accepted on the accept page");
            let content = fill(
                SUCCESS,
                &[
                    ("workspace", ws.name.to_string()),
                    ("slug", ws.slug.clone()),
                    ("email", user.email.to_string()),
                ],
                escape,
            );
            page(StatusCode::OK, "Your password is set", &content)
        }
        Err(e @ Error::Refused(Refusal::Invalid { .. })) => {
            let message = format!("{}.", capitalize(&e.to_string()));
            form_page(
                StatusCode::BAD_REQUEST,
                &form.token,
                &ws,
                &user,
                &invite,
                Some(&message),
            )
        }
        Err(e) => refusal_page(&e),
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn form_page(
    status: StatusCode,
    token: &str,
    ws: &Workspace,
    user: &User,
    invite: &Invite,
    error: Option<&str>,
) -> Response {
    let error_html = error
        .map(|m| fill(FORM_ERROR, &[("message", m.to_string())], escape))
        .unwrap_or_default();
    // One pass, values escaped here and the error block already escaped HTML, so no value can
    // smuggle in a `{{…}}` that a second pass would expand.
    let content = fill(
        FORM,
        &[
            ("workspace", escape(ws.name.as_str())),
            ("slug", escape(&ws.slug)),
            ("email", escape(user.email.as_str())),
            ("token", escape(token.trim())),
            (
                "expires",
                escape(&super::mail::format_expiry(invite.expires_at)),
            ),
            ("error", error_html),
        ],
        |s| s.to_string(),
    );
    page(status, &format!("Join {}", ws.name), &content)
}

fn refusal_page(e: &Error) -> Response {
    match e {
        Error::Refused(Refusal::InviteExpired) => page(StatusCode::GONE, "Link expired", EXPIRED),
        Error::Refused(Refusal::InviteInvalid) | Error::Refused(Refusal::Invalid { .. }) => {
            page(StatusCode::NOT_FOUND, "Link not valid", INVALID)
        }
        other => {
            tracing::error!(error = %other, "the accept page failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "<h1>Something went wrong</h1><p>The server could not check your link. Try again in a minute; if it keeps failing, tell the admin who invited you.</p>",
            )
        }
    }
}

/// A whole page, with headers that keep the token in the address private.
fn page(status: StatusCode, title: &str, content: &str) -> Response {
    let body = fill(
        LAYOUT,
        &[("title", escape(title)), ("content", content.to_string())],
        |s| s.to_string(),
    );
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}
