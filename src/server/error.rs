//! Errors → HTTP: one `ApiError`, one JSON shape, one place that decides each status.
//! A client's mistake is always a 4xx; only the store failing (or a bug) is a 5xx, and its
//! details go to the log, not to the client.

use crate::Error;
use crate::api::{ErrorBody, ErrorDetail};
use crate::domain::ErrorClass;
use crate::domain::Refusal;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// What a client is told while the store is unavailable (details go to the log).
pub const STORAGE_UNAVAILABLE: &str = "the server can't reach its storage right now (a full disk or an unreachable database); the request was not completed: try again shortly, and tell the operator if it persists";

/// The Retry-After of a 503 `storage_unavailable`.
pub const STORAGE_RETRY_AFTER_SECS: u64 = 5;

#[derive(Debug)]
pub enum ApiError {
    /// The core refused; the status follows from the variant.
    Core(Error),
    /// The HTTP layer refused (bad JSON, missing header, too many attempts, …).
    Http {
        status: StatusCode,
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    /// Too many failed sign-ins: 429 with Retry-After.
    RateLimited { retry_after_secs: u64 },
    /// The server is at capacity for this kind of work (password hashing): 503 with
    /// Retry-After. Nothing was changed.
    Busy { retry_after_secs: u64 },
    /// A backup's local copy held writes back for longer than a write waits before it starts:
    /// 503 with Retry-After. Nothing was started, so nothing was changed.
    WritesHeld {
        since: Option<time::OffsetDateTime>,
        retry_after_secs: u64,
    },
}

impl From<crate::domain::Refusal> for ApiError {
    fn from(e: crate::domain::Refusal) -> Self {
        ApiError::Core(e.into())
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Core(e)
    }
}

impl ApiError {
    pub fn http(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Http {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>, field: &str) -> Self {
        ApiError::Http {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            field: Some(field.to_string()),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Core(e) => core_status(e),
            ApiError::Http { status, .. } => *status,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy { .. } | ApiError::WritesHeld { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// The status of each core error, by its class.
pub fn core_status(e: &Error) -> StatusCode {
    class_status(e.class())
}

/// The status of each kind of failure. Only the store and the product itself answer 5xx; the
/// connected-mode classes never come from a server, so one reaching here is a bug.
pub fn class_status(class: ErrorClass) -> StatusCode {
    match class {
        ErrorClass::Invalid => StatusCode::BAD_REQUEST,
        ErrorClass::Refused | ErrorClass::Contention => StatusCode::CONFLICT,
        ErrorClass::Forbidden => StatusCode::FORBIDDEN,
        ErrorClass::NotFound => StatusCode::NOT_FOUND,
        ErrorClass::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorClass::Expired => StatusCode::GONE,
        ErrorClass::Stale => StatusCode::PRECONDITION_FAILED,
        ErrorClass::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorClass::Store | ErrorClass::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorClass::ServerRefused | ErrorClass::Connection | ErrorClass::OutcomeUnknown => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

fn field_name(e: &Error) -> Option<String> {
    e.field().map(|f| {
        serde_json::to_value(f)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| f.label().to_string())
    })
}

fn body(status: StatusCode, detail: ErrorDetail) -> Response {
    (status, axum::Json(ErrorBody { error: detail })).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            ApiError::Core(e) if e.class() == ErrorClass::Unavailable => {
                // Where the store is and what failed help the operator, not the client.
                tracing::error!(error = %e, "the store is unavailable");
                let mut response = body(
                    status,
                    ErrorDetail {
                        code: e.code().into(),
                        message: STORAGE_UNAVAILABLE.into(),
                        field: None,
                        core: None,
                    },
                );
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(STORAGE_RETRY_AFTER_SECS),
                );
                response
            }
            ApiError::Core(e) if status.is_server_error() => {
                // Store and internal details help the operator, not the client.
                tracing::error!(code = e.code(), error = %e, "request failed inside the server");
                body(
                    status,
                    ErrorDetail {
                        code: "internal".into(),
                        message: "the server could not complete the request; try again, and tell the operator if it persists".into(),
                        field: None,
                        core: None,
                    },
                )
            }
            ApiError::Core(e) => {
                let mut response = body(
                    status,
                    ErrorDetail {
                        code: e.code().into(),
                        message: e.to_string(),
                        field: field_name(&e),
                        core: Some(e.clone()),
                    },
                );
                match &e {
                    Error::Refused(Refusal::Unauthenticated)
                    | Error::Refused(Refusal::InvalidCredentials) => {
                        response
                            .headers_mut()
                            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                    }
                    Error::Refused(Refusal::Conflict { current, .. }) => {
                        if let Ok(v) = HeaderValue::from_str(&format!("\"{current}\"")) {
                            response.headers_mut().insert(header::ETAG, v);
                        }
                    }
                    _ => {}
                }
                response
            }
            ApiError::Http {
                code,
                message,
                field,
                ..
            } => body(
                status,
                ErrorDetail {
                    code: code.into(),
                    message,
                    field,
                    core: None,
                },
            ),
            ApiError::RateLimited { retry_after_secs } => {
                let mut response = body(
                    status,
                    ErrorDetail {
                        code: "rate_limited".into(),
                        message: format!(
                            "too many failed sign-ins; wait {} before trying again",
                            human_duration(retry_after_secs)
                        ),
                        field: None,
                        core: None,
                    },
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                response
            }
            ApiError::Busy { retry_after_secs } => {
                let mut response = body(
                    status,
                    ErrorDetail {
                        code: "busy".into(),
                        message: format!(
                            "the server is busy checking other passwords; nothing was changed, try again in {}",
                            human_duration(retry_after_secs)
                        ),
                        field: None,
                        core: None,
                    },
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                response
            }
            ApiError::WritesHeld {
                since,
                retry_after_secs,
            } => {
                let since = since
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .map_or_else(String::new, |t| format!(" (since {t})"));
                let mut response = body(
                    status,
                    ErrorDetail {
                        code: WRITES_HELD.into(),
                        message: format!(
                            "a backup is copying the store and holds changes back{since}; nothing was changed, try again in {}",
                            human_duration(retry_after_secs)
                        ),
                        field: None,
                        core: None,
                    },
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                response
            }
        }
    }
}

/// The code of a 503 that started nothing: a backup held writes back.
pub const WRITES_HELD: &str = "writes_held";

fn human_duration(secs: u64) -> String {
    if secs < 60 {
        format!("{secs} seconds")
    } else {
        format!("{} minutes", secs.div_ceil(60))
    }
}

/// Requests to a path the server does not serve.
pub async fn no_route() -> ApiError {
    ApiError::http(
        StatusCode::NOT_FOUND,
        "no_route",
        "there is no such address; see /api/v1/openapi.json for the API",
    )
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::http(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this address does not accept that method; see /api/v1/openapi.json",
    )
}

/// A handler panicked: a bug. Answer 500 without details; the panic itself is logged.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::http(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the server hit an unexpected problem; tell the operator",
    )
    .into_response()
}

/// Gives the bare-text answers of the body-limit and timeout layers the JSON error shape.
pub async fn json_for_bare_errors(response: Response) -> Response {
    let is_json_or_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if is_json_or_html {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::http(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is over the 1 MiB limit; send less at once",
        )
        .into_response(),
        StatusCode::REQUEST_TIMEOUT => ApiError::http(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "the request took too long; try again",
        )
        .into_response(),
        _ => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_class_has_its_status_and_only_failures_inside_are_5xx() {
        for class in ErrorClass::ALL {
            let status = class_status(class);
            let inside = matches!(
                class,
                ErrorClass::Unavailable
                    | ErrorClass::Store
                    | ErrorClass::Internal
                    // Connected mode's own: a server never refuses with them.
                    | ErrorClass::ServerRefused
                    | ErrorClass::Connection
                    | ErrorClass::OutcomeUnknown
            );
            assert_eq!(status.is_server_error(), inside, "{class:?} → {status}");
        }
        let expected = [
            (ErrorClass::Invalid, 400),
            (ErrorClass::Refused, 409),
            (ErrorClass::Forbidden, 403),
            (ErrorClass::NotFound, 404),
            (ErrorClass::Unauthenticated, 401),
            (ErrorClass::Expired, 410),
            (ErrorClass::Stale, 412),
            (ErrorClass::Contention, 409),
            (ErrorClass::Unavailable, 503),
            (ErrorClass::Store, 500),
            (ErrorClass::Internal, 500),
        ];
        for (class, status) in expected {
            assert_eq!(class_status(class).as_u16(), status, "{class:?}");
        }
    }

    #[test]
    fn an_internal_failure_is_a_500_that_hides_its_detail() {
        let response = ApiError::Core(Error::internal("argon2 exploded")).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn contention_is_a_409_with_its_message() {
        let response = ApiError::Core(Error::contention("the team's members")).into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
    }
}
