//! The HTTP client (connected mode) against the real server: every refusal comes back as the
//! same core error `LocalAdmin` gives for the same call on the same store, reads page and retry,
//! writes are never re-sent, and an unreachable server is reported within the time limit.

use crate::support::*;
use atender_admin::Error;
use atender_admin::client::ClientError;
use atender_admin::client::{ClientConfig, HttpClient, Session, accept_invite};
use atender_admin::domain::Refusal;
use atender_admin::domain::{Entity, Role, TeamId, User, UserId};
use atender_admin::service::{
    AdminApi, BulkChange, LocalAdmin, NewInvite, Outcome, UserPatch, UserQuery,
};
use atender_admin::store::AnyStore;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const RANDOM_ID: &str = "01900000-0000-7000-8000-000000000000";

/// Fails the same way online (over HTTP) and offline (through the core directly).
macro_rules! same_refusal {
    ($online:expr, $offline:expr, |$api:ident| $call:expr) => {{
        let online = {
            let $api = &$online;
            $call
                .await
                .expect_err("the server accepted what it should refuse")
        };
        let offline = {
            let $api = &$offline;
            $call
                .await
                .expect_err("the core accepted what it should refuse")
        };
        assert_eq!(online, offline, "online and offline refuse differently");
        online
    }};
}

fn fast() -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(10),
        read_retries: 2,
        retry_backoff: Duration::from_millis(20),
    }
}

fn new_invite(email: &str, roles: Vec<Role>) -> NewInvite {
    NewInvite {
        email: email.into(),
        full_name: format!("Person {email}"),
        display_name: None,
        roles,
        teams: vec![],
        send_invite: false,
    }
}

/// Signs in through the client.
async fn connect(app: &TestApp, slug: &str, email: &str) -> Session {
    HttpClient::sign_in(&app.url, fast(), slug, email, PASSWORD)
        .await
        .unwrap()
}

/// The same user acting through the core directly.
async fn offline(app: &TestApp, session: &Session) -> LocalAdmin<AnyStore> {
    app.core.admin(session.workspace.id, session.user.id)
}

/// A workspace with a signed-in Owner: (slug, session, the same Owner offline).
async fn owner(app: &TestApp, name: &str, email: &str) -> (String, Session, LocalAdmin<AnyStore>) {
    let (slug, _) = app.owner(name, email).await;
    let session = connect(app, &slug, email).await;
    let local = offline(app, &session).await;
    (slug, session, local)
}

/// Invites, accepts and signs in a user through the client.
async fn add_user(
    app: &TestApp,
    by: &HttpClient,
    slug: &str,
    email: &str,
    roles: Vec<Role>,
) -> Session {
    let issued = by.invite(new_invite(email, roles)).await.unwrap();
    accept_invite(&app.url, fast(), &issued.token.encode(), PASSWORD)
        .await
        .unwrap();
    connect(app, slug, email).await
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> String) -> BTreeSet<String> {
    items.iter().map(id).collect()
}

