//! `HttpClient`: the `AdminApi` over the server's REST API, plus signing in and out. Every
//! refusal comes back as the core's own error (see `error_map`), so front ends treat it exactly
//! like `LocalAdmin`.

use super::error_map::{decode, expect_no_content};
use super::http::{Call, ClientConfig, Transport};
use crate::api::{
    AcceptInviteRequest, BulkBeta, BulkIds, BulkResults, BulkRoleChange, BulkRoles, BulkTeam,
    InviteIssuedResponse, InvitePreview, Me, PendingInvite, SignInRequest, TeamAction, TeamRequest,
};
use crate::client::ClientError;
use crate::domain::Refusal;
use crate::domain::{AuditEvent, EventId, Invite, Team, TeamId, Token, User, UserId, Workspace};
use crate::service::MAX_PAGE;
use crate::service::{
    AdminApi, BulkChange, Changes, InviteChange, InviteIssued, NewInvite, Outcome,
    OwnershipTransferred, Page, SignedIn, Snapshot, UserDetail, UserPatch, UserQuery,
};
use crate::{Error, Result};
use async_trait::async_trait;
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use time::OffsetDateTime;

/// An admin signed in to a server. Cheap to clone; every clone shares one connection pool.
#[derive(Clone)]
pub struct HttpClient {
    transport: Arc<Transport>,
    token: Token,
    /// The token as sent in the Authorization header, encoded once.
    bearer: Arc<str>,
}

// The token never appears in debug output or logs.
impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("server", &self.transport.server())
            .field("token", &"<redacted>")
            .finish()
    }
}

/// A signed-in session: the client, who signed in, and where.
#[derive(Debug, Clone)]
pub struct Session {
    pub client: HttpClient,
    pub user: User,
    pub workspace: Workspace,
    /// When the session ends by itself (`None` when resumed from a remembered token).
    pub expires_at: Option<OffsetDateTime>,
}

impl HttpClient {
    /// Signs in with a workspace address (slug), email and password. The password goes only in
    /// the request body, over the connection the address names.
    pub async fn sign_in(
        server_url: &str,
        config: ClientConfig,
        workspace: &str,
        email: &str,
        password: &str,
    ) -> Result<Session> {
        let transport = Arc::new(Transport::new(server_url, config)?);
        let request = SignInRequest {
            workspace: workspace.to_string(),
            email: email.to_string(),
            password: password.to_string(),
        };
        let call = Call::new(Method::POST, "session").json(&request)?;
        drop(request);
        let reply = transport.send(&call).await.map_err(sign_in_not_confirmed)?;
        let signed_in: SignedIn =
            decode(reply, transport.server(), false).map_err(sign_in_not_confirmed)?;
        Ok(Session {
            client: HttpClient::with_token(transport, signed_in.token),
            user: signed_in.user,
            workspace: signed_in.workspace,
            expires_at: Some(signed_in.expires_at),
        })
    }

    /// Resumes a remembered session; `Unauthenticated` if it has expired or was ended.
    pub async fn resume(server_url: &str, config: ClientConfig, token: Token) -> Result<Session> {
        let transport = Arc::new(Transport::new(server_url, config)?);
        let client = HttpClient::with_token(transport, token);
        let me: Me = client.get("me", Vec::new()).await?;
        Ok(Session {
            client,
            user: me.user,
            workspace: me.workspace,
            expires_at: None,
        })
    }

    /// A client for a token without asking the server first; its first call tells whether the
    /// token still works. Prefer `resume`, which checks.
    pub fn with_session(
        server_url: &str,
        config: ClientConfig,
        token: Token,
    ) -> Result<HttpClient> {
        let transport = Arc::new(Transport::new(server_url, config)?);
        Ok(HttpClient::with_token(transport, token))
    }

