//! Extractors whose refusals use the API's error shape: JSON bodies, query strings, path ids and
//! the `If-Match` header. Malformed JSON, a wrong type and an unknown field are all 400 (naming
//! the field where serde does); a body over the limit is 413; a non-JSON body is 415.

use super::error::ApiError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(json_rejection(JsonRejection::MissingJsonContentType(
                Default::default(),
            )));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::http(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "the request body is over the 1 MiB limit; send less at once",
                    )
                } else {
                    ApiError::http(
                        StatusCode::BAD_REQUEST,
                        "unreadable_body",
                        "the request body could not be read",
                    )
                }
            })?;
        // serde would read a struct from an array of its fields in order; every body of this
        // API is an object.
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first.is_some_and(|b| *b != b'{')
            && serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok()
        {
            return Err(ApiError::http(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                "the body must be a JSON object, {\"field\": value, …}",
            ));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// `application/json` or `application/…+json`, as axum's own `Json` requires.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let text = rejection.body_text();
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::http(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with the header Content-Type: application/json",
        ),
        JsonRejection::JsonSyntaxError(_) => ApiError::http(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {}", serde_detail(&text)),
        ),
        JsonRejection::JsonDataError(_) => ApiError::Http {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_json",
            message: format!(
                "the JSON does not have the expected fields: {}",
                serde_detail(&text)
            ),
            field: named_field(&text),
        },
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::http(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is over the 1 MiB limit; send less at once",
        ),
        _ => ApiError::http(
            StatusCode::BAD_REQUEST,
            "unreadable_body",
            "the request body could not be read",
        ),
    }
}

/// serde's own message, without axum's prefix.
fn serde_detail(text: &str) -> &str {
    text.split_once(": ").map_or(text, |(_, rest)| rest)
}

/// The field serde names in "unknown field `x`" or "missing field `x`" or "x: invalid type".
fn named_field(text: &str) -> Option<String> {
    let detail = serde_detail(text);
    if let Some(start) = detail.find('`') {
        let rest = &detail[start + 1..];
        if let Some(end) = rest.find('`')
            && (detail.contains("unknown field") || detail.contains("missing field"))
        {
            return Some(rest[..end].to_string());
        }
    }
    // serde_path_to_error style "field: message" (axum's JsonDataError uses it)
    detail
        .split_once(": ")
        .map(|(path, _)| path.to_string())
        .filter(|p| !p.contains(' ') && !p.is_empty() && p != ".")
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    let text = rejection.body_text();
    ApiError::Http {
        status: StatusCode::BAD_REQUEST,
        code: "invalid_query",
        message: format!("the query string is not valid: {}", serde_detail(&text)),
        field: named_field(&text),
    }
}

/// An id in the path; anything that is not an id is a 400 naming `id`.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(rejection) => Err(path_rejection(rejection)),
        }
    }
}

fn path_rejection(_: PathRejection) -> ApiError {
    ApiError::bad_request(
        "invalid_id",
        "the id in the address is not an id (ids look like 0192f0c4-…); copy it from a listing",
        "id",
    )
}

/// The version an edit started from, from `If-Match: "7"` (or `7`, or `W/"7"`).
pub struct IfMatch(pub u64);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(axum::http::header::IF_MATCH) else {
            return Err(ApiError::http(
                StatusCode::PRECONDITION_REQUIRED,
                "if_match_required",
                "send If-Match with the version you edited (the user's `version`, or the ETag of GET /users/{id}), so nobody's change is overwritten unseen",
            ));
        };
        let version = value
            .to_str()
            .ok()
            .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|v| v.parse::<u64>().ok());
        match version {
            Some(v) => Ok(IfMatch(v)),
            None => Err(ApiError::bad_request(
                "invalid_if_match",
                "If-Match must be the user's version number, e.g. If-Match: \"3\"",
                "If-Match",
            )),
        }
    }
}

/// A paging cursor from the query string: blank means the first page; anything that isn't the
/// `next` of an earlier page is a 400 naming the `cursor` parameter.
pub fn cursor<T: std::str::FromStr>(raw: Option<&str>) -> Result<Option<T>, ApiError> {
    match raw.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => c.parse::<T>().map(Some).map_err(|_| {
            ApiError::bad_request(
                "invalid_cursor",
                "cursor must be the `next` of a previous page",
                "cursor",
            )
        }),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_serde_complains_about() {
        assert_eq!(
            named_field(
                "Failed to deserialize the JSON body into the target type: unknown field `nickname`, expected one of `email`"
            )
            .as_deref(),
            Some("nickname")
        );
        assert_eq!(
            named_field("Failed to deserialize the JSON body into the target type: roles: invalid type: string \"x\", expected a sequence at line 1 column 10").as_deref(),
            Some("roles")
        );
        assert_eq!(named_field("Failed: expected value at line 1"), None);
    }
}
