//! The audit log: `GET /audit?limit=&cursor=`, newest first.

use super::AppState;
use super::auth::Acting;
use super::error::ApiError;
use super::extract::ApiQuery;
use crate::api::{AuditQuery, ErrorBody};
use crate::domain::{AuditEvent, EventId};
use crate::service::{AdminApi, Page};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit))
}

/// A page of audit events, newest first; pass `next` as `cursor` for older ones.
#[utoipa::path(get, path = "/audit", tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, description = "A page of events", body = crate::api::schema::AuditPageSchema),
              (status = 400, description = "A query parameter is not valid", body = ErrorBody),
              (status = 403, description = "Only Owners and Admins", body = ErrorBody)))]
async fn audit(
    Acting(api): Acting,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Page<AuditEvent>>, ApiError> {
    let before = super::extract::cursor::<EventId>(q.cursor.as_deref())?;
    Ok(Json(api.audit(before, q.limit.unwrap_or(100)).await?))
}
