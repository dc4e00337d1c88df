//! The demo workspace, "Demo Support Co": a deterministic (seeded) generator of a realistic
//! support team. The default size is about 250 users; a size parameter scales it to 100,000 for
//! benchmarks. Every record it writes is built from parsed domain types and obeys every rule.

use crate::Result;
use crate::domain::{
    AuditAction, AuditEvent, AuditTarget, Email, EventId, HashCost, Invite, Password, PasswordHash,
    PersonName, Role, Roles, Team, TeamId, TeamName, Token, User, UserId, UserStatus, Workspace,
    WorkspaceId, WorkspaceName,
};
use crate::store::{Store, TxMode};
use std::collections::BTreeSet;
use time::{Duration, OffsetDateTime};

pub const DEMO_NAME: &str = "Demo Support Co";
pub const DEMO_SLUG: &str = "demo-support-co";
pub const DEMO_DOMAIN: &str = "demo-support.example";
/// The password of every active demo user, so the demo can also be used to try signing in.
pub const DEMO_PASSWORD: &str = "demo-password";
pub const DEFAULT_SIZE: u32 = 250;
/// Demos up to this size are written whole. Larger ones are benchmark fixtures, written in
/// seconds: only this many users (and every Owner and Admin) get the demo password,
/// and the activity log keeps only its last `LARGE_DEMO_LOG_DAYS` days. Every key written costs
/// sled a few microseconds; this keeps a 100,000-user demo at about 3.5 keys per user, not 10.
pub const FULL_DEMO_UP_TO: usize = 5_000;
const LARGE_DEMO_LOG_DAYS: i64 = 90;
const SEED: u64 = 0x0A7E_17DE_2026;

/// A small, stable PRNG (SplitMix64): the demo must not change when a crate's RNG does.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// A time-ordered id at a given instant, with random bits from this generator.
    fn uuid_at(&mut self, at: OffsetDateTime) -> uuid::Uuid {
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&self.next().to_be_bytes());
        bytes[8..].copy_from_slice(&self.next().to_be_bytes()[..2]);
        let millis = (at.unix_timestamp_nanos() / 1_000_000).max(0) as u64;
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
    }
}

const FIRST: &[&str] = &[
    "Ana",
    "Bruno",
    "Chloé",
    "Daniel",
    "Elif",
    "Farah",
    "Gustavo",
    "Hana",
    "Ivan",
    "Julia",
    "Kenji",
    "Léa",
    "Mateus",
    "Nadia",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosa",
    "Søren",
    "Tomás",
    "Uma",
    "Valentina",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zoë",
    "Łukasz",
    "Björn",
    "Ingrid",
    "Amélie",
    "Noah",
    "Mia",
    "Lucas",
    "Sofía",
    "Ethan",
    "Aïcha",
    "Ravi",
    "Emma",
    "Olu",
    "Grace",
];
const LAST: &[&str] = &[
    "Silva",
    "Okafor",
    "Müller",
    "García",
    "Nguyen",
    "Kowalski",
    "Haddad",
    "Johansson",
    "Rossi",
    "Tanaka",
    "O'Brien",
    "Dubois",
    "Petrov",
    "Costa",
    "Schmidt",
    "Yılmaz",
    "Andersen",
    "Moreau",
    "Lindqvist",
    "Fernández",
    "Kim",
    "Novak",
    "Pereira",
    "Walsh",
    "Ibrahim",
    "Santos",
    "Bauer",
];
const CJK: &[(&str, &str)] = &[
    ("山田 太郎", "yamada.taro"),
    ("王 芳", "wang.fang"),
    ("김 민준", "kim.minjun"),
    ("佐藤 花子", "sato.hanako"),
    ("陳 志明", "chen.zhiming"),
];
const TEAMS: &[&str] = &[
    "Billing",
    "Technical Support",
    "Onboarding",
    "Enterprise",
    "Returns",
    "Night Shift",
];
const LONG_NAME: &str = "Maria Fernanda Guadalupe de los Ángeles Villanueva-Castellanos y Montenegro de la Santísima Trinidad";

