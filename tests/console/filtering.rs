//! The console's filter fast paths (search text made once per load, narrowing the previous
//! result while the query only grows) give exactly what a plain full filter gives, on random
//! workspaces and random typing.

use atender_admin::domain::search::{Filter, team_names};
use atender_admin::domain::{
    Email, Invite, PersonName, Role, Roles, Team, TeamId, TeamName, TokenHash, User, UserId,
    UserStatus, Workspace, WorkspaceId, WorkspaceName,
};
use atender_admin::service::Snapshot;
use atender_admin::tui::app::App;
use atender_admin::tui::model::{Context, Tab};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use std::collections::HashMap;
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-28 12:00 UTC);
const NAMES: &[&str] = &[
    "Søren Ærø",
    "Aïcha Benali",
    "Ana Novak",
    "Chloé Dubois",
    "Łukasz Bil",
    "Zoë Billings",
    "Bo Agent",
    "山田 太郎",
    "Émile Ernie",
    "Olu Okafor",
];
const TEAMS: &[&str] = &["Billing", "Tier 2", "Night Shift", "Réseau"];
/// What the typist types: letters that occur in the data, accents, spaces, field terms.
const PIECES: &[&str] = &[
    "a", "b", "i", "l", "o", "s", "e", "n", "ø", "é", " ", "-", "role:", "team:", "beta:",
    "status:", "on", "off", "expired", "invited", "admin", "ag", "\"", "bil", "tier 2",
];

#[derive(Debug, Clone)]
struct Person {
    name: usize,
    display: usize,
    roles: u8,
    teams: Vec<usize>,
    status: u8,
    beta: bool,
    expired: bool,
}

fn person() -> impl Strategy<Value = Person> {
    (
        0..NAMES.len(),
        0..NAMES.len(),
        1u8..16,
        prop::collection::vec(0..TEAMS.len(), 0..3),
        0u8..3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(name, display, roles, teams, status, beta, expired)| Person {
                name,
                display,
                roles,
                teams,
                status,
                beta,
                expired,
            },
        )
}

#[derive(Debug, Clone)]
enum Typed {
    Piece(usize),
    Backspace,
}

fn typed() -> impl Strategy<Value = Typed> {
    prop_oneof![
        4 => (0..PIECES.len()).prop_map(Typed::Piece),
        1 => Just(Typed::Backspace),
    ]
}

fn snapshot(people: &[Person]) -> Snapshot {
    let ws = WorkspaceId::new();
    let teams: Vec<Team> = TEAMS
        .iter()
        .map(|n| Team {
            id: TeamId::new(),
            workspace: ws,
            name: TeamName::parse(n).unwrap(),
            member_count: 0,
            created_at: NOW,
        })
        .collect();
    let mut invites = Vec::new();
    let users: Vec<User> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let roles = Roles::new(
                Role::ALL
                    .into_iter()
                    .filter(|r| p.roles & (1 << *r as u8) != 0),
            )
            .unwrap();
            let mut u = User::new_invited(
                ws,
                Email::parse(&format!("user{i}@example.com")).unwrap(),
                PersonName::parse(NAMES[p.name]).unwrap(),
                PersonName::parse(NAMES[p.display]).unwrap(),
                roles,
                None,
                NOW,
            );
            u.teams = p.teams.iter().map(|&t| teams[t].id).collect();
            u.beta = p.beta;
            u.status = [
                UserStatus::Active,
                UserStatus::Inactive,
                UserStatus::Invited,
            ][p.status as usize];
            if u.status == UserStatus::Invited {
                let offset = if p.expired { -1 } else { 1 };
                invites.push(Invite {
                    user_id: u.id,
                    workspace: ws,
                    sent_by: UserId::new(),
                    sent_at: NOW - time::Duration::days(3),
                    expires_at: NOW + time::Duration::days(offset),
                    times_sent: 1,
                    send_requested: false,
                    email_sent: false,
                    token_hash: TokenHash([0; 32]),
                    accepted_at: None,
                });
            }
            u
        })
        .collect();
    Snapshot {
        workspace: Workspace {
            id: ws,
            name: WorkspaceName::parse("Random").unwrap(),
            slug: "random".into(),
            created_at: NOW,
        },
        seq: 0,
        me: users[0].clone(),
        users,
        invites,
        teams,
    }
}

fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    app.prepare_frame();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn narrowing_gives_what_a_full_filter_gives(
        people in prop::collection::vec(person(), 1..60),
        typing in prop::collection::vec(typed(), 1..25),
    ) {
        let snap = snapshot(&people);
        let names = team_names(&snap.teams);
        let invites: HashMap<UserId, Invite> =
            snap.invites.iter().map(|i| (i.user_id, i.clone())).collect();
        let mut app = App::new(Context::local("TEST", "http://x"));
        app.set_now(NOW);
        app.on_resize(120, 40);
        app.apply_snapshot(snap);
        // Every tab's order with no filter: what the filter picks from.
        let unfiltered: Vec<Vec<usize>> = Tab::ALL.iter().map(|t| app.view_of(*t).rows.clone()).collect();
        key(&mut app, KeyCode::Char('/'));
        for t in &typing {
            match t {
                Typed::Piece(p) => PIECES[*p].chars().for_each(|c| key(&mut app, KeyCode::Char(c))),
                Typed::Backspace => key(&mut app, KeyCode::Backspace),
            }
            let text = app.filter().value().to_string();
            let filter = Filter::new(&text);
            let data = app.data().unwrap();
            for tab in Tab::ALL {
                let expected: Vec<usize> = unfiltered[tab.index()]
                    .iter()
                    .copied()
                    .filter(|&i| {
                        let u = &data.users[i];
                        filter.matches(u, &names, invites.get(&u.id), NOW)
                    })
                    .collect();
                prop_assert_eq!(&app.view_of(tab).rows, &expected, "tab {:?}, filter {:?}", tab, text);
            }
        }
    }
}
