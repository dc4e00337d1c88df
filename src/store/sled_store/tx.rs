//! Index keeping: a `Tx` over the key-value layer that keeps the derived indexes (email,
//! status, counts, Owners, team names, tokens, audit, change feed) consistent with the
//! records. No product rule is decided here, and no engine is opened.

use super::*;

/// What the change feed records for one write.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Changed {
    User(UserId),
    Team(TeamId),
    Workspace(WorkspaceId),
}

pub(super) const CHANGE_USER: u8 = b'U';
pub(super) const CHANGE_TEAM: u8 = b'T';
pub(super) const CHANGE_WORKSPACE: u8 = b'W';

/// How many changes the feed keeps per workspace by default; a reader further behind reloads.
pub(super) const CHANGES_KEPT: u64 = 100_000;

/// A `Tx` over key-value operations: keeps the derived indexes (email, status, counts, Owners,
/// team names, tokens, audit, change feed) consistent with the records.
pub(super) struct SledTx<K: Kv> {
    pub(super) kv: K,
    /// false in a bulk load: the feed's floor moves past the load instead of recording it.
    record_changes: bool,
    /// What this attempt has put in the feed already (one entry per thing per transaction).
    recorded: RefCell<std::collections::HashSet<Changed>>,
    /// The highest sequence number this attempt reached per workspace (for trimming).
    pub(super) reached: RefCell<Vec<(WorkspaceId, u64)>>,
}

impl<K: Kv> SledTx<K> {
    pub(super) fn new(kv: K, record_changes: bool) -> Self {
        SledTx {
            kv,
            record_changes,
            recorded: RefCell::default(),
            reached: RefCell::default(),
        }
    }

    pub(super) fn raw(&self, key: &[u8]) -> Result<Option<sled::IVec>> {
        self.kv.get(key)
    }

    pub(super) fn get<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>> {
        self.raw(key)?.map(|v| decode(&v)).transpose()
    }

    pub(super) fn set(&self, key: Vec<u8>, value: &[u8]) -> Result<()> {
        self.kv.insert(key, value)
    }

    pub(super) fn put<T: Serialize>(&self, key: Vec<u8>, value: &T) -> Result<()> {
        self.set(key, &encode(value)?)
    }

    pub(super) fn del(&self, key: Vec<u8>) -> Result<()> {
        self.kv.remove(key)
    }

    pub(super) fn counter(&self, key: &[u8]) -> Result<u64> {
        Ok(self.raw(key)?.map_or(0, |v| be_u64(&v)))
    }

    pub(super) fn set_owner(&self, ws: WorkspaceId, id: UserId, present: bool) -> Result<()> {
        let mut owners = self.active_owners(ws)?;
        let changed = if present {
            owners.insert(id)
        } else {
            owners.remove(&id)
        };
        if changed {
            self.put(keys::owners(ws), &owners)?;
        }
        Ok(())
    }

    pub(super) fn audit_count(&self, ws: WorkspaceId, user: UserId) -> Result<u64> {
        self.counter(&keys::user_audit_count(ws, user))
    }

    /// Moves a user between status ranges and counts (`None`: not there).
    pub(super) fn file_status(
        &self,
        ws: WorkspaceId,
        id: UserId,
        old: Option<UserStatus>,
        new: Option<UserStatus>,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        if let Some(old) = old {
            self.del(keys::user_status(ws, old, id))?;
            let key = keys::status_count(ws, old);
            let n = self.counter(&key)?.saturating_sub(1);
            self.set(key, &n.to_be_bytes())?;
        }
        if let Some(new) = new {
            self.set(keys::user_status(ws, new, id), &[])?;
            let key = keys::status_count(ws, new);
            let n = self.counter(&key)? + 1;
            self.set(key, &n.to_be_bytes())?;
        }
        Ok(())
    }

    /// Puts one entry in the workspace's change feed (once per thing per transaction).
    pub(super) fn record(&self, ws: WorkspaceId, what: Changed) -> Result<()> {
        if !self.recorded.borrow_mut().insert(what) {
            return Ok(());
        }
        let seq = self.counter(&keys::change_seq(ws))? + 1;
        self.set(keys::change_seq(ws), &seq.to_be_bytes())?;
        if self.record_changes {
            let (kind, id) = match what {
                Changed::User(id) => (CHANGE_USER, *id.as_bytes()),
                Changed::Team(id) => (CHANGE_TEAM, *id.as_bytes()),
                Changed::Workspace(id) => (CHANGE_WORKSPACE, *id.as_bytes()),
            };
            let mut entry = Vec::with_capacity(17);
            entry.push(kind);
            entry.extend_from_slice(&id);
            self.set(keys::change(ws, seq), &entry)?;
        } else {
            // A bulk load is not in the feed: whoever read before it must reload.
            self.set(keys::change_floor(ws), &seq.to_be_bytes())?;
        }
        let mut reached = self.reached.borrow_mut();
        match reached.iter_mut().find(|(w, _)| *w == ws) {
            Some(r) => r.1 = seq,
            None => reached.push((ws, seq)),
        }
        Ok(())
    }
}