async fn signs_in_and_reads_what_the_local_service_reads(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, ann, local) = owner(&app, "Acme", "ann@acme.io").await;
    assert_eq!(ann.user.email.as_str(), "ann@acme.io");
    assert_eq!(ann.workspace.slug, slug);
    assert!(ann.expires_at.is_some());
    let team = ann.client.create_team("Support".into()).await.unwrap();
    add_user(&app, &ann.client, &slug, "bob@acme.io", vec![Role::Agent]).await;
    let mut pending = new_invite("pat@acme.io", vec![Role::Supervisor]);
    pending.teams = vec![team.id];
    let issued = ann.client.invite(pending).await.unwrap();
    assert!(issued.user.teams.iter().eq([&team.id]));

    // the console holds an `Arc<dyn AdminApi>` and can't tell which one it has
    let console: Arc<dyn AdminApi> = Arc::new(ann.client.clone());
    let online = console.snapshot().await.unwrap();
    let offline = local.snapshot().await.unwrap();
    assert_eq!(online.workspace, offline.workspace);
    assert_eq!(online.me, offline.me);
    assert_eq!(online.users, offline.users);
    assert_eq!(online.teams, offline.teams);
    assert_eq!(online.invites, offline.invites);
    assert_eq!(online.users.len(), 3);
    assert_eq!(online.invites.len(), 1);

    assert_eq!(ann.client.me().await.unwrap(), local.me().await.unwrap());
    assert_eq!(
        ann.client.workspace().await.unwrap(),
        local.workspace().await.unwrap()
    );
    let bob = online
        .users
        .iter()
        .find(|u| u.email.as_str() == "bob@acme.io")
        .unwrap();
    assert_eq!(
        ann.client.user_detail(bob.id).await.unwrap(),
        local.user_detail(bob.id).await.unwrap()
    );
    assert_eq!(
        ann.client.list_invites().await.unwrap(),
        local.list_invites().await.unwrap()
    );
    let query = UserQuery {
        q: Some("BOB".into()),
        ..UserQuery::default()
    };
    let found = ann.client.list_users(query.clone()).await.unwrap();
    assert_eq!(found, local.list_users(query).await.unwrap());
    assert_eq!(found.items.len(), 1);
    assert_eq!(
        ann.client.audit(None, 5).await.unwrap(),
        local.audit(None, 5).await.unwrap()
    );
    // the resend link is a new token, and the old one stops working
    let resent = ann.client.resend_invite(issued.user.id).await.unwrap();
    assert_ne!(resent.token, issued.token);
    let e = accept_invite(&app.url, fast(), &issued.token.encode(), PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(e, Error::Refused(Refusal::InviteInvalid));
}

async fn a_wrong_password_is_the_same_error_as_offline(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, _) = app.owner("Acme", "ann@acme.io").await;
    for (ws, email, password) in [
        (slug.as_str(), "ann@acme.io", "wrong password here"),
        (slug.as_str(), "nobody@acme.io", PASSWORD),
        ("no-such-workspace", "ann@acme.io", PASSWORD),
    ] {
        let online = HttpClient::sign_in(&app.url, fast(), ws, email, password)
            .await
            .unwrap_err();
        let offline = app.core.login(ws, email, password).await.unwrap_err();
        assert_eq!(online, Error::Refused(Refusal::InvalidCredentials));
        assert_eq!(online, offline);
    }
    // after 5 failures for the email the server slows sign-in down: its own refusal, with its
    // message
    for _ in 0..4 {
        let e = HttpClient::sign_in(&app.url, fast(), &slug, "ann@acme.io", "still wrong")
            .await
            .unwrap_err();
        assert_eq!(e, Error::Refused(Refusal::InvalidCredentials));
    }
    let e = HttpClient::sign_in(&app.url, fast(), &slug, "ann@acme.io", PASSWORD)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Client(ClientError::ServerRefused { status: 429, server_code, message })
            if server_code == "rate_limited" && message.contains("wait")),
        "{e}"
    );
    // a malformed server address is refused before anything is sent
    let e = HttpClient::sign_in("acme.example", fast(), &slug, "ann@acme.io", PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Refused(Refusal::Invalid { .. })), "{e}");
}

