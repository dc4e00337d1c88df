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
    let written = serde_json::to_value(&doc).and_then(|mut v| {
        as_strict_as_the_server(&mut v);
        serde_json::to_string_pretty(&v)
    });
    written.unwrap_or_else(|e| format!("{{\"error\": \"the document could not be written: {e}\"}}"))
}

/// What every route of a kind can answer, beyond what its handler documents: the extractors'
/// and layers' refusals are the same everywhere, so they are added here once.
fn common_responses(
    secured: bool,
    body: bool,
    id: bool,
    read: bool,
) -> Vec<(&'static str, &'static str)> {
    let mut r = Vec::new();
    if read {
        r.push(("408", "The read took longer than the request timeout"));
    } else {
        r.push((
            "503",
            "A backup's local copy held writes back for too long (`writes_held`): nothing was started; see Retry-After",
        ));
    }
    if secured {
        r.push(("401", "No valid session"));
    }
    if body {
        r.push(("400", "The body is not valid JSON of the documented shape"));
        r.push(("413", "The body is over 1 MiB"));
        r.push(("415", "The body is not of the documented content type"));
    }
    if id {
        r.push(("400", "The id in the address is not an id"));
    }
    r
}

/// Makes the document describe exactly what the server accepts and answers: the statuses every
/// route shares, ids as uuids, and request schemas as strict as the parsing behind them.
fn as_strict_as_the_server(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let error = json!({"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}});
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(ops) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in ops.iter_mut() {
                let read = matches!(method.as_str(), "get" | "head" | "options");
                let secured = op.get("security").is_some();
                let body = op.get("requestBody").is_some();
                let id = path.contains("{id}");
                for p in op
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    if p["in"] == "path" && p["name"] == "id" {
                        p["schema"] = json!({"type": "string", "format": "uuid"});
                    }
                    // A cursor is the `next` id of a previous page; empty means the first.
                    if p["in"] == "query" && p["name"] == "cursor" {
                        p["schema"] = json!({"type": "string", "anyOf": [{"format": "uuid"}, {"maxLength": 0}]});
                    }
                    // Any size parses (a page is cut to the largest the server serves) up to
                    // what the server's integer holds.
                    if p["in"] == "query" && p["name"] == "limit" {
                        p["schema"] =
                            json!({"type": "integer", "minimum": 0, "maximum": usize::MAX});
                    }
                    if p["in"] == "query" && p["name"] == "since" {
                        p["schema"] = json!({"type": "integer", "minimum": 0, "maximum": u64::MAX});
                    }
                    // Missing is its own answer (428), not a malformed request.
                    if p["in"] == "header" && p["name"] == "If-Match" {
                        p["required"] = json!(false);
                        p["schema"] = json!({"type": "string", "pattern": "^\\s*(W/)?\"?[0-9]{1,15}\"?\\s*$"});
                    }
                }
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                    continue;
                };
                for (status, description) in common_responses(secured, body, id, read) {
                    responses.entry(status).or_insert_with(|| {
                        let mut e = error.clone();
                        e["description"] = json!(description);
                        e
                    });
                }
            }
        }
    }
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let uuid = json!({"type": "string", "format": "uuid"});
    let uuids = json!({"type": "array", "items": {"type": "string", "format": "uuid"}});
    let mut set = |schema: &str, pointer: &str, value: Value| {
        if let Some(slot) = schemas.get_mut(schema).and_then(|s| s.pointer_mut(pointer)) {
            *slot = value;
        } else if let Some((parent, key)) = pointer.rsplit_once('/')
            && let Some(Value::Object(parent)) =
                schemas.get_mut(schema).and_then(|s| s.pointer_mut(parent))
        {
            parent.insert(key.to_string(), value);
        }
    };
    for request in ["NewInvite", "UserPatch"] {
        set(request, "/additionalProperties", json!(false));
    }
    // Missing means the default; null is refused (serde's `default`, not `Option`).
    set("NewInvite", "/properties/teams", uuids.clone());
    set(
        "NewInvite",
        "/properties/send_invite",
        json!({"type": "boolean"}),
    );
    set("NewInvite", "/properties/roles/minItems", json!(1));
    set(
        "UserPatch",
        "/properties/teams",
        json!({"type": ["array", "null"], "items": {"type": "string", "format": "uuid"}}),
    );
    for bulk in [
        "BulkIds",
        "BulkRoles",
        "BulkRoleChange",
        "BulkTeam",
        "BulkBeta",
        "InvitePreview",
    ] {
        set(bulk, "/properties/ids", uuids.clone());
    }
    // A map keyed by user id: the keys are uuids, the versions whole numbers.
    for bulk in [
        "BulkIds",
        "BulkRoles",
        "BulkRoleChange",
        "BulkTeam",
        "BulkBeta",
    ] {
        set(
            bulk,
            "/properties/expected_versions",
            json!({"type": "object", "propertyNames": {"format": "uuid"},
                   "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 9_007_199_254_740_991u64}}),
        );
    }
    set(
        "BulkRoleChange",
        "/properties/roles",
        json!({"type": "object", "minProperties": 1,
               "propertyNames": {"enum": ["owner", "admin", "supervisor", "agent"]},
               "additionalProperties": {"type": "string", "enum": ["add", "remove"]}}),
    );
    set("BulkTeam", "/properties/team", uuid);
    set("BulkRoles", "/properties/roles/minItems", json!(1));
}
