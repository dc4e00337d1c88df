//! `GET /healthz` for load balancers and the OpenAPI document itself.

use super::AppState;
use super::error::STORAGE_RETRY_AFTER_SECS;
use crate::api::Health;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
}

/// 200 while the server runs and its store can be written (a write that reaches the disk, or
/// a round trip to the database); 503 otherwise, so a load balancer stops sending traffic.
/// `writes` says whether a backup's local copy holds writes back at the moment, and since when.
#[utoipa::path(get, path = "/healthz", tag = "server",
    responses(
        (status = 200, description = "The server is up and its store can be written; `writes` is `ok`, or `held since …` while a backup's local copy holds writes back", body = Health),
        (status = 503, description = "The store can't be written now (a full disk, an unreachable database); see Retry-After", body = Health),
    ))]
async fn healthz(State(state): State<AppState>) -> Response {
    let writes = || match state.core.store().writes_held_since() {
        None => "ok".to_string(),
        Some(since) => format!(
            "held since {}",
            since
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| since.to_string())
        ),
    };
    match state.core.store_health().await {
        Ok(()) => Json(Health {
            status: "ok".into(),
            writes: writes(),
        })
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: the store can't be written");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, STORAGE_RETRY_AFTER_SECS.to_string())],
                Json(Health {
                    status: "storage_unavailable".into(),
                    writes: writes(),
                }),
            )
                .into_response()
        }
    }
}

/// This OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", tag = "server",
    responses((status = 200, description = "The OpenAPI 3 document of this API", content_type = "application/json")))]
async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json.to_string(),
    )
}