async fn refusals_are_the_core_errors_of_offline_mode(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, ann, ann_local) = owner(&app, "Acme", "ann@acme.io").await;
    let (_, gus, _) = owner(&app, "Globex", "gus@globex.io").await;
    let random = RANDOM_ID.parse::<UserId>().unwrap();
    let random_team = RANDOM_ID.parse::<TeamId>().unwrap();
    let (online, local) = (&ann.client, &ann_local);

    // ---- not found, including everything of another workspace
    let globex_agent = add_user(
        &app,
        &gus.client,
        "globex",
        "agent@globex.io",
        vec![Role::Agent],
    )
    .await;
    let globex_invite = gus
        .client
        .invite(new_invite("pending@globex.io", vec![Role::Agent]))
        .await
        .unwrap();
    let globex_team = gus.client.create_team("Ops".into()).await.unwrap();
    for user in [random, globex_agent.user.id] {
        let e = same_refusal!(online, local, |api| api.user_detail(user));
        assert_eq!(e, Error::not_found(Entity::User, user));
        same_refusal!(online, local, |api| api.update_user(
            user,
            1,
            UserPatch::default()
        ));
        same_refusal!(online, local, |api| api.delete_user(user));
    }
    for invite in [random, globex_invite.user.id] {
        let e = same_refusal!(online, local, |api| api.resend_invite(invite));
        assert!(matches!(e, Error::Refused(Refusal::NotFound { .. })), "{e}");
        same_refusal!(online, local, |api| api.cancel_invite(invite));
    }
    for team in [random_team, globex_team.id] {
        let e = same_refusal!(online, local, |api| api.rename_team(team, "Mine".into()));
        assert_eq!(e, Error::not_found(Entity::Team, team));
        same_refusal!(online, local, |api| api.delete_team(team));
    }

    // ---- uniqueness and input
    add_user(&app, online, &slug, "bob@acme.io", vec![Role::Agent]).await;
    let e = same_refusal!(online, local, |api| api
        .invite(new_invite("BOB@acme.io", vec![Role::Agent])));
    assert!(
        matches!(e, Error::Refused(Refusal::DuplicateEmail { .. })),
        "{e}"
    );
    online.create_team("Support".into()).await.unwrap();
    let e = same_refusal!(online, local, |api| api.create_team("support".into()));
    assert!(
        matches!(e, Error::Refused(Refusal::DuplicateTeam { .. })),
        "{e}"
    );
    let e = same_refusal!(online, local, |api| api
        .invite(new_invite("not an email", vec![])));
    assert!(
        matches!(e, Error::Refused(Refusal::InvalidFields { .. })),
        "{e}"
    );

    // ---- the product's rules
    let me = online.me().await.unwrap();
    let e = same_refusal!(online, local, |api| api.update_user(
        me.id,
        me.version,
        UserPatch {
            roles: Some(vec![Role::Admin]),
            ..UserPatch::default()
        }
    ));
    assert!(
        matches!(e, Error::Refused(Refusal::LastOwner { .. })),
        "{e}"
    );
    let e = same_refusal!(online, local, |api| api.delete_user(me.id));
    assert!(
        matches!(e, Error::Refused(Refusal::OwnAccount { .. })),
        "{e}"
    );
    // the deletion's dry run says the same, online and offline, and changes nothing
    let online_preview = online.preview_delete_user(me.id).await.unwrap();
    let local_preview = local.preview_delete_user(me.id).await.unwrap();
    assert_eq!(online_preview, local_preview);
    assert!(
        matches!(
            online_preview.refusal(),
            Some(Error::Refused(Refusal::OwnAccount { .. }))
        ),
        "{online_preview:?}"
    );
    assert!(online.me().await.is_ok());

    // ---- stale edits: 412 is the core's Conflict with the current version
    let bob = online
        .list_users(UserQuery {
            q: Some("bob@".into()),
            ..UserQuery::default()
        })
        .await
        .unwrap()
        .items
        .remove(0);
    let beta = UserPatch {
        beta: Some(true),
        ..UserPatch::default()
    };
    let edited = online
        .update_user(bob.id, bob.version, beta.clone())
        .await
        .unwrap();
    assert_eq!(edited.version, bob.version + 1);
    let e = same_refusal!(online, local, |api| api.update_user(
        bob.id,
        bob.version,
        beta.clone()
    ));
    assert!(
        matches!(e, Error::Refused(Refusal::Conflict { current, .. }) if current == edited.version),
        "{e}"
    );

    // ---- permissions: an Admin can't invite Owners; an Agent can't manage at all
    let ada = add_user(&app, online, &slug, "ada@acme.io", vec![Role::Admin]).await;
    let ada_local = offline(&app, &ada).await;
    let e = same_refusal!(ada.client, ada_local, |api| api
        .invite(new_invite("new-owner@acme.io", vec![Role::Owner])));
    assert!(
        matches!(e, Error::Refused(Refusal::OwnerOnly { .. })),
        "{e}"
    );
    let e = same_refusal!(ada.client, ada_local, |api| api.delete_user(me.id));
    assert!(
        matches!(e, Error::Refused(Refusal::OwnerOnly { .. })),
        "{e}"
    );
    let agent = add_user(&app, online, &slug, "agent@acme.io", vec![Role::Agent]).await;
    let agent_local = offline(&app, &agent).await;
    let e = same_refusal!(agent.client, agent_local, |api| api
        .list_users(UserQuery::default()));
    assert!(
        matches!(e, Error::Refused(Refusal::NotAnAdmin { .. })),
        "{e}"
    );
    same_refusal!(agent.client, agent_local, |api| api.snapshot());
    same_refusal!(agent.client, agent_local, |api| api
        .create_team("Mine".into()));
    // an Agent may still ask who they are
    assert_eq!(agent.client.me().await.unwrap().id, agent.user.id);
}

