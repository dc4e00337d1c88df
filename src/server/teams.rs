//! Teams: `GET/POST /teams`, `PATCH/DELETE /teams/{id}`.

use super::AppState;
use super::auth::Acting;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use crate::api::{ErrorBody, TeamRequest};
use crate::domain::{Team, TeamId};
use crate::service::AdminApi;
use axum::Json;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(rename_team, delete_team))
}

/// The workspace's teams.
#[utoipa::path(get, path = "/teams", tag = "teams",
    security(("bearer" = [])),
    responses((status = 200, description = "Teams", body = Vec<crate::api::schema::TeamSchema>),
              (status = 403, description = "Only Owners and Admins", body = ErrorBody)))]
async fn list_teams(Acting(api): Acting) -> Result<Json<Vec<Team>>, ApiError> {
    Ok(Json(api.list_teams().await?))
}

/// Creates a team.
#[utoipa::path(post, path = "/teams", tag = "teams",
    security(("bearer" = [])),
    request_body = TeamRequest,
    responses((status = 201, description = "The new team", body = crate::api::schema::TeamSchema),
              (status = 400, description = "The name is not valid", body = ErrorBody),
              (status = 409, description = "A team with that name exists", body = ErrorBody)))]
async fn create_team(
    Acting(api): Acting,
    ApiJson(req): ApiJson<TeamRequest>,
) -> Result<(StatusCode, Json<Team>), ApiError> {
    Ok((StatusCode::CREATED, Json(api.create_team(req.name).await?)))
}

/// Renames a team.
#[utoipa::path(patch, path = "/teams/{id}", tag = "teams",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The team's id")),
    request_body = TeamRequest,
    responses((status = 200, description = "The renamed team", body = crate::api::schema::TeamSchema),
              (status = 404, description = "No such team in this workspace", body = ErrorBody),
              (status = 409, description = "A team with that name exists", body = ErrorBody)))]
async fn rename_team(
    Acting(api): Acting,
    ApiPath(id): ApiPath<TeamId>,
    ApiJson(req): ApiJson<TeamRequest>,
) -> Result<Json<Team>, ApiError> {
    Ok(Json(api.rename_team(id, req.name).await?))
}

/// Deletes a team and removes it from its members.
#[utoipa::path(delete, path = "/teams/{id}", tag = "teams",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The team's id")),
    responses((status = 204, description = "Deleted"),
              (status = 404, description = "No such team in this workspace", body = ErrorBody)))]
async fn delete_team(
    Acting(api): Acting,
    ApiPath(id): ApiPath<TeamId>,
) -> Result<StatusCode, ApiError> {
    api.delete_team(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