pub(super) fn be_u64(bytes: &[u8]) -> u64 {
    <[u8; 8]>::try_from(bytes).map_or(0, u64::from_be_bytes)
}

impl<K: Kv> Tx for SledTx<K> {
    fn workspace(&self, ws: WorkspaceId) -> Result<Option<Workspace>> {
        self.get(&keys::workspace(ws))
    }

    fn workspace_id_by_slug(&self, slug: &str) -> Result<Option<WorkspaceId>> {
        self.raw(&keys::slug(slug))?
            .map(|v| id16(&v).map(WorkspaceId::from_bytes))
            .transpose()
    }

    fn put_workspace(&self, ws: &Workspace) -> Result<()> {
        if let Some(old) = self.workspace(ws.id)?
            && old.slug != ws.slug
        {
            self.del(keys::slug(&old.slug))?;
        }
        self.set(keys::slug(&ws.slug), ws.id.as_bytes())?;
        self.put(keys::workspace(ws.id), ws)?;
        self.record(ws.id, Changed::Workspace(ws.id))
    }

    fn user(&self, ws: WorkspaceId, id: UserId) -> Result<Option<User>> {
        self.get(&keys::user(ws, id))
    }

    fn user_id_by_email(&self, ws: WorkspaceId, email: &Email) -> Result<Option<UserId>> {
        self.raw(&keys::email(ws, email.as_str()))?
            .map(|v| id16(&v).map(UserId::from_bytes))
            .transpose()
    }

    fn put_user(&self, user: &User) -> Result<()> {
        let ws = user.workspace;
        let old = self.user(ws, user.id)?;
        if let Some(old) = &old
            && old.email != user.email
        {
            self.del(keys::email(ws, old.email.as_str()))?;
        }
        if old.as_ref().is_none_or(|o| o.email != user.email) {
            self.set(keys::email(ws, user.email.as_str()), user.id.as_bytes())?;
        }
        let was_owner = old.as_ref().is_some_and(User::is_active_owner);
        if was_owner != user.is_active_owner() {
            self.set_owner(ws, user.id, user.is_active_owner())?;
        }
        self.file_status(ws, user.id, old.map(|o| o.status), Some(user.status))?;
        self.put(keys::user(ws, user.id), user)?;
        self.record(ws, Changed::User(user.id))
    }

    fn remove_user(&self, ws: WorkspaceId, id: UserId) -> Result<()> {
        let Some(old) = self.user(ws, id)? else {
            return Ok(());
        };
        self.del(keys::email(ws, old.email.as_str()))?;
        if old.is_active_owner() {
            self.set_owner(ws, id, false)?;
        }
        self.del(keys::password(ws, id))?;
        self.file_status(ws, id, Some(old.status), None)?;
        self.del(keys::user(ws, id))?;
        self.record(ws, Changed::User(id))
    }

    fn active_owners(&self, ws: WorkspaceId) -> Result<BTreeSet<UserId>> {
        Ok(self.get(&keys::owners(ws))?.unwrap_or_default())
    }

    fn team(&self, ws: WorkspaceId, id: TeamId) -> Result<Option<Team>> {
        self.get(&keys::team(ws, id))
    }

    fn team_id_by_name(&self, ws: WorkspaceId, folded: &str) -> Result<Option<TeamId>> {
        self.raw(&keys::team_name(ws, folded))?
            .map(|v| id16(&v).map(TeamId::from_bytes))
            .transpose()
    }

    fn put_team(&self, team: &Team) -> Result<()> {
        let ws = team.workspace;
        if let Some(old) = self.team(ws, team.id)?
            && old.name.folded() != team.name.folded()
        {
            self.del(keys::team_name(ws, &old.name.folded()))?;
        }
        self.set(keys::team_name(ws, &team.name.folded()), team.id.as_bytes())?;
        self.put(keys::team(ws, team.id), team)?;
        self.record(ws, Changed::Team(team.id))
    }