async fn cy_now_version(local: &LocalAdmin<AnyStore>, id: UserId) -> u64 {
    local.user_detail(id).await.unwrap().user.version
}

async fn bulk_outcomes_have_the_shape_of_offline_mode(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, ann, local) = owner(&app, "Acme", "ann@acme.io").await;
    let bob = add_user(&app, &ann.client, &slug, "bob@acme.io", vec![Role::Agent]).await;
    let cy = add_user(&app, &ann.client, &slug, "cy@acme.io", vec![Role::Agent]).await;
    let random = RANDOM_ID.parse::<UserId>().unwrap();
    let ids = vec![bob.user.id, ann.user.id, random, cy.user.id, bob.user.id];

    // a dry run online says exactly what one offline says, and changes nothing
    let online = ann
        .client
        .bulk(BulkChange::Deactivate, ids.clone(), true)
        .await
        .unwrap();
    let offline = local
        .bulk(BulkChange::Deactivate, ids.clone(), true)
        .await
        .unwrap();
    assert_eq!(online, offline);
    assert_eq!(online.len(), 4, "duplicates are reported once");
    assert_eq!(bob.client.me().await.unwrap().id, bob.user.id);

    let done = ann
        .client
        .bulk(BulkChange::Deactivate, ids.clone(), false)
        .await
        .unwrap();
    // The same outcomes; the versions are as found in the dry run and as left by the change.
    let unversioned = |v: &[Outcome]| -> Vec<Outcome> {
        v.iter()
            .cloned()
            .map(|o| Outcome { version: None, ..o })
            .collect()
    };
    assert_eq!(
        unversioned(&done),
        unversioned(&online),
        "the change does what its dry run said"
    );
    assert_eq!(online[0].version, Some(bob.user.version));
    assert!(done[0].version > online[0].version);
    let refusal = |o: &Outcome| o.refusal().cloned();
    assert!(done[0].is_done());
    assert!(matches!(
        refusal(&done[1]),
        Some(Error::Refused(Refusal::OwnAccount { .. }))
    ));
    assert!(matches!(
        refusal(&done[2]),
        Some(Error::Refused(Refusal::NotFound { .. }))
    ));
    assert_eq!(done[2].email, None);
    assert!(done[3].is_done());
    // the deactivated users' sessions ended, and their next call says why
    assert_eq!(
        bob.client.me().await.unwrap_err(),
        Error::Refused(Refusal::ActorInactive {
            actor: "bob@acme.io".into()
        })
    );
    assert_eq!(
        cy.client.list_teams().await.unwrap_err(),
        Error::Refused(Refusal::ActorInactive {
            actor: "cy@acme.io".into()
        })
    );
    // and they can't sign in
    let e = HttpClient::sign_in(&app.url, fast(), &slug, "bob@acme.io", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(e, Error::Refused(Refusal::AccountInactive));

    // the other bulk changes go to their own endpoints and keep the per-user outcome
    let team = ann.client.create_team("Support".into()).await.unwrap();
    for change in [
        BulkChange::Reactivate,
        BulkChange::AddTeam { team: team.id },
        BulkChange::SetBeta { beta: true },
        BulkChange::SetRoles {
            roles: vec![Role::Supervisor],
        },
        BulkChange::RemoveTeam { team: team.id },
    ] {
        let expected = local.bulk(change.clone(), ids.clone(), true).await.unwrap();
        let got = ann
            .client
            .bulk(change.clone(), ids.clone(), false)
            .await
            .unwrap();
        assert_eq!(unversioned(&got), unversioned(&expected), "{change:?}");
    }
    // Pinned to versions over HTTP as offline: bob, changed since, is left as he is.
    let stale = vec![
        (bob.user.id, bob.user.version),
        (cy.user.id, cy_now_version(&local, cy.user.id).await),
    ];
    let pinned = ann
        .client
        .bulk_at_versions(
            BulkChange::SetBeta { beta: false },
            vec![bob.user.id, cy.user.id],
            stale.into_iter().collect(),
            false,
        )
        .await
        .unwrap();
    assert!(
        matches!(
            refusal(&pinned[0]),
            Some(Error::Refused(Refusal::Conflict { .. }))
        ),
        "{pinned:?}"
    );
    assert!(pinned[1].is_changed(), "{pinned:?}");
    let bob_now = ann.client.user_detail(bob.user.id).await.unwrap().user;
    assert!(bob_now.beta);
    assert!(bob_now.teams.is_empty());
    // a bulk change with no roles is refused as a whole, as offline
    let e = same_refusal!(ann.client, local, |api| api.bulk(
        BulkChange::SetRoles { roles: vec![] },
        vec![bob.user.id],
        false
    ));
    assert!(matches!(e, Error::Refused(Refusal::Invalid { .. })), "{e}");
}

