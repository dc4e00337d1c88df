//! `GET /healthz` for load balancers and the OpenAPI document itself.

use super::AppState;
use crate::api::Health;
use crate::store::AnyStore;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
}

/// How long the health check waits for the database.
const DATABASE_PING: Duration = Duration::from_secs(2);

/// Answers while the server runs; on PostgreSQL, 503 while the database does not answer, so a
/// load balancer stops sending requests this server can't serve.
#[utoipa::path(get, path = "/healthz", tag = "server",
    responses(
        (status = 200, description = "The server is up", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    ))]
async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    if let AnyStore::Postgres(pg) = state.core.store() {
        let pg = pg.clone();
        let pinged = tokio::task::spawn_blocking(move || pg.ping(DATABASE_PING)).await;
        if let Err(e) | Ok(Err(e)) = pinged.map_err(crate::domain::Error::storage) {
            tracing::warn!(error = %e, "health check: the database does not answer");
            let status = "database unavailable".into();
            return (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status }));
        }
    }
    let status = "ok".into();
    (StatusCode::OK, Json(Health { status }))
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