/// ASCII email local part from a name: "Chloé Müller" → "chloe.muller".
fn ascii_local(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let mapped = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'Á' => "a",
            'é' | 'è' | 'ê' | 'ë' | 'É' => "e",
            'í' | 'ï' | 'ı' | 'Í' => "i",
            'ó' | 'ö' | 'ø' | 'ô' | 'Ø' | 'Ó' => "o",
            'ú' | 'ü' | 'Ú' => "u",
            'ñ' => "n",
            'ç' => "c",
            'ł' | 'Ł' => "l",
            ' ' | '-' => ".",
            c if c.is_ascii_alphanumeric() => {
                out.push(c.to_ascii_lowercase());
                continue;
            }
            _ => "",
        };
        out.push_str(mapped);
    }
    out
}

struct Draft {
    name: String,
    local: String,
    roles: Roles,
    status: UserStatus,
}

/// The users of a demo of `size` users, in creation order. Role and status mix follows the
/// product's typical workspace: 1 Owner, 2 Admins, ~4% Supervisors, ~8% inactive, ~5% invited.
fn drafts(rng: &mut Rng, size: usize) -> Vec<Draft> {
    let size = size.max(20);
    let supervisors = (size / 25).max(2);
    let inactive = (size / 12).max(2);
    let invited = (size / 20).max(3);
    let mut out = Vec::with_capacity(size);
    let mut used = BTreeSet::new();
    for i in 0..size {
        let (roles, status) = match i {
            0 => (Roles::one(Role::Owner), UserStatus::Active),
            1 | 2 => (Roles::one(Role::Admin), UserStatus::Active),
            i if i < 3 + supervisors => {
                let r = if rng.chance(30) {
                    Roles::new([Role::Supervisor, Role::Agent])
                } else {
                    Ok(Roles::one(Role::Supervisor))
                };
                (
                    r.unwrap_or(Roles::one(Role::Supervisor)),
                    UserStatus::Active,
                )
            }
            i if i >= size - invited => {
                let role = if rng.chance(15) {
                    Role::Supervisor
                } else {
                    Role::Agent
                };
                (Roles::one(role), UserStatus::Invited)
            }
            i if i >= size - invited - inactive => (Roles::one(Role::Agent), UserStatus::Inactive),
            _ => (Roles::one(Role::Agent), UserStatus::Active),
        };
        let (name, mut local) = match i {
            7 => (LONG_NAME.to_string(), "maria.villanueva".to_string()),
            i if i % 37 == 11 => {
                let (n, l) = CJK[rng.below(CJK.len())];
                (n.to_string(), l.to_string())
            }
            _ => {
                let n = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
                let l = ascii_local(&n);
                (n, l)
            }
        };
        if !used.insert(local.clone()) {
            local = format!("{local}{i}");
            used.insert(local.clone());
        }
        out.push(Draft {
            name,
            local,
            roles,
            status,
        });
    }
    out
}

/// Seeds the demo workspace into `store` unless it is already there; returns it and its Owner.
/// Deterministic for a given `now` and `size` (invite tokens aside: they are random, and only
/// their hashes are kept, so a demo invite link is obtained by resending it).
pub fn seed<S: Store>(
    store: &S,
    now: OffsetDateTime,
    size: usize,
    cost: HashCost,
) -> Result<(Workspace, User)> {
    seed_with_progress(store, now, size, cost, &|_, _| {})
}

/// `seed`, telling `progress(users written, users in all)` as it goes.
pub fn seed_with_progress<S: Store>(
    store: &S,
    now: OffsetDateTime,
    size: usize,
    cost: HashCost,
    progress: &dyn Fn(usize, usize),
) -> Result<(Workspace, User)> {
    seed_in_full_up_to(store, now, size, cost, progress, FULL_DEMO_UP_TO)
}

