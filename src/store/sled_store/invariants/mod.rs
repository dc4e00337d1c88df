//! The store's invariants, read over a whole sled store: what `check_integrity` verifies once
//! every record decodes. Structural problems (a record filed under another workspace, two
//! workspaces with one slug, indexes that disagree with the records, counters that miscount,
//! a missing active-Owner set) are damage; names and emails that today's domain rules refuse
//! are only reported, since they are older data the rules have since tightened.

use super::*;
use crate::domain::{PersonName, TeamName, WorkspaceName};
use std::collections::BTreeMap as Map;

use crate::store::Findings;

mod links;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn id16_of(bytes: &[u8]) -> Option<[u8; 16]> {
    <[u8; 16]>::try_from(bytes).ok()
}

fn decode<T: DeserializeOwned>(v: &[u8]) -> Option<T> {
    serde_json::from_slice(v).ok()
}

/// Reads every record kind the invariants speak of and compares them. Assumes every record
/// decodes (checked before); one that doesn't is skipped here.
pub(super) fn check(db: &sled::Db) -> Result<Findings> {
    let mut f = Findings::default();
    let scan = |kind: u8| -> Result<Vec<(sled::IVec, sled::IVec)>> {
        db.scan_prefix([kind])
            .map(|kv| kv.map_err(from_sled))
            .collect()
    };
    // Workspaces, by id, and slugs.
    let mut workspaces: Map<WorkspaceId, Workspace> = Map::new();
    let mut by_slug: Map<String, Vec<WorkspaceId>> = Map::new();
    for (k, v) in scan(keys::WORKSPACE)? {
        let Some(ws) = decode::<Workspace>(&v) else {
            continue;
        };
        if k[1..] != ws.id.as_bytes()[..] {
            f.damage.push(format!(
                "workspace {} ({}) is stored under the key of workspace {}",
                ws.slug,
                ws.id,
                hex(&k[1..])
            ));
        }
        if WorkspaceName::parse(ws.name.as_str()).is_err() {
            f.warnings.push(format!(
                "workspace {} ({}): its name {:?} breaks today's name rules",
                ws.slug,
                ws.id,
                ws.name.as_str()
            ));
        }
        by_slug.entry(ws.slug.clone()).or_default().push(ws.id);
        workspaces.insert(ws.id, ws);
    }
    for (slug, ids) in &by_slug {
        if ids.len() > 1 {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            f.damage.push(format!(
                "the slug {slug} belongs to {} workspaces: {}",
                ids.len(),
                ids.join(", ")
            ));
        }
    }
    let mut slug_index: Map<String, WorkspaceId> = Map::new();
    for (k, v) in scan(keys::SLUG)? {
        let slug = String::from_utf8_lossy(&k[1..]).into_owned();
        let Some(id) = id16_of(&v).map(WorkspaceId::from_bytes) else {
            continue;
        };
        match workspaces.get(&id) {
            Some(ws) if ws.slug == slug => {}
            Some(ws) => f.damage.push(format!(
                "the slug index entry {slug} points at workspace {} ({id}), whose slug is {}",
                ws.slug, ws.id
            )),
            None => f.damage.push(format!(
                "the slug index entry {slug} points at workspace {id}, which does not exist"
            )),
        }
        slug_index.insert(slug, id);
    }
    for ws in workspaces.values() {
        if slug_index.get(&ws.slug) != Some(&ws.id) {
            f.damage.push(format!(
                "workspace {} ({}) is missing from the slug index",
                ws.slug, ws.id
            ));
        }
    }
    let ws_name = |id: &WorkspaceId| {
        workspaces.get(id).map_or_else(
            || format!("{id} (missing)"),
            |w| format!("{} ({id})", w.slug),
        )
    };

    // Users, by (workspace, id).
    let mut users: Map<(WorkspaceId, UserId), User> = Map::new();
    for (k, v) in scan(keys::USER)? {
        let Some(user) = decode::<User>(&v) else {
            continue;
        };
        let (Some(kw), Some(ku)) = (
            id16_of(&k[1..17.min(k.len())]),
            id16_of(&k[17.min(k.len())..]),
        ) else {
            f.damage.push(format!(
                "user {} ({}) has a malformed key {}",
                user.id,
                user.email.as_str(),
                hex(&k)
            ));
            continue;
        };
        let (kw, ku) = (WorkspaceId::from_bytes(kw), UserId::from_bytes(ku));
        if kw != user.workspace || ku != user.id {
            f.damage.push(format!(
                "user {} ({}) names workspace {} but is stored under workspace {} as user {ku}",
                user.id,
                user.email.as_str(),
                ws_name(&user.workspace),
                ws_name(&kw)
            ));
            continue;
        }
        if !workspaces.contains_key(&kw) {
            f.damage.push(format!(
                "user {} ({}) belongs to workspace {kw}, which does not exist",
                user.id,
                user.email.as_str()
            ));
        }
        let who = format!(
            "user {} ({}) in workspace {}",
            user.id,
            user.email.as_str(),
            ws_name(&kw)
        );
        if Email::parse(user.email.as_str()).is_err() {
            f.warnings
                .push(format!("{who}: its email breaks today's email rules"));
        }
        if PersonName::parse(user.full_name.as_str()).is_err() {
            f.warnings.push(format!(
                "{who}: its full name {:?} breaks today's name rules",
                user.full_name.as_str()
            ));
        }
        if PersonName::parse(user.display_name.as_str()).is_err() {
            f.warnings.push(format!(
                "{who}: its display name {:?} breaks today's name rules",
                user.display_name.as_str()
            ));
        }
        users.insert((kw, ku), user);
    }
    let who = |ws: &WorkspaceId, id: &UserId| match users.get(&(*ws, *id)) {
        Some(u) => format!(
            "user {id} ({}) in workspace {}",
            u.email.as_str(),
            ws_name(ws)
        ),
        None => format!("user {id} in workspace {}", ws_name(ws)),
    };

    // The email index, both ways.
    let mut email_index: BTreeSet<(WorkspaceId, String)> = BTreeSet::new();
    for (k, v) in scan(keys::EMAIL)? {
        let Some(kw) = k.get(1..17).and_then(id16_of).map(WorkspaceId::from_bytes) else {
            continue;
        };
        let email = String::from_utf8_lossy(&k[17..]).into_owned();
        let Some(id) = id16_of(&v).map(UserId::from_bytes) else {
            continue;
        };
        match users.get(&(kw, id)) {
            Some(u) if u.email.as_str() == email => {}
            Some(u) => f.damage.push(format!(
                "the email index entry {email} in workspace {} points at user {id}, whose email is {}",
                ws_name(&kw),
                u.email.as_str()
            )),
            None => f.damage.push(format!(
                "the email index entry {email} in workspace {} points at user {id}, who is not in that workspace (an orphan entry)",
                ws_name(&kw)
            )),
        }
        email_index.insert((kw, email));
    }
    for ((ws, id), u) in &users {
        if !email_index.contains(&(*ws, u.email.as_str().to_string())) {
            f.damage
                .push(format!("{} is missing from the email index", who(ws, id)));
        }
    }

    // Active Owners.
    let mut owner_sets: Map<WorkspaceId, BTreeSet<UserId>> = Map::new();
    for (k, v) in scan(keys::OWNERS)? {
        let Some(kw) = id16_of(&k[1..]).map(WorkspaceId::from_bytes) else {
            continue;
        };
        let Some(set) = decode::<BTreeSet<UserId>>(&v) else {
            continue;
        };
        owner_sets.insert(kw, set);
    }
    let mut actual_owners: Map<WorkspaceId, BTreeSet<UserId>> = Map::new();
    let mut with_users: BTreeSet<WorkspaceId> = BTreeSet::new();
    let mut pending_owner: BTreeSet<WorkspaceId> = BTreeSet::new();
    for ((ws, id), u) in &users {
        with_users.insert(*ws);
        if u.is_active_owner() {
            actual_owners.entry(*ws).or_default().insert(*id);
        }
        if u.roles.is_owner() && u.status == UserStatus::Invited {
            pending_owner.insert(*ws);
        }
    }
    let empty = BTreeSet::new();
    for ws in with_users
        .iter()
        .chain(owner_sets.keys())
        .collect::<BTreeSet<_>>()
    {
        let actual = actual_owners.get(ws).unwrap_or(&empty);
        match owner_sets.get(ws) {
            // A new workspace whose first Owner has not accepted yet has no set.
            None if !actual.is_empty() => f.damage.push(format!(
                "workspace {} has active Owners but no active-Owner set",
                ws_name(ws)
            )),
            None => {}
            Some(set) => {
                for id in set.difference(actual) {
                    f.damage.push(format!(
                        "the active-Owner set of workspace {} holds {}, who is not an active Owner",
                        ws_name(ws),
                        who(ws, id)
                    ));
                }
                for id in actual.difference(set) {
                    f.damage.push(format!(
                        "{} is an active Owner missing from the active-Owner set",
                        who(ws, id)
                    ));
                }
            }
        }
        // Before its first Owner accepts, a workspace's only Owner is invited.
        if with_users.contains(ws) && actual.is_empty() && !pending_owner.contains(ws) {
            f.damage.push(format!(
                "workspace {} has users but no active Owner (nor an invited first one)",
                ws_name(ws)
            ));
        }
    }

    // Status indexes and counters.
    let mut status_index: BTreeSet<(WorkspaceId, u8, UserId)> = BTreeSet::new();
    for (k, _) in scan(keys::USER_STATUS)? {
        if k.len() != 34 {
            f.damage.push(format!(
                "the status index entry {} has a malformed key",
                hex(&k)
            ));
            continue;
        }
        let (Some(kw), Some(ku)) = (id16_of(&k[1..17]), id16_of(&k[18..34])) else {
            continue;
        };
        let (kw, ku) = (WorkspaceId::from_bytes(kw), UserId::from_bytes(ku));
        match users.get(&(kw, ku)) {
            Some(u) if keys::status_byte(u.status) == k[17] => {}
            Some(_) => f.damage.push(format!(
                "the status index files {} under a status it does not have",
                who(&kw, &ku)
            )),
            None => f.damage.push(format!(
                "the status index holds {}, who does not exist (an orphan entry)",
                who(&kw, &ku)
            )),
        }
        status_index.insert((kw, k[17], ku));
    }
    let mut counted: Map<(WorkspaceId, u8), u64> = Map::new();
    for ((ws, id), u) in &users {
        let s = keys::status_byte(u.status);
        *counted.entry((*ws, s)).or_default() += 1;
        if !status_index.contains(&(*ws, s, *id)) {
            f.damage
                .push(format!("{} is missing from the status index", who(ws, id)));
        }
    }
    let mut counters: Map<(WorkspaceId, u8), u64> = Map::new();
    for (k, v) in scan(keys::STATUS_COUNT)? {
        let Some(kw) = k.get(1..17).and_then(id16_of).map(WorkspaceId::from_bytes) else {
            continue;
        };
        let Some(&s) = k.get(17) else { continue };
        counters.insert((kw, s), tx::be_u64(&v));
    }
    for key in counted
        .keys()
        .chain(counters.keys())
        .collect::<BTreeSet<_>>()
    {
        let (c, n) = (
            counters.get(key).copied().unwrap_or(0),
            counted.get(key).copied().unwrap_or(0),
        );
        if c != n {
            f.damage.push(format!(
                "workspace {} counts {c} users of status {} but holds {n}",
                ws_name(&key.0),
                status_name(key.1)
            ));
        }
    }

    // Teams: key, name index, member counts.
    let mut teams: Map<(WorkspaceId, TeamId), Team> = Map::new();
    for (k, v) in scan(keys::TEAM)? {
        let Some(team) = decode::<Team>(&v) else {
            continue;
        };
        let kw = k.get(1..17).and_then(id16_of).map(WorkspaceId::from_bytes);
        let kt = k.get(17..).and_then(id16_of).map(TeamId::from_bytes);
        if kw != Some(team.workspace) || kt != Some(team.id) {
            f.damage.push(format!(
                "team {} ({}) names workspace {} but is stored under the key {}",
                team.id,
                team.name.as_str(),
                ws_name(&team.workspace),
                hex(&k)
            ));
            continue;
        }
        if TeamName::parse(team.name.as_str()).is_err() {
            f.warnings.push(format!(
                "team {} ({:?}) in workspace {}: its name breaks today's name rules",
                team.id,
                team.name.as_str(),
                ws_name(&team.workspace)
            ));
        }
        teams.insert((team.workspace, team.id), team);
    }
    let mut members: Map<(WorkspaceId, TeamId), u64> = Map::new();
    for ((ws, _), u) in &users {
        for t in u.teams.iter() {
            *members.entry((*ws, *t)).or_default() += 1;
        }
    }
    for ((ws, id), team) in &teams {
        let n = members.get(&(*ws, *id)).copied().unwrap_or(0);
        if team.member_count != n {
            f.damage.push(format!(
                "team {id} ({}) in workspace {} counts {} members but has {n}",
                team.name.as_str(),
                ws_name(ws),
                team.member_count
            ));
        }
    }
    let mut name_index: BTreeSet<(WorkspaceId, TeamId)> = BTreeSet::new();
    for (k, v) in scan(keys::TEAM_NAME)? {
        let Some(kw) = k.get(1..17).and_then(id16_of).map(WorkspaceId::from_bytes) else {
            continue;
        };
        let folded = String::from_utf8_lossy(&k[17..]).into_owned();
        let Some(id) = id16_of(&v).map(TeamId::from_bytes) else {
            continue;
        };
        match teams.get(&(kw, id)) {
            Some(t) if t.name.folded() == folded => {}
            Some(t) => f.damage.push(format!(
                "the team-name index entry {folded} in workspace {} points at team {id}, named {}",
                ws_name(&kw),
                t.name.as_str()
            )),
            None => f.damage.push(format!(
                "the team-name index entry {folded} in workspace {} points at team {id}, which does not exist (an orphan entry)",
                ws_name(&kw)
            )),
        }
        name_index.insert((kw, id));
    }
    for ((ws, id), t) in &teams {
        if !name_index.contains(&(*ws, *id)) {
            f.damage.push(format!(
                "team {id} ({}) in workspace {} is missing from the team-name index",
                t.name.as_str(),
                ws_name(ws)
            ));
        }
    }
    // Passwords with no user behind them.
    for (k, _) in scan(keys::PASSWORD)? {
        let kw = k.get(1..17).and_then(id16_of).map(WorkspaceId::from_bytes);
        let ku = k.get(17..).and_then(id16_of).map(UserId::from_bytes);
        if let (Some(kw), Some(ku)) = (kw, ku)
            && !users.contains_key(&(kw, ku))
        {
            f.damage.push(format!(
                "a password hash is kept for {}, who does not exist (an orphan entry)",
                who(&kw, &ku)
            ));
        }
    }
    let team_ids: BTreeSet<(WorkspaceId, TeamId)> = teams.keys().copied().collect();
    links::check(
        &scan,
        &links::Known {
            users: &users,
            teams: &team_ids,
            ws_name: &ws_name,
            who: &who,
        },
        &mut f,
    )?;
    Ok(f)
}

fn status_name(b: u8) -> &'static str {
    match b {
        0 => "invited",
        1 => "active",
        2 => "inactive",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests;