    fn remove_team(&self, ws: WorkspaceId, id: TeamId) -> Result<()> {
        if let Some(old) = self.team(ws, id)? {
            self.del(keys::team_name(ws, &old.name.folded()))?;
            self.del(keys::team(ws, id))?;
            self.record(ws, Changed::Team(id))?;
        }
        Ok(())
    }

    fn invite(&self, ws: WorkspaceId, user: UserId) -> Result<Option<Invite>> {
        self.get(&keys::invite(ws, user))
    }

    fn put_invite(&self, invite: &Invite) -> Result<()> {
        if let Some(old) = self.invite(invite.workspace, invite.user_id)?
            && old.token_hash != invite.token_hash
        {
            self.del(keys::invite_token(&old.token_hash))?;
        }
        if invite.is_pending() {
            let mut target = invite.workspace.as_bytes().to_vec();
            target.extend_from_slice(invite.user_id.as_bytes());
            self.set(keys::invite_token(&invite.token_hash), &target)?;
        }
        self.put(keys::invite(invite.workspace, invite.user_id), invite)?;
        self.record(invite.workspace, Changed::User(invite.user_id))
    }

    fn retire_invite_token(&self, invite: &Invite) -> Result<()> {
        self.del(keys::invite_token(&invite.token_hash))?;
        self.record(invite.workspace, Changed::User(invite.user_id))
    }

    fn remove_invite(&self, ws: WorkspaceId, user: UserId) -> Result<()> {
        if let Some(old) = self.invite(ws, user)? {
            self.del(keys::invite_token(&old.token_hash))?;
            self.del(keys::invite(ws, user))?;
            self.record(ws, Changed::User(user))?;
        }
        Ok(())
    }

    fn invite_by_token(&self, hash: &TokenHash) -> Result<Option<(WorkspaceId, UserId)>> {
        let Some(v) = self.raw(&keys::invite_token(hash))? else {
            return Ok(None);
        };
        if v.len() != 32 {
            return Err(Error::storage("invite token index entry is malformed"));
        }
        Ok(Some((
            WorkspaceId::from_bytes(id16(&v[..16])?),
            UserId::from_bytes(id16(&v[16..])?),
        )))
    }

    fn password(&self, ws: WorkspaceId, user: UserId) -> Result<Option<PasswordHash>> {
        self.get(&keys::password(ws, user))
    }

    fn put_password(&self, ws: WorkspaceId, user: UserId, hash: &PasswordHash) -> Result<()> {
        self.put(keys::password(ws, user), hash)
    }

    fn session(&self, hash: &TokenHash) -> Result<Option<Session>> {
        self.get(&keys::session(hash))
    }

    fn put_session(&self, hash: &TokenHash, session: &Session) -> Result<()> {
        self.set(
            keys::user_session(session.workspace, session.user, hash),
            &[],
        )?;
        self.put(keys::session(hash), session)
    }

    fn remove_session(&self, hash: &TokenHash) -> Result<()> {
        if let Some(s) = self.session(hash)? {
            self.del(keys::user_session(s.workspace, s.user, hash))?;
            self.del(keys::session(hash))?;
        }
        Ok(())
    }

    fn append_audit(&self, event: &AuditEvent) -> Result<()> {
        let ws = event.workspace;
        self.put(keys::audit(ws, event.id), event)?;
        let mut named: Vec<UserId> = event.named_users().collect();
        // The record of a deletion must not be filed under the user it erased.
        if event.action == AuditAction::UserDeleted {
            named.retain(|id| Some(*id) == event.actor);
        }
        named.dedup();
        for user in named {
            let n = self.audit_count(ws, user)?;
            self.set(keys::user_audit(ws, user, n), event.id.as_bytes())?;
            self.set(keys::user_audit_count(ws, user), &(n + 1).to_be_bytes())?;
        }
        Ok(())
    }

    fn erase_audit_naming(&self, ws: WorkspaceId, user: UserId) -> Result<usize> {
        let n = self.audit_count(ws, user)?;
        let mut erased = 0;
        for i in 0..n {
            let index_key = keys::user_audit(ws, user, i);
            if let Some(id) = self.raw(&index_key)? {
                let event_key = keys::audit(ws, EventId::from_bytes(id16(&id)?));
                if self.raw(&event_key)?.is_some() {
                    self.del(event_key)?;
                    erased += 1;
                }
            }
            self.del(index_key)?;
        }
        self.del(keys::user_audit_count(ws, user))?;
        Ok(erased)
    }
}