async fn sessions_that_end_answer_unauthenticated(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, ann, _) = owner(&app, "Acme", "ann@acme.io").await;
    // signing out ends the session; signing out twice is fine
    let second = connect(&app, &slug, "ann@acme.io").await;
    second.client.sign_out().await.unwrap();
    assert_eq!(
        second.client.me().await.unwrap_err(),
        Error::Refused(Refusal::Unauthenticated)
    );
    assert_eq!(
        second.client.snapshot().await.unwrap_err(),
        Error::Refused(Refusal::Unauthenticated)
    );
    second.client.sign_out().await.unwrap();
    assert!(ann.client.me().await.is_ok(), "other sessions go on");

    // a remembered token resumes the session; a dead one is Unauthenticated
    let resumed = HttpClient::resume(&app.url, fast(), ann.client.token().clone())
        .await
        .unwrap();
    assert_eq!(resumed.user.id, ann.user.id);
    assert_eq!(resumed.workspace.slug, slug);
    let e = HttpClient::resume(&app.url, fast(), second.client.token().clone())
        .await
        .unwrap_err();
    assert_eq!(e, Error::Refused(Refusal::Unauthenticated));

    // revoked: a deleted user's session stops working at once
    let bob = add_user(&app, &ann.client, &slug, "bob@acme.io", vec![Role::Admin]).await;
    ann.client.delete_user(bob.user.id).await.unwrap();
    assert_eq!(
        bob.client.list_teams().await.unwrap_err(),
        Error::Refused(Refusal::Unauthenticated)
    );

    // expired: sessions last 12 hours
    app.clock.advance(time::Duration::hours(13));
    assert_eq!(
        ann.client.me().await.unwrap_err(),
        Error::Refused(Refusal::Unauthenticated)
    );
}

async fn an_expired_invite_is_the_core_error(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, ann, _) = owner(&app, "Acme", "ann@acme.io").await;
    let issued = ann
        .client
        .invite(new_invite("late@acme.io", vec![Role::Agent]))
        .await
        .unwrap();
    app.clock.advance(time::Duration::days(8));
    let e = accept_invite(&app.url, fast(), &issued.token.encode(), PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(e, Error::Refused(Refusal::InviteExpired));
}