fn seed_in_full_up_to<S: Store>(
    store: &S,
    now: OffsetDateTime,
    size: usize,
    cost: HashCost,
    progress: &dyn Fn(usize, usize),
    full_up_to: usize,
) -> Result<(Workspace, User)> {
    if let Some(found) = find(store)? {
        return Ok(found);
    }
    let mut rng = Rng(SEED);
    let start = now - Duration::days(400);
    let ws = Workspace {
        id: WorkspaceId::from_uuid(rng.uuid_at(start)),
        name: WorkspaceName::parse(DEMO_NAME)?,
        slug: DEMO_SLUG.into(),
        created_at: start,
    };
    let mut teams: Vec<Team> = TEAMS
        .iter()
        .map(|name| {
            Ok(Team {
                id: TeamId::from_uuid(rng.uuid_at(start)),
                workspace: ws.id,
                name: TeamName::parse(name)?,
                member_count: 0,
                created_at: start,
            })
        })
        .collect::<Result<_>>()?;
    let password = PasswordHash::new(&Password::parse(DEMO_PASSWORD)?, cost)?;
    let drafts = drafts(&mut rng, size);
    let span = (now - Duration::days(30) - start).whole_seconds().max(1) as u64;
    let mut users: Vec<User> = Vec::with_capacity(drafts.len());
    let mut invites = Vec::new();
    let mut events = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        // Creation times spread over the first year, in order.
        let created = start + Duration::seconds((span * i as u64 / drafts.len() as u64) as i64);
        let created = if d.status == UserStatus::Invited {
            now - Duration::days(rng.below(14) as i64) - Duration::hours(rng.below(20) as i64 + 1)
        } else {
            created
        };
        let id = UserId::from_uuid(rng.uuid_at(created));
        let mut team_ids = BTreeSet::new();
        if !d.roles.can_manage() {
            let t = rng.below(teams.len());
            team_ids.insert(teams[t].id);
            // a few people work in several teams
            if rng.chance(8) {
                team_ids.insert(teams[(t + 1 + rng.below(teams.len() - 1)) % teams.len()].id);
            }
        }
        for t in &mut teams {
            if team_ids.contains(&t.id) {
                t.member_count += 1;
            }
        }
        let name = PersonName::parse(&d.name)?;
        let display = if d.name.contains(' ') && rng.chance(25) && !d.name.contains('山') {
            PersonName::parse(d.name.split(' ').next().unwrap_or(&d.name))?
        } else {
            name.clone()
        };
        let inviter = if i == 0 {
            None
        } else {
            Some(users[rng.below(3.min(users.len()))].id)
        };
        let deactivated_by = (d.status == UserStatus::Inactive).then(|| users[rng.below(3)].id);
        // Dates in the order they happen: joined, signed in, deactivated (a draw that would fall
        // before joining is moved into what is left between joining and now).
        let deactivated_at = deactivated_by.map(|_| {
            let at = now - Duration::days(rng.below(90) as i64 + 1);
            if at > created {
                at
            } else {
                created + (now - created) / 2
            }
        });
        // Drawn here, as before the dates were kept in order: the same demo for the same seed.
        let beta = d.status == UserStatus::Active && rng.chance(6);
        let signed_in_by = deactivated_at.unwrap_or(now);
        let last_login_at = (d.status != UserStatus::Invited).then(|| {
            let draw = rng.below(24 * 60);
            let at = now - Duration::hours(draw as i64 + 1);
            if at > created && at < signed_in_by {
                at
            } else {
                created + (signed_in_by - created) * (draw as f64 / (24.0 * 60.0))
            }
        });
        let user = User {
            id,
            workspace: ws.id,
            email: Email::parse(&format!("{}@{DEMO_DOMAIN}", d.local))?,
            full_name: name,
            display_name: display,
            roles: d.roles,
            teams: team_ids.into_iter().collect(),
            status: d.status,
            beta,
            created_at: created,
            updated_at: deactivated_at.unwrap_or(created),
            invited_by: inviter,
            last_login_at,
            deactivated_at,
            deactivated_by,
            version: 1,
            session_epoch: u32::from(deactivated_at.is_some()),
        };
        let event = |rng: &mut Rng, action, at, actor: Option<&User>, detail: String| AuditEvent {
            id: EventId::from_uuid(rng.uuid_at(at)),
            workspace: ws.id,
            at,
            actor: actor.map(|a| a.id),
            actor_label: actor.map_or("system".into(), |a| a.email.to_string()),
            action,
            target: AuditTarget::User(user.id),
            target_label: user.email.to_string(),
            detail,
        };
        let inviter_user = inviter.and_then(|id| users.iter().find(|u| u.id == id));
        events.push(event(
            &mut rng,
            AuditAction::UserInvited,
            created,
            inviter_user,
            format!("as {}", user.roles),
        ));
        if d.status == UserStatus::Invited {
            // Every invite lives as long as a real one; those sent more than that long ago
            // (created up to 14 days back) have expired.
            let sent_at = created;
            let lifetime = crate::domain::DEFAULT_INVITE_LIFETIME;
            // This draw once chose a 1-day lifetime; it stays so that every later random
            // choice, and so the demo workspace people and tests know, is unchanged.
            let _ = rng.chance(35);
            invites.push(Invite {
                user_id: user.id,
                workspace: ws.id,
                sent_by: inviter.unwrap_or(user.id),
                sent_at,
                expires_at: sent_at + lifetime,
                times_sent: 1 + u32::from(rng.chance(20)),
                send_requested: true,
                email_sent: false,
                token_hash: Token::generate()?.hash(),
                accepted_at: None,
            });
        } else {
            events.push(event(
                &mut rng,
                AuditAction::InviteAccepted,
                created + Duration::hours(3),
                Some(&user),
                "password set".into(),
            ));
        }
        if let (Some(at), Some(by)) = (deactivated_at, deactivated_by) {
            let by = users.iter().find(|u| u.id == by);
            events.push(event(
                &mut rng,
                AuditAction::UserDeactivated,
                at,
                by,
                String::new(),
            ));
        }
        users.push(user);
    }
    let large = users.len() > full_up_to;
    if large {
        let window = now - Duration::days(LARGE_DEMO_LOG_DAYS);
        events.retain(|e| e.at >= window);
    }
    let has_password = |i: usize, u: &User| {
        u.status != UserStatus::Invited && (!large || i < full_up_to || u.roles.can_manage())
    };
    // A bulk load, not transactions: the workspace is new and nobody else writes to it yet.
    let total = users.len();
    store.bulk_load(&mut |tx| {
        tx.put_workspace(&ws)?;
        for t in &teams {
            tx.put_team(t)?;
        }
        for (i, u) in users.iter().enumerate() {
            tx.put_user(u)?;
            if has_password(i, u) {
                tx.put_password(ws.id, u.id, &password)?;
            }
            if i % 2000 == 0 {
                progress(i, total);
            }
        }
        invites.iter().try_for_each(|i| tx.put_invite(i))?;
        events.iter().try_for_each(|e| tx.append_audit(e))
    })?;
    progress(total, total);
    Ok((ws, users.swap_remove(0)))
}