    /// Ends the session on the server. A session that had already ended counts as signed out.
    pub async fn sign_out(&self) -> Result<()> {
        match self.send_empty(Call::new(Method::DELETE, "session")).await {
            Ok(()) | Err(Error::Refused(Refusal::Unauthenticated)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The session token, to remember it (see `session_file`).
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// The server address, normalised (no trailing slash).
    pub fn server_url(&self) -> &str {
        self.transport.server()
    }

    /// Invites a user and reports what happened to the invite email, which `AdminApi::invite`
    /// can't carry.
    pub async fn invite_with_delivery(&self, new: NewInvite) -> Result<InviteIssuedResponse> {
        self.send_json(Call::new(Method::POST, "invites").json(&new)?)
            .await
    }

    /// Resends an invite and reports what happened to the email.
    pub async fn resend_with_delivery(&self, id: UserId) -> Result<InviteIssuedResponse> {
        self.send_json(Call::new(Method::POST, format!("invites/{id}/resend")))
            .await
    }

    fn with_token(transport: Arc<Transport>, token: Token) -> HttpClient {
        let bearer = token.encode().into();
        HttpClient {
            transport,
            token,
            bearer,
        }
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: Vec<(&'static str, String)>,
    ) -> Result<T> {
        let mut call = Call::new(Method::GET, path).token(&self.bearer);
        call.query = query;
        let reply = self.transport.send(&call).await?;
        decode(reply, self.transport.server(), true)
    }

    async fn send_json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T> {
        let call = call.token(&self.bearer);
        let reply = self.transport.send(&call).await?;
        decode(reply, self.transport.server(), false)
    }

    async fn send_empty(&self, call: Call<'_>) -> Result<()> {
        let call = call.token(&self.bearer);
        let reply = self.transport.send(&call).await?;
        expect_no_content(reply, self.transport.server(), false)
    }
}

/// A sign-in whose answer was lost made at most a session nobody holds, which expires by
/// itself: for the person, the server was simply not reached.
fn sign_in_not_confirmed(e: Error) -> Error {
    match e {
        Error::Client(ClientError::OutcomeUnknown { url, detail }) => {
            Error::Client(ClientError::Unreachable { url, detail })
        }
        other => other,
    }
}

/// Accepts an invite with a new password, as the accept page does (no session needed).
pub async fn accept_invite(
    server_url: &str,
    config: ClientConfig,
    token: &str,
    password: &str,
) -> Result<User> {
    let transport = Transport::new(server_url, config)?;
    let request = AcceptInviteRequest {
        token: token.trim().to_string(),
        password: password.to_string(),
    };
    let call = Call::new(Method::POST, "invites/accept").json(&request)?;
    drop(request);
    let reply = transport.send(&call).await?;
    decode(reply, transport.server(), false)
}

fn issued(server: &str, response: InviteIssuedResponse) -> Result<InviteIssued> {
    let token = response
        .link
        .split_once("token=")
        .and_then(|(_, t)| Token::parse(t).ok())
        .ok_or_else(|| {
            Error::Client(ClientError::UnexpectedResponse {
                url: server.to_string(),
                detail: "the invite link in the answer has no token".into(),
            })
        })?;
    Ok(InviteIssued {
        user: response.user,
        invite: response.invite,
        token,
    })
}

#[async_trait]
impl AdminApi for HttpClient {
    async fn me(&self) -> Result<User> {
        Ok(self.get::<Me>("me", Vec::new()).await?.user)
    }

    async fn workspace(&self) -> Result<Workspace> {
        Ok(self.get::<Me>("me", Vec::new()).await?.workspace)
    }

    /// Composed from several reads (me, every page of users, invites, teams), so unlike the
    /// local store's it is not one consistent read; a reload repairs any seam.
    async fn snapshot(&self) -> Result<Snapshot> {
        // The sequence number first: whatever changes while the pages are read is replayed by
        // the next `changes`, so the seams of a composed read heal at the next refresh.
        let seq = self.change_seq().await?;
        let me: Me = self.get("me", Vec::new()).await?;
        let mut users = Vec::new();
        let mut after: Option<UserId> = None;
        loop {
            let page = self
                .list_users(UserQuery {
                    limit: Some(MAX_PAGE),
                    after,
                    ..UserQuery::default()
                })
                .await?;
            users.extend(page.items);
            let Some(next) = page.next else { break };
            let next: UserId = next.parse().map_err(|_| self.bad_cursor())?;
            // A cursor that does not move on would page forever.
            if after.is_some_and(|a| a >= next) {
                return Err(self.bad_cursor());
            }
            after = Some(next);
        }
        let invites = self.list_invites().await?;
        let teams = self.list_teams().await?;
        Ok(Snapshot {
            seq,
            workspace: me.workspace,
            me: me.user,
            users,
            invites: invites.into_iter().map(|(_, invite)| invite).collect(),
            teams,
        })
    }

    async fn list_users(&self, query: UserQuery) -> Result<Page<User>> {
        let mut params = Vec::new();
        if let Some(status) = query.status {
            let status = serde_json::to_value(status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            params.push(("status", status));
        }
        if let Some(q) = query.q.filter(|q| !q.is_empty()) {
            params.push(("q", q));
        }
        if let Some(limit) = query.limit {
            params.push(("limit", limit.clamp(1, MAX_PAGE).to_string()));
        }
        if let Some(after) = query.after {
            params.push(("cursor", after.to_string()));
        }
        self.get("users", params).await
    }

    async fn user_detail(&self, id: UserId) -> Result<UserDetail> {
        self.get(&format!("users/{id}"), Vec::new()).await
    }

    async fn changes(&self, since: u64) -> Result<Changes> {
        self.get("changes", vec![("since", since.to_string())])
            .await
    }

    async fn change_seq(&self) -> Result<u64> {
        Ok(self.get::<Changes>("changes", Vec::new()).await?.seq)
    }

    async fn list_invites(&self) -> Result<Vec<(User, Invite)>> {
        let pending: Vec<PendingInvite> = self.get("invites", Vec::new()).await?;
        Ok(pending.into_iter().map(|p| (p.user, p.invite)).collect())
    }

    async fn invite(&self, new: NewInvite) -> Result<InviteIssued> {
        let response = self.invite_with_delivery(new).await?;
        issued(self.server_url(), response)
    }

    async fn resend_invite(&self, id: UserId) -> Result<InviteIssued> {
        let response = self.resend_with_delivery(id).await?;
        issued(self.server_url(), response)
    }

    async fn cancel_invite(&self, id: UserId) -> Result<()> {
        self.send_empty(Call::new(Method::DELETE, format!("invites/{id}")))
            .await
    }

    async fn update_user(
        &self,
        id: UserId,
        expected_version: u64,
        patch: UserPatch,
    ) -> Result<User> {
        let mut call = Call::new(Method::PATCH, format!("users/{id}")).json(&patch)?;
        call.if_match = Some(expected_version);
        self.send_json(call).await
    }

    async fn bulk(
        &self,
        change: BulkChange,
        ids: Vec<UserId>,
        dry_run: bool,
    ) -> Result<Vec<Outcome>> {
        self.send_bulk(change, ids, BTreeMap::new(), dry_run).await
    }

    async fn bulk_at_versions(
        &self,
        change: BulkChange,
        ids: Vec<UserId>,
        expected: BTreeMap<UserId, u64>,
        dry_run: bool,
    ) -> Result<Vec<Outcome>> {
        self.send_bulk(change, ids, expected, dry_run).await
    }

    async fn preview_invites(
        &self,
        change: InviteChange,
        ids: Vec<UserId>,
    ) -> Result<Vec<Outcome>> {
        let call = Call::new(Method::POST, "invites/preview").json(&InvitePreview {
            ids,
            action: change,
        })?;
        let results: BulkResults = self.send_json(call).await?;
        Ok(results.results)
    }

    async fn transfer_ownership(&self, to: UserId) -> Result<OwnershipTransferred> {
        self.send_json(Call::new(
            Method::POST,
            format!("users/{to}/transfer-ownership"),
        ))
        .await
    }

    async fn delete_user(&self, id: UserId) -> Result<()> {
        self.send_empty(Call::new(Method::DELETE, format!("users/{id}")))
            .await
    }

    async fn preview_delete_user(&self, id: UserId) -> Result<Outcome> {
        let call = Call::new(Method::POST, format!("users/{id}/delete-preview"));
        let results: BulkResults = self.send_json(call).await?;
        results.results.into_iter().next().ok_or_else(|| {
            Error::Client(ClientError::UnexpectedResponse {
                url: self.transport.server().to_string(),
                detail: "a delete preview with no result".into(),
            })
        })
    }

    async fn list_teams(&self) -> Result<Vec<Team>> {
        self.get("teams", Vec::new()).await
    }

    async fn create_team(&self, name: String) -> Result<Team> {
        self.send_json(Call::new(Method::POST, "teams").json(&TeamRequest { name })?)
            .await
    }

    async fn rename_team(&self, id: TeamId, name: String) -> Result<Team> {
        self.send_json(Call::new(Method::PATCH, format!("teams/{id}")).json(&TeamRequest { name })?)
            .await
    }

    async fn delete_team(&self, id: TeamId) -> Result<()> {
        self.send_empty(Call::new(Method::DELETE, format!("teams/{id}")))
            .await
    }

    async fn audit(&self, before: Option<EventId>, limit: usize) -> Result<Page<AuditEvent>> {
        let mut params = vec![("limit", limit.clamp(1, MAX_PAGE).to_string())];
        if let Some(before) = before {
            params.push(("cursor", before.to_string()));
        }
        self.get("audit", params).await
    }
}

impl HttpClient {
    fn bad_cursor(&self) -> Error {
        Error::Client(ClientError::UnexpectedResponse {
            url: self.server_url().to_string(),
            detail: "a page of users named a cursor that does not move on".into(),
        })
    }
}

impl HttpClient {
    /// One bulk route per kind of change, each with the same ids, versions and dry run.
    async fn send_bulk(
        &self,
        change: BulkChange,
        ids: Vec<UserId>,
        expected_versions: BTreeMap<UserId, u64>,
        dry_run: bool,
    ) -> Result<Vec<Outcome>> {
        let ids_only = |ids, expected_versions| BulkIds {
            ids,
            dry_run,
            expected_versions,
        };
        let call = match change {
            BulkChange::Deactivate => Call::new(Method::POST, "users/deactivate")
                .json(&ids_only(ids, expected_versions))?,
            BulkChange::Reactivate => Call::new(Method::POST, "users/reactivate")
                .json(&ids_only(ids, expected_versions))?,
            BulkChange::SetRoles { roles } => {
                Call::new(Method::POST, "users/roles").json(&BulkRoles {
                    ids,
                    roles,
                    dry_run,
                    expected_versions,
                })?
            }
            BulkChange::ChangeRoles { add, remove } => {
                use crate::api::RoleAction;
                // The wire names each role once: what it can't say is refused here, by the
                // core's own rule.
                crate::domain::rules::check_role_change(&add, &remove)?;
                let roles = add
                    .into_iter()
                    .map(|r| (r, RoleAction::Add))
                    .chain(remove.into_iter().map(|r| (r, RoleAction::Remove)))
                    .collect();
                Call::new(Method::POST, "users/roles/change").json(&BulkRoleChange {
                    ids,
                    roles,
                    dry_run,
                    expected_versions,
                })?
            }
            BulkChange::AddTeam { team } | BulkChange::RemoveTeam { team } => {
                let action = if matches!(change, BulkChange::AddTeam { .. }) {
                    TeamAction::Add
                } else {
                    TeamAction::Remove
                };
                Call::new(Method::POST, "users/teams").json(&BulkTeam {
                    ids,
                    team,
                    action,
                    dry_run,
                    expected_versions,
                })?
            }
            BulkChange::SetBeta { beta } => {
                Call::new(Method::POST, "users/beta").json(&BulkBeta {
                    ids,
                    beta,
                    dry_run,
                    expected_versions,
                })?
            }
        };
        let results: BulkResults = self.send_json(call).await?;
        Ok(results.results)
    }
}
