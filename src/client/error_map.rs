//! Answers → the core's errors. The server sends the core's own error in `error.core`, so a
//! refusal reads the same online as offline; statuses only decide when there is none (an HTTP
//! layer refusal, a proxy in between, or something that is not atender-server at all).

use super::http::Reply;
use crate::api::ErrorBody;
use crate::client::ClientError;
use crate::domain::Refusal;
use crate::{Error, Result};

use reqwest::StatusCode;
use reqwest::header::{ETAG, LOCATION};
use serde::de::DeserializeOwned;

/// A gateway in front of the server could not reach it (502, 503, 504): worth retrying a read.
pub(crate) fn is_gateway_failure(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
    )
}

/// The body of a successful answer, or the error the answer carries.
pub(crate) fn decode<T: DeserializeOwned>(reply: Reply, server: &str, read: bool) -> Result<T> {
    if !reply.status.is_success() {
        return Err(refusal(reply, server, read));
    }
    serde_json::from_slice(&reply.body).map_err(|e| {
        Error::Client(ClientError::UnexpectedResponse {
            url: server.to_string(),
            detail: format!("HTTP {} with a body that does not parse: {e}", reply.status),
        })
    })
}

/// Success without a body (204), or the error the answer carries.
pub(crate) fn expect_no_content(reply: Reply, server: &str, read: bool) -> Result<()> {
    if reply.status.is_success() {
        Ok(())
    } else {
        Err(refusal(reply, server, read))
    }
}

/// The error an unsuccessful answer stands for.
pub(crate) fn refusal(reply: Reply, server: &str, read: bool) -> Error {
    let status = reply.status;
    let body: Option<ErrorBody> = serde_json::from_slice(&reply.body).ok();
    if let Some(core) = body.as_ref().and_then(|b| b.error.core.clone()) {
        return core;
    }
    // The server's own 503s that started nothing (hashing at capacity, a backup holding
    // writes back): refused, to be sent again, not of unknown outcome.
    if status == StatusCode::SERVICE_UNAVAILABLE
        && let Some(b) = body
            .as_ref()
            .filter(|b| matches!(b.error.code.as_str(), "busy" | "writes_held"))
    {
        return Error::Client(ClientError::ServerRefused {
            status: status.as_u16(),
            server_code: b.error.code.clone(),
            message: b.error.message.clone(),
        });
    }
    let url = server.to_string();
    match status {
        StatusCode::UNAUTHORIZED => Error::Refused(Refusal::Unauthenticated),
        StatusCode::PRECONDITION_FAILED => Error::Refused(Refusal::Conflict {
            what: "this user".into(),
            current: etag_version(&reply).unwrap_or(0),
        }),
        s if is_gateway_failure(s) || s == StatusCode::REQUEST_TIMEOUT => {
            let detail = format!("the server answered {s}");
            if read {
                Error::Client(ClientError::Unreachable { url, detail })
            } else {
                // The change may have been made before the server or a proxy gave up.
                Error::Client(ClientError::OutcomeUnknown { url, detail })
            }
        }
        // Redirects are not followed, so the Authorization header never goes anywhere else.
        s if s.is_redirection() => Error::Client(ClientError::UnexpectedResponse {
            url,
            detail: match reply.headers.get(LOCATION).and_then(|v| v.to_str().ok()) {
                Some(to) => format!("it redirects to {to}; use that address instead"),
                None => format!("HTTP {s}, a redirect without a Location"),
            },
        }),
        s => match body {
            Some(b) => Error::Client(ClientError::ServerRefused {
                status: s.as_u16(),
                server_code: b.error.code,
                message: b.error.message,
            }),
            None => Error::Client(ClientError::UnexpectedResponse {
                url,
                detail: format!("HTTP {s} without the API's error shape"),
            }),
        },
    }
}

fn etag_version(reply: &Reply) -> Option<u64> {
    let v = reply.headers.get(ETAG)?.to_str().ok()?;
    v.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    const SERVER: &str = "http://127.0.0.1:1";

    #[test]
    fn the_core_error_wins_over_the_status() {
        let body = r#"{"error":{"code":"last_owner","message":"m","field":"roles","core":{"code":"last_owner","email":"a@b.io"}}}"#;
        assert_eq!(
            refusal(reply(409, body), SERVER, false),
            Error::Refused(Refusal::LastOwner {
                email: "a@b.io".into()
            })
        );
    }

    #[test]
    fn http_layer_refusals_keep_their_message() {
        let body = r#"{"error":{"code":"rate_limited","message":"wait 15 minutes","field":null,"core":null}}"#;
        assert_eq!(
            refusal(reply(429, body), SERVER, false),
            Error::Client(ClientError::ServerRefused {
                status: 429,
                server_code: "rate_limited".into(),
                message: "wait 15 minutes".into()
            })
        );
    }

    #[test]
    fn a_503_that_started_nothing_is_a_refusal_not_an_unknown_outcome() {
        let body = r#"{"error":{"code":"writes_held","message":"a backup is copying the store","field":null,"core":null}}"#;
        assert_eq!(
            refusal(reply(503, body), SERVER, false),
            Error::Client(ClientError::ServerRefused {
                status: 503,
                server_code: "writes_held".into(),
                message: "a backup is copying the store".into()
            })
        );
        let gateway =
            r#"{"error":{"code":"storage_unavailable","message":"m","field":null,"core":null}}"#;
        assert!(matches!(
            refusal(reply(503, gateway), SERVER, false),
            Error::Client(ClientError::OutcomeUnknown { .. })
        ));
    }

    #[test]
    fn bare_statuses_map_to_what_a_person_can_act_on() {
        assert_eq!(
            refusal(reply(401, ""), SERVER, true),
            Error::Refused(Refusal::Unauthenticated)
        );
        let mut stale = reply(412, "");
        stale
            .headers
            .insert(ETAG, HeaderValue::from_static("W/\"7\""));
        assert_eq!(
            refusal(stale, SERVER, false),
            Error::Refused(Refusal::Conflict {
                what: "this user".into(),
                current: 7
            })
        );
        assert!(matches!(
            refusal(reply(502, "<html>"), SERVER, true),
            Error::Client(ClientError::Unreachable { .. })
        ));
        assert!(matches!(
            refusal(reply(504, "<html>"), SERVER, false),
            Error::Client(ClientError::OutcomeUnknown { .. })
        ));
        assert!(matches!(
            refusal(reply(404, "<html>not here</html>"), SERVER, true),
            Error::Client(ClientError::UnexpectedResponse { .. })
        ));
    }

    #[test]
    fn a_redirect_names_the_address_to_use() {
        let mut moved = reply(301, "");
        moved.headers.insert(
            LOCATION,
            HeaderValue::from_static("https://atender.example/api/v1/me"),
        );
        let e = refusal(moved, SERVER, true);
        assert!(
            matches!(e, Error::Client(ClientError::UnexpectedResponse { .. })),
            "{e}"
        );
        assert!(e.to_string().contains("https://atender.example/"), "{e}");
    }

    #[test]
    fn a_success_that_does_not_parse_is_unexpected() {
        let e = decode::<crate::api::Me>(reply(200, "<html>"), SERVER, true).unwrap_err();
        assert!(
            matches!(e, Error::Client(ClientError::UnexpectedResponse { .. })),
            "{e}"
        );
    }
}
