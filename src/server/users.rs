//! Users: listing, detail, edit (with `If-Match`), deletion and the bulk changes.

use super::AppState;
use super::auth::Acting;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch};
use crate::api::{
    BulkBeta, BulkIds, BulkResults, BulkRoleChange, BulkRoles, BulkTeam, ErrorBody, TeamAction,
    UsersQuery,
};
use crate::domain::UserId;
use crate::service::{
    AdminApi, BulkChange, LocalAdmin, OwnershipTransferred, Page, UserDetail, UserPatch, UserQuery,
};
use crate::store::AnyStore;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::value::RawValue;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(user_detail, update_user, delete_user))
        .routes(routes!(preview_delete_user))
        .routes(routes!(deactivate))
        .routes(routes!(reactivate))
        .routes(routes!(set_roles))
        .routes(routes!(change_roles))
        .routes(routes!(set_team))
        .routes(routes!(set_beta))
        .routes(routes!(transfer_ownership))
}

/// A JSON response with the user's version as its ETag, for a later `If-Match`.
fn with_etag<T: serde::Serialize>(version: u64, body: T) -> Response {
    let mut response = Json(body).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

/// Users in a stable order (creation order), a page at a time.
#[utoipa::path(get, path = "/users", tag = "users",
    security(("bearer" = [])),
    params(UsersQuery),
    responses(
        (status = 200, description = "A page of users; pass `next` as `cursor` for the next", body = crate::api::schema::UserPageSchema),
        (status = 400, description = "A query parameter is not valid", body = ErrorBody),
        (status = 401, description = "No valid session", body = ErrorBody),
        (status = 403, description = "Only Owners and Admins manage users", body = ErrorBody),
    ))]
async fn list_users(
    Acting(api): Acting,
    ApiQuery(q): ApiQuery<UsersQuery>,
) -> Result<Json<Page<Box<RawValue>>>, ApiError> {
    let after = super::extract::cursor::<UserId>(q.cursor.as_deref())?;
    // Each user goes out as the store holds it: the same JSON as `User`, not decoded and
    // encoded again (that was half of this route's CPU).
    let page = api
        .list_users_json(UserQuery {
            status: q.status,
            q: q.q,
            limit: q.limit,
            after,
        })
        .await?;
    Ok(Json(page))
}

/// One user with their invite, whether they can sign in, and their recent history. The ETag is
/// the user's version.
#[utoipa::path(get, path = "/users/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user's detail", body = crate::api::schema::UserDetailSchema),
        (status = 404, description = "No such user in this workspace", body = ErrorBody),
    ))]
async fn user_detail(
    Acting(api): Acting,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Response, ApiError> {
    let detail: UserDetail = api.user_detail(id).await?;
    Ok(with_etag(detail.user.version, detail))
}

/// Edits a user. `If-Match` names the version the edit started from.
#[utoipa::path(patch, path = "/users/{id}", tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The user's id"),
        ("If-Match" = String, Header, description = "The user's version the edit started from"),
    ),
    request_body = crate::api::schema::UserPatchSchema,
    responses(
        (status = 200, description = "The edited user; the ETag is the new version", body = crate::api::schema::UserSchema),
        (status = 400, description = "A field is not valid (the error names it)", body = ErrorBody),
        (status = 403, description = "Not allowed for this user's roles", body = ErrorBody),
        (status = 404, description = "No such user in this workspace", body = ErrorBody),
        (status = 409, description = "Refused by a rule (e.g. the last Owner)", body = ErrorBody),
        (status = 412, description = "Someone changed the user since; the error has the current version", body = ErrorBody),
        (status = 428, description = "If-Match is missing", body = ErrorBody),
    ))]
async fn update_user(
    Acting(api): Acting,
    ApiPath(id): ApiPath<UserId>,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<Response, ApiError> {
    let user = api.update_user(id, version, patch).await?;
    Ok(with_etag(user.version, user))
}

/// Deletes a user for good, with their history.
#[utoipa::path(delete, path = "/users/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not allowed (own account, or an Owner by a non-Owner)", body = ErrorBody),
        (status = 404, description = "No such user in this workspace", body = ErrorBody),
        (status = 409, description = "The last Owner can't be deleted", body = ErrorBody),
    ))]
async fn delete_user(
    Acting(api): Acting,
    ApiPath(id): ApiPath<UserId>,
) -> Result<StatusCode, ApiError> {
    api.delete_user(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What deleting a user would do, changing nothing: a dry run of the deletion.
#[utoipa::path(post, path = "/users/{id}/delete-preview", tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 200, description = "One result: done where allowed, else the refusal", body = BulkResults),
        (status = 403, description = "Only Owners and Admins", body = ErrorBody),
    ))]
async fn preview_delete_user(
    Acting(api): Acting,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<BulkResults>, ApiError> {
    let outcome = api.preview_delete_user(id).await?;
    Ok(Json(BulkResults {
        results: vec![outcome],
    }))
}

async fn bulk(
    api: &LocalAdmin<AnyStore>,
    change: BulkChange,
    ids: Vec<UserId>,
    expected: std::collections::BTreeMap<UserId, u64>,
    dry_run: bool,
) -> Result<Json<BulkResults>, ApiError> {
    let results = api.bulk_at_versions(change, ids, expected, dry_run).await?;
    Ok(Json(BulkResults { results }))
}

/// Deactivates users: they can't sign in and their sessions end.
#[utoipa::path(post, path = "/users/deactivate", tag = "users",
    security(("bearer" = [])),
    request_body = BulkIds,
    responses((status = 200, description = "A result per id", body = BulkResults),
              (status = 403, description = "Only Owners and Admins", body = ErrorBody)))]