async fn reads_page_through_more_than_one_page_of_users(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, ann, local) = owner(&app, "Acme", "ann@acme.io").await;
    // more users than the largest page, added offline (fast) and read online
    for i in 0..atender_admin::service::MAX_PAGE {
        local
            .invite(new_invite(&format!("u{i:04}@acme.io"), vec![Role::Agent]))
            .await
            .unwrap();
    }
    let online = ann.client.snapshot().await.unwrap();
    let offline = local.snapshot().await.unwrap();
    assert_eq!(online.users.len(), atender_admin::service::MAX_PAGE + 1);
    assert_eq!(online.users, offline.users);
    assert_eq!(
        ids(&online.invites, |i| i.user_id.to_string()),
        ids(&offline.invites, |i| i.user_id.to_string())
    );

    // small pages with the cursor give every user once, in order
    let mut seen: Vec<User> = Vec::new();
    let mut after = None;
    loop {
        let page = ann
            .client
            .list_users(UserQuery {
                limit: Some(400),
                after,
                ..UserQuery::default()
            })
            .await
            .unwrap();
        assert!(page.items.len() <= 400);
        seen.extend(page.items);
        match page.next {
            Some(next) => after = Some(next.parse().unwrap()),
            None => break,
        }
    }
    assert_eq!(seen, offline.users);
}

/// A proxy in front of the server whose first connection forwards the request but drops the
/// connection as soon as the answer starts, so the request was handled but the client never
/// hears back. Later connections pass through. Counts connections.
async fn answer_dropping_proxy(upstream: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.trim_start_matches("http://").to_string();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let first = count.fetch_add(1, Ordering::SeqCst) == 0;
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                if first {
                    let (mut client_read, _client_write) = client.split();
                    let (mut server_read, mut server_write) = server.split();
                    let forward = tokio::io::copy(&mut client_read, &mut server_write);
                    let mut byte = [0u8; 1];
                    tokio::select! {
                        _ = forward => {}
                        _ = server_read.read(&mut byte) => {}
                    }
                    // dropping both ends: the client sees the connection close, no answer
                } else {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    let _ = client.shutdown().await;
                }
            });
        }
    });
    (url, connections)
}

async fn a_read_survives_a_dropped_connection_and_a_write_is_not_resent(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, ann, local) = owner(&app, "Acme", "ann@acme.io").await;
    let token = ann.client.token().clone();

    // the read's first connection is dropped; it is tried again on a new one
    let (proxy, connections) = answer_dropping_proxy(app.url.clone()).await;
    let through = HttpClient::resume(&proxy, fast(), token.clone())
        .await
        .expect("the read is retried on a new connection");
    assert_eq!(through.user.id, ann.user.id);
    assert_eq!(connections.load(Ordering::SeqCst), 2);

    // the write reached the server and its answer was lost: unknown outcome, sent once
    let (proxy, connections) = answer_dropping_proxy(app.url.clone()).await;
    let writer = HttpClient::with_session(&proxy, fast(), token).unwrap();
    let e = writer
        .create_team("Support".into())
        .await
        .expect_err("the answer was dropped");
    assert!(
        matches!(e, Error::Client(ClientError::OutcomeUnknown { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("reload"), "{e}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "the write was sent once"
    );
    let teams = local.list_teams().await.unwrap();
    assert_eq!(teams.len(), 1, "the write was handled once");
    assert_eq!(teams[0].name.as_str(), "Support");
    // the same client goes on working once the connection is back
    assert_eq!(writer.list_teams().await.unwrap(), teams);
}

/// A gateway whose server is down: answers every request 503 and counts them.
async fn failing_gateway() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let count = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                count.fetch_add(1, Ordering::SeqCst);
                let _ = conn
                    .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                let _ = conn.shutdown().await;
            });
        }
    });
    (url, requests)
}

