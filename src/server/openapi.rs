//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` attributes as the
//! routes are registered (utoipa-axum), so the document and the router come from one list.

use super::AppState;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "atender-server",
        description = "Manage the users, invites and teams of Atender workspaces. Errors have one shape: {\"error\": {\"code\", \"message\", \"field\", \"core\"}}.",
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::api::ErrorBody, crate::api::ErrorDetail))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route the server serves, each with its documentation.
pub fn api_router() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .merge(super::session::router())
        .merge(super::users::router())
        .merge(super::invites::router())
        .merge(super::teams::router())
        .merge(super::audit::router())
        .merge(super::changes::router())
        .merge(super::health::router());
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(crate::api::PREFIX, api)
        .merge(super::accept_page::router())
}

pub fn document_json(doc: utoipa::openapi::OpenApi) -> String {
    doc.to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"the document could not be written: {e}\"}}"))
}
