//! The change feed: `GET /changes?since=SEQ` answers what changed after SEQ, the way a
//! Kubernetes watch answers from a resourceVersion; without `since`, just the current SEQ.

use super::AppState;
use super::auth::Acting;
use super::error::ApiError;
use super::extract::ApiQuery;
use crate::api::{ChangesQuery, ErrorBody};
use crate::service::{AdminApi, Changes};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(changes))
}

/// What changed after `since`: the current state of every user (with their pending invite) and
/// team that changed, and the ids of those that are gone. Ask again from the answer's `seq`.
/// Without `since`, the answer is only the current `seq`, to start from after a full listing.
#[utoipa::path(get, path = "/changes", tag = "users",
    security(("bearer" = [])),
    params(ChangesQuery),
    responses(
        (status = 200, description = "The changes after `since`, and the `seq` to ask from next", body = crate::api::schema::ChangesSchema),
        (status = 400, description = "A query parameter is not valid", body = ErrorBody),
        (status = 401, description = "No valid session", body = ErrorBody),
        (status = 403, description = "Only Owners and Admins manage users", body = ErrorBody),
        (status = 410, description = "`since` is older than the feed keeps (or unknown to this server): list everything again, then ask from the new `seq`", body = ErrorBody),
    ))]
async fn changes(
    Acting(api): Acting,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> Result<Json<Changes>, ApiError> {
    let changes = match q.since {
        Some(since) => api.changes(since).await?,
        None => Changes {
            seq: api.change_seq().await?,
            ..Changes::default()
        },
    };
    Ok(Json(changes))
}