/// The demo workspace and its Owner, if the store holds it.
pub fn find<S: Store>(store: &S) -> Result<Option<(Workspace, User)>> {
    let Some(ws) = store
        .workspaces()?
        .into_iter()
        .find(|w| w.slug == DEMO_SLUG)
    else {
        return Ok(None);
    };
    Ok(first_active_owner(store, ws.id)?.map(|o| (ws, o)))
}

/// Who acts offline when `--as` names nobody: the longest-standing active Owner, the one who
/// joined the workspace first (its creator, while they are an active Owner), ties by id. Making
/// someone else an Owner never changes it unless they joined earlier. Reads only the Owners.
pub fn first_active_owner<S: Store>(store: &S, ws: WorkspaceId) -> Result<Option<User>> {
    store.transact(TxMode::DryRun, &|tx| {
        let mut owners = Vec::new();
        for id in tx.active_owners(ws)? {
            owners.extend(tx.user(ws, id)?);
        }
        Ok(owners.into_iter().min_by_key(|u| (u.created_at, u.id)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_actor_is_the_owner_who_joined_first() {
        use crate::store::SledStore;
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let (ws, first) = seed(
            &store,
            OffsetDateTime::now_utc(),
            40,
            HashCost::insecure_for_tests(),
        )
        .unwrap();
        assert_eq!(
            first_active_owner(&store, ws.id).unwrap().unwrap().id,
            first.id
        );
        // Another Owner who joined earlier (whatever their id) is longer-standing.
        let mut other = store
            .users(ws.id)
            .unwrap()
            .into_iter()
            .find(|u| u.status == crate::domain::UserStatus::Active && u.id != first.id)
            .unwrap();
        other.roles = crate::domain::Roles::new([crate::domain::Role::Owner]).unwrap();
        other.created_at = first.created_at - time::Duration::days(1);
        store
            .transact(TxMode::Commit, &|tx| tx.put_user(&other))
            .unwrap();
        assert_eq!(
            first_active_owner(&store, ws.id).unwrap().unwrap().id,
            other.id
        );
    }

    #[test]
    fn a_large_demo_keeps_passwords_for_its_first_users_and_a_recent_log() {
        use crate::store::SledStore;
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let now = OffsetDateTime::now_utc();
        let cost = HashCost::insecure_for_tests();
        let (ws, owner) = seed_in_full_up_to(&store, now, 300, cost, &|_, _| {}, 40).unwrap();
        let mut users = Vec::new();
        store
            .scan_users(ws.id, None, None, &mut |u| {
                users.push(u);
                Ok(true)
            })
            .unwrap();
        assert_eq!(users.len(), 300);
        assert!(store.has_password(ws.id, owner.id).unwrap());
        let with_password = users
            .iter()
            .filter(|u| store.has_password(ws.id, u.id).unwrap())
            .count();
        // The first 40 users (Owner and Admins among them), none of the others.
        assert!((30..=40).contains(&with_password), "{with_password}");
        let log = store.audit_page(ws.id, None, 10_000).unwrap();
        assert!(!log.is_empty());
        let window = now - Duration::days(LARGE_DEMO_LOG_DAYS);
        assert!(log.iter().all(|e| e.at >= window));
    }

    #[test]
    fn demo_invites_live_as_long_as_real_ones() {
        use crate::store::SledStore;
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let now = OffsetDateTime::now_utc();
        let (ws, _) = seed(&store, now, 250, HashCost::insecure_for_tests()).unwrap();
        let invites = store.invites(ws.id).unwrap();
        assert_eq!(invites.len(), 12);
        for i in &invites {
            // "sent 2d ago, expired 18h ago" can't happen: each lives the core's lifetime
            assert_eq!(
                i.expires_at - i.sent_at,
                crate::domain::DEFAULT_INVITE_LIFETIME
            );
            assert_eq!(
                i.is_expired(now),
                now - i.sent_at >= crate::domain::DEFAULT_INVITE_LIFETIME
            );
        }
        // the demo shows both kinds
        assert!(invites.iter().any(|i| i.is_expired(now)));
        assert!(invites.iter().any(|i| !i.is_expired(now)));
    }

    #[test]
    fn dates_happen_in_order() {
        for size in [250, 3_000] {
            let dir = tempfile::tempdir().unwrap();
            let store = crate::store::SledStore::open(dir.path()).unwrap();
            let now = time::macros::datetime!(2026-11-28 12:00 UTC);
            let (ws, _) = seed(&store, now, size, HashCost::insecure_for_tests()).unwrap();
            let users = store.users(ws.id).unwrap();
            assert_eq!(users.len(), size);
            for u in &users {
                assert!(u.created_at <= now, "{}: created in the future", u.email);
                if let Some(at) = u.last_login_at {
                    assert!(at >= u.created_at, "{}: signed in before joining", u.email);
                    assert!(at <= now, "{}: signed in in the future", u.email);
                }
                if let Some(at) = u.deactivated_at {
                    assert!(at > u.created_at, "{}: deactivated before joining", u.email);
                    assert!(at <= now, "{}", u.email);
                    if let Some(login) = u.last_login_at {
                        assert!(
                            login <= at,
                            "{}: signed in after being deactivated",
                            u.email
                        );
                    }
                }
                assert!(u.updated_at >= u.created_at, "{}", u.email);
            }
        }
    }

    #[test]
    fn email_locals_are_ascii() {
        assert_eq!(ascii_local("Chloé Müller"), "chloe.muller");
        assert_eq!(ascii_local("Łukasz O'Brien"), "lukasz.obrien");
    }

    #[test]
    fn default_mix_matches_the_brief() {
        let d = drafts(&mut Rng(SEED), DEFAULT_SIZE as usize);
        let count = |f: &dyn Fn(&Draft) -> bool| d.iter().filter(|x| f(x)).count();
        assert_eq!(count(&|x| x.roles.is_owner()), 1);
        assert_eq!(count(&|x| x.roles.contains(Role::Admin)), 2);
        assert_eq!(
            count(&|x| x.roles.contains(Role::Supervisor) && x.status == UserStatus::Active),
            10
        );
        assert_eq!(count(&|x| x.status == UserStatus::Inactive), 20);
        assert_eq!(count(&|x| x.status == UserStatus::Invited), 12);
        assert!(count(&|x| x.roles == Roles::one(Role::Agent)) >= 200);
        assert!(d.iter().any(|x| x.name == LONG_NAME));
        assert!(d.iter().any(|x| !x.name.is_ascii()));
    }
}
