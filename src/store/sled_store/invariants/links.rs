//! The invariants between a user and what hangs off it: invites and their one-time-link index,
//! sessions and their per-user index, team memberships, and the change feed's counter.

use super::*;

/// What `links` needs from the main check: the records it already read, and how to name them.
pub(super) struct Known<'a> {
    pub users: &'a Map<(WorkspaceId, UserId), User>,
    pub teams: &'a BTreeSet<(WorkspaceId, TeamId)>,
    pub ws_name: &'a dyn Fn(&WorkspaceId) -> String,
    pub who: &'a dyn Fn(&WorkspaceId, &UserId) -> String,
}

type Scan<'a> = &'a dyn Fn(u8) -> Result<Vec<(sled::IVec, sled::IVec)>>;

pub(super) fn check(scan: Scan, k: &Known, f: &mut Findings) -> Result<()> {
    invites(scan, k, f)?;
    sessions(scan, k, f)?;
    memberships(k, f);
    change_feed(scan, k, f)
}

/// Both halves of a (workspace, user) pair stored as 32 bytes.
fn pair(bytes: &[u8]) -> Option<(WorkspaceId, UserId)> {
    Some((
        WorkspaceId::from_bytes(id16_of(bytes.get(..16)?)?),
        UserId::from_bytes(id16_of(bytes.get(16..32)?)?),
    ))
}

fn invites(scan: Scan, k: &Known, f: &mut Findings) -> Result<()> {
    let mut pending: Map<[u8; 32], (WorkspaceId, UserId)> = Map::new();
    for (key, v) in scan(keys::INVITE)? {
        let Some(invite) = decode::<Invite>(&v) else {
            continue;
        };
        let (ws, id) = (invite.workspace, invite.user_id);
        if pair(&key[1..]) != Some((ws, id)) || key.len() != 33 {
            f.damage.push(format!(
                "the invite of user {id} names workspace {} but is stored under the key {}",
                (k.ws_name)(&ws),
                hex(&key)
            ));
            continue;
        }
        match k.users.get(&(ws, id)) {
            None => f.damage.push(format!(
                "an invite is kept for {}, who does not exist (an orphan entry)",
                (k.who)(&ws, &id)
            )),
            Some(u) if invite.is_pending() && u.status != UserStatus::Invited => {
                f.damage.push(format!(
                    "{} has a pending invite but is {}",
                    (k.who)(&ws, &id),
                    status_name(keys::status_byte(u.status))
                ))
            }
            Some(_) => {}
        }
        if invite.is_pending() {
            pending.insert(invite.token_hash.0, (ws, id));
        }
    }
    let mut indexed: BTreeSet<[u8; 32]> = BTreeSet::new();
    for (key, v) in scan(keys::INVITE_TOKEN)? {
        let Some(hash) = key.get(1..).and_then(|h| <[u8; 32]>::try_from(h).ok()) else {
            f.damage.push(format!(
                "the invite-link index entry {} has a malformed key",
                hex(&key)
            ));
            continue;
        };
        let target = pair(&v);
        match (target, pending.get(&hash)) {
            (Some(t), Some(p)) if t == *p => {}
            (Some((ws, id)), _) => f.damage.push(format!(
                "the invite-link index entry {} points at the invite of {}, which is not pending under that link (an orphan entry)",
                &hex(&hash)[..12],
                (k.who)(&ws, &id)
            )),
            (None, _) => f.damage.push(format!(
                "the invite-link index entry {} holds a malformed value",
                &hex(&hash)[..12]
            )),
        }
        indexed.insert(hash);
    }
    for (hash, (ws, id)) in &pending {
        if !indexed.contains(hash) {
            f.damage.push(format!(
                "the pending invite of {} is missing from the invite-link index, so its link cannot be accepted",
                (k.who)(ws, id)
            ));
        }
    }
    Ok(())
}

fn sessions(scan: Scan, k: &Known, f: &mut Findings) -> Result<()> {
    let mut sessions: Map<[u8; 32], (WorkspaceId, UserId)> = Map::new();
    for (key, v) in scan(keys::SESSION)? {
        let Some(s) = decode::<Session>(&v) else {
            continue;
        };
        let Some(hash) = key.get(1..).and_then(|h| <[u8; 32]>::try_from(h).ok()) else {
            f.damage
                .push(format!("the session {} has a malformed key", hex(&key)));
            continue;
        };
        if !k.users.contains_key(&(s.workspace, s.user)) {
            f.damage.push(format!(
                "a session is kept for {}, who does not exist (an orphan entry)",
                (k.who)(&s.workspace, &s.user)
            ));
        }
        sessions.insert(hash, (s.workspace, s.user));
    }
    let mut indexed: BTreeSet<[u8; 32]> = BTreeSet::new();
    for (key, _) in scan(keys::USER_SESSION)? {
        let parts = pair(&key[1..]).zip(key.get(33..).and_then(|h| <[u8; 32]>::try_from(h).ok()));
        let Some(((ws, id), hash)) = parts.filter(|_| key.len() == 65) else {
            f.damage.push(format!(
                "the per-user session index entry {} has a malformed key",
                hex(&key)
            ));
            continue;
        };
        if sessions.get(&hash) != Some(&(ws, id)) {
            f.damage.push(format!(
                "the per-user session index lists a session of {} that is not kept for them (an orphan entry)",
                (k.who)(&ws, &id)
            ));
        }
        indexed.insert(hash);
    }
    for (hash, (ws, id)) in &sessions {
        if !indexed.contains(hash) {
            f.damage.push(format!(
                "a session of {} is missing from the per-user session index, so signing them out would miss it",
                (k.who)(ws, id)
            ));
        }
    }
    Ok(())
}

fn memberships(k: &Known, f: &mut Findings) {
    for ((ws, id), u) in k.users {
        for team in u.teams.iter() {
            if !k.teams.contains(&(*ws, *team)) {
                f.damage.push(format!(
                    "{} is a member of team {team}, which is not in that workspace (an orphan entry)",
                    (k.who)(ws, id)
                ));
            }
        }
    }
}

fn change_feed(scan: Scan, k: &Known, f: &mut Findings) -> Result<()> {
    let mut newest: Map<WorkspaceId, u64> = Map::new();
    for (key, _) in scan(keys::CHANGE)? {
        let ws = key
            .get(1..17)
            .and_then(id16_of)
            .map(WorkspaceId::from_bytes);
        let seq = key.get(17..25).map(tx::be_u64);
        if let (Some(ws), Some(seq)) = (ws, seq) {
            let n = newest.entry(ws).or_default();
            *n = (*n).max(seq);
        }
    }
    let mut counted: Map<WorkspaceId, u64> = Map::new();
    for (key, v) in scan(keys::CHANGE_SEQ)? {
        if let Some(ws) = key
            .get(1..17)
            .and_then(id16_of)
            .map(WorkspaceId::from_bytes)
        {
            counted.insert(ws, tx::be_u64(&v));
        }
    }
    for (ws, seq) in newest {
        let c = counted.get(&ws).copied().unwrap_or(0);
        if seq > c {
            f.damage.push(format!(
                "workspace {} counts {c} changes but holds change {seq}, so new changes would overwrite it",
                (k.ws_name)(&ws)
            ));
        }
    }
    Ok(())
}