async fn deactivate(
    Acting(api): Acting,
    ApiJson(req): ApiJson<BulkIds>,
) -> Result<Json<BulkResults>, ApiError> {
    bulk(
        &api,
        BulkChange::Deactivate,
        req.ids,
        req.expected_versions,
        req.dry_run,
    )
    .await
}

/// Reactivates users.
#[utoipa::path(post, path = "/users/reactivate", tag = "users",
    security(("bearer" = [])),
    request_body = BulkIds,
    responses((status = 200, description = "A result per id", body = BulkResults),
              (status = 403, description = "Only Owners and Admins", body = ErrorBody)))]
async fn reactivate(
    Acting(api): Acting,
    ApiJson(req): ApiJson<BulkIds>,
) -> Result<Json<BulkResults>, ApiError> {
    bulk(
        &api,
        BulkChange::Reactivate,
        req.ids,
        req.expected_versions,
        req.dry_run,
    )
    .await
}

/// Gives each user exactly these roles.
#[utoipa::path(post, path = "/users/roles", tag = "users",
    security(("bearer" = [])),
    request_body = BulkRoles,
    responses((status = 200, description = "A result per id", body = BulkResults),
              (status = 400, description = "No role, or an unknown one", body = ErrorBody),
              (status = 403, description = "Only Owners and Admins", body = ErrorBody)))]
async fn set_roles(
    Acting(api): Acting,
    ApiJson(req): ApiJson<BulkRoles>,
) -> Result<Json<BulkResults>, ApiError> {
    let change = BulkChange::SetRoles { roles: req.roles };
    bulk(&api, change, req.ids, req.expected_versions, req.dry_run).await
}

/// Adds roles to each user and takes others away, keeping the rest: what a mixed group's
/// picker sends, so that only the roles the admin changed are applied.
#[utoipa::path(post, path = "/users/roles/change", tag = "users",
    security(("bearer" = [])),
    request_body = BulkRoleChange,
    responses((status = 200, description = "A result per id", body = BulkResults),
              (status = 400, description = "No role named, one both added and removed, or an unknown one", body = ErrorBody),
              (status = 403, description = "Only Owners and Admins", body = ErrorBody)))]
async fn change_roles(
    Acting(api): Acting,
    ApiJson(req): ApiJson<BulkRoleChange>,
) -> Result<Json<BulkResults>, ApiError> {
    let (add, remove) = req.split();
    let change = BulkChange::ChangeRoles { add, remove };
    bulk(&api, change, req.ids, req.expected_versions, req.dry_run).await
}

/// Adds users to a team or removes them from it.
#[utoipa::path(post, path = "/users/teams", tag = "users",
    security(("bearer" = [])),
    request_body = BulkTeam,
    responses((status = 200, description = "A result per id", body = BulkResults),
              (status = 403, description = "Only Owners and Admins", body = ErrorBody)))]
async fn set_team(
    Acting(api): Acting,
    ApiJson(req): ApiJson<BulkTeam>,
) -> Result<Json<BulkResults>, ApiError> {
    let change = match req.action {
        TeamAction::Add => BulkChange::AddTeam { team: req.team },
        TeamAction::Remove => BulkChange::RemoveTeam { team: req.team },
    };
    bulk(&api, change, req.ids, req.expected_versions, req.dry_run).await
}

/// Turns beta access on or off.
#[utoipa::path(post, path = "/users/beta", tag = "users",
    security(("bearer" = [])),
    request_body = BulkBeta,
    responses((status = 200, description = "A result per id", body = BulkResults),
              (status = 403, description = "Only Owners and Admins", body = ErrorBody)))]
async fn set_beta(
    Acting(api): Acting,
    ApiJson(req): ApiJson<BulkBeta>,
) -> Result<Json<BulkResults>, ApiError> {
    bulk(
        &api,
        BulkChange::SetBeta { beta: req.beta },
        req.ids,
        req.expected_versions,
        req.dry_run,
    )
    .await
}

/// Makes this user the Owner: grants them Owner and removes it from the acting Owner (who keeps
/// their other roles, or becomes an Admin), in one transaction.
#[utoipa::path(post, path = "/users/{id}/transfer-ownership", tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The new Owner's id")),
    responses(
        (status = 200, description = "Both users as they are now", body = crate::api::schema::OwnershipTransferredSchema),
        (status = 403, description = "Only an Owner transfers ownership, and not to themselves", body = ErrorBody),
        (status = 404, description = "No such user in this workspace", body = ErrorBody),
        (status = 409, description = "The new Owner is not an active user", body = ErrorBody),
    ))]
async fn transfer_ownership(
    Acting(api): Acting,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<OwnershipTransferred>, ApiError> {
    Ok(Json(api.transfer_ownership(id).await?))
}