/// No store involved (a fake gateway): runs once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_failing_gateway_reads_retry_a_bounded_number_of_times_and_writes_do_not() {
    let (url, requests) = failing_gateway().await;
    let client = HttpClient::with_session(
        &url,
        fast(),
        atender_admin::domain::Token::generate().unwrap(),
    )
    .unwrap();
    let e = client.list_teams().await.unwrap_err();
    assert!(
        matches!(&e, Error::Client(ClientError::Unreachable { detail, .. }) if detail.contains("503")),
        "{e}"
    );
    assert_eq!(
        requests.load(Ordering::SeqCst),
        3,
        "one try and two retries"
    );
    let e = client.create_team("Support".into()).await.unwrap_err();
    assert!(
        matches!(e, Error::Client(ClientError::OutcomeUnknown { .. })),
        "{e}"
    );
    assert_eq!(
        requests.load(Ordering::SeqCst),
        4,
        "the write was sent once"
    );
}

async fn an_unreachable_server_is_reported_within_the_time_limit(store: Backend) {
    // nothing listens: refused at once, retried a bounded number of times
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let started = Instant::now();
    let e = HttpClient::sign_in(&closed, fast(), "acme", "ann@acme.io", PASSWORD)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Client(ClientError::Unreachable { url, .. }) if *url == closed),
        "{e}"
    );
    assert!(!e.to_string().contains(PASSWORD));
    let e = HttpClient::resume(
        &closed,
        fast(),
        atender_admin::domain::Token::generate().unwrap(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, Error::Client(ClientError::Unreachable { .. })),
        "{e}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));

    // TLS (rustls over ring) is set up, and a server that does not speak it is unreachable
    let app = TestApp::spawn(store).await;
    let https = app.url.replace("http://", "https://");
    let e = HttpClient::resume(
        &https,
        fast(),
        atender_admin::domain::Token::generate().unwrap(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, Error::Client(ClientError::Unreachable { url, .. }) if *url == https),
        "{e}"
    );

    // something accepts but never answers: the time limit, not a hang, and no retry of it
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(s);
        }
    });
    let config = ClientConfig {
        request_timeout: Duration::from_millis(300),
        ..fast()
    };
    let token = atender_admin::domain::Token::generate().unwrap();
    let started = Instant::now();
    let e = HttpClient::resume(&silent_url, config.clone(), token.clone())
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert!(
        matches!(&e, Error::Client(ClientError::Unreachable { detail, .. }) if detail.contains("300 ms")),
        "{e}"
    );
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_millis(1500),
        "{waited:?}"
    );
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "a timed-out read is not retried"
    );
    let silent_client = HttpClient::with_session(&silent_url, config, token).unwrap();
    let e = silent_client
        .bulk(BulkChange::Deactivate, vec![UserId::new()], false)
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Client(ClientError::OutcomeUnknown { .. })),
        "{e}"
    );
}

async fn secrets_stay_out_of_debug_output(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, ann, _) = owner(&app, "Acme", "ann@acme.io").await;
    let token = ann.client.token().encode();
    for shown in [format!("{ann:?}"), format!("{:?}", ann.client)] {
        assert!(!shown.contains(&token), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
    let logs = String::from_utf8_lossy(&captured_logs().lock().unwrap()).to_string();
    assert!(!logs.contains(&token));
    assert!(!logs.contains(PASSWORD));
}

on_every_store!(
    signs_in_and_reads_what_the_local_service_reads,
    a_wrong_password_is_the_same_error_as_offline,
    refusals_are_the_core_errors_of_offline_mode,
    bulk_outcomes_have_the_shape_of_offline_mode,
    sessions_that_end_answer_unauthenticated,
    an_expired_invite_is_the_core_error,
    reads_page_through_more_than_one_page_of_users,
    a_read_survives_a_dropped_connection_and_a_write_is_not_resent,
    an_unreachable_server_is_reported_within_the_time_limit,
    secrets_stay_out_of_debug_output
);
