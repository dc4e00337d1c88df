//! The `Store` trait's operations over the sled engine: reads, transactions through `tx`,
//! bulk loads, the change feed and sessions. Opening and checking live in `open`.

use super::*;

impl Store for SledStore {
    fn transact<R>(&self, mode: TxMode, f: &dyn Fn(&dyn Tx) -> Result<R>) -> Result<R> {
        // What the committed attempt reached in the feed; sled may run the closure many times.
        let reached = RefCell::new(Vec::new());
        // After an I/O failure, writes reopen the store (at most once a second) once it heals.
        self.slot
            .recover_if_faulted(&self.path, engine::RETRY_EVERY);
        // A backup waits for commits under way and holds new ones back (dry runs only read).
        let _writing = (mode == TxMode::Commit).then(|| self.slot.write_gate());
        let engine = self.engine()?;
        let outcome = engine.db.transaction(|tree| {
            let tx = SledTx::new(
                TreeKv {
                    tree,
                    conflict: RefCell::new(None),
                },
                true,
            );
            let result = f(&tx);
            if let Some(conflict) = tx.kv.conflict.into_inner() {
                return Err(conflict.into());
            }
            *reached.borrow_mut() = tx.reached.into_inner();
            match (result, mode) {
                (Err(e), _) => Err(ConflictableTransactionError::Abort(Abort::Refused(e))),
                (Ok(r), TxMode::Commit) => Ok(r),
                (Ok(r), TxMode::DryRun) => {
                    Err(ConflictableTransactionError::Abort(Abort::DryRun(r)))
                }
            }
        });
        drop(engine);
        self.noting_fault(match outcome {
            Ok(r) => reached
                .into_inner()
                .into_iter()
                .try_for_each(|(ws, seq)| self.trim_changes(ws, seq))
                .map(|()| r),
            Err(TransactionError::Abort(Abort::Refused(e))) => Err(e),
            Err(TransactionError::Abort(Abort::DryRun(r))) => Ok(r),
            Err(TransactionError::Storage(e)) => Err(from_sled(e)),
        })
    }

    fn flush(&self) -> Result<()> {
        let engine = self.engine()?;
        self.noting_fault(engine.flush(self.sync))
    }

    fn health(&self) -> Result<()> {
        self.slot.recover_if_faulted(&self.path, Duration::ZERO);
        let engine = self.engine()?;
        let flushed = engine.flush(self.sync);
        drop(engine);
        self.noting_fault(flushed)?;
        probe_free_space(&self.path).map_err(io_unavailable)
    }

    fn bulk_load(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        let _writing = self.slot.write_gate();
        let engine = self.engine()?;
        let tx = SledTx::new(BatchKv::new(&engine.db), false);
        let loaded = f(&tx).and_then(|()| tx.kv.apply());
        drop(tx);
        drop(engine);
        self.noting_fault(loaded)?;
        self.flush()
    }

    fn scan_users(
        &self,
        ws: WorkspaceId,
        status: Option<UserStatus>,
        after: Option<UserId>,
        visit: &mut dyn FnMut(User) -> Result<bool>,
    ) -> Result<()> {
        self.scan_user_records(ws, status, after, &mut |record| visit(record.user()?))
    }

    fn scan_user_records(
        &self,
        ws: WorkspaceId,
        status: Option<UserStatus>,
        after: Option<UserId>,
        visit: &mut dyn FnMut(UserRecord) -> Result<bool>,
    ) -> Result<()> {
        let (prefix, start) = match status {
            None => (
                keys::prefix(keys::USER, &[ws.as_bytes()]),
                after.map(|a| keys::user(ws, a)),
            ),
            Some(st) => (
                keys::prefix(
                    keys::USER_STATUS,
                    &[ws.as_bytes(), &[keys::status_byte(st)]],
                ),
                after.map(|a| keys::user_status(ws, st, a)),
            ),
        };
        let engine = self.engine()?;
        let range = match start {
            Some(after) => engine
                .db
                .range::<&[u8], _>((Bound::Excluded(&after[..]), Bound::Unbounded)),
            None => engine.db.range::<&[u8], _>(&prefix[..]..),
        };
        for kv in range {
            let (k, v) = kv.map_err(from_sled)?;
            if !k.starts_with(&prefix) {
                break;
            }
            let id = UserId::from_bytes(id16(&k[prefix.len()..])?);
            let stored = match status {
                None => v,
                Some(_) => {
                    // Gone since the index entry was read: deleted meanwhile.
                    match engine.db.get(keys::user(ws, id)).map_err(from_sled)? {
                        Some(stored) => stored,
                        None => continue,
                    }
                }
            };
            if !visit(UserRecord::from_stored(id, &stored)?)? {
                break;
            }
        }
        Ok(())
    }

    fn status_counts(&self, ws: WorkspaceId) -> Result<StatusCounts> {
        let count = |st| -> Result<u64> {
            Ok(self
                .engine()?
                .db
                .get(keys::status_count(ws, st))
                .map_err(from_sled)?
                .map_or(0, |v| be_u64(&v)))
        };
        Ok(StatusCounts {
            active: count(UserStatus::Active)?,
            inactive: count(UserStatus::Inactive)?,
            invited: count(UserStatus::Invited)?,
        })
    }

    fn invite_of(&self, ws: WorkspaceId, user: UserId) -> Result<Option<Invite>> {
        self.get(&keys::invite(ws, user))
    }

    fn change_seq(&self, ws: WorkspaceId) -> Result<u64> {
        // A transactional read: every write of the transaction that set it is then visible.
        let key = keys::change_seq(ws);
        let seq = self
            .engine()?
            .db
            .transaction(|t| Ok::<_, ConflictableTransactionError<()>>(t.get(&key)?))
            .map_err(|e: TransactionError<()>| match e {
                TransactionError::Storage(e) => from_sled(e),
                TransactionError::Abort(()) => Error::storage("reading the change sequence"),
            })?;
        Ok(seq.map_or(0, |v| be_u64(&v)))
    }

    fn changes_since(
        &self,
        ws: WorkspaceId,
        since: u64,
    ) -> Result<std::result::Result<ChangedIds, ChangesTooOld>> {
        let latest = self.change_seq(ws)?;
        if since > latest {
            // A number this store never gave (another store, or one recreated since).
            return Ok(Err(ChangesTooOld {
                oldest: self.change_floor(ws)?,
            }));
        }
        let mut out = ChangedIds {
            seq: latest,
            ..ChangedIds::default()
        };
        let from = keys::change(ws, since + 1);
        let to = keys::change(ws, latest);
        for kv in self.engine()?.db.range(from..=to) {
            let (_, v) = kv.map_err(from_sled)?;
            let (kind, id) = v
                .split_first()
                .ok_or_else(|| Error::storage("change feed entry is empty"))?;
            let id = id16(id)?;
            match *kind {
                CHANGE_USER => {
                    out.users.insert(UserId::from_bytes(id));
                }
                CHANGE_TEAM => {
                    out.teams.insert(TeamId::from_bytes(id));
                }
                CHANGE_WORKSPACE => out.workspace = true,
                _ => return Err(Error::storage("change feed entry of an unknown kind")),
            }
        }
        // Read after the scan: a trim that raced with it has moved the floor by now.
        let oldest = self.change_floor(ws)?;
        if since < oldest {
            return Ok(Err(ChangesTooOld { oldest }));
        }
        Ok(Ok(out))
    }

    fn workspaces(&self) -> Result<Vec<Workspace>> {
        self.scan(vec![keys::WORKSPACE])
    }

    fn users(&self, ws: WorkspaceId) -> Result<Vec<User>> {
        /// A damaged counter must not reserve the machine's memory.
        const PRESIZED_AT_MOST: usize = 1 << 22;
        // Sized from the counters: at 100,000 users, growing by doubling would reserve 37 MB
        // for 28 and hold both halves while it moves them.
        let counted = self.status_counts(ws)?;
        let expected = counted.active + counted.inactive + counted.invited;
        let sized = usize::try_from(expected).unwrap_or(0).min(PRESIZED_AT_MOST);
        let mut users = Vec::with_capacity(sized);
        for kv in self
            .engine()?
            .db
            .scan_prefix(keys::prefix(keys::USER, &[ws.as_bytes()]))
        {
            users.push(decode(&kv.map_err(from_sled)?.1)?);
        }
        Ok(users)
    }

    fn invites(&self, ws: WorkspaceId) -> Result<Vec<Invite>> {
        self.scan(keys::prefix(keys::INVITE, &[ws.as_bytes()]))
    }

    fn teams(&self, ws: WorkspaceId) -> Result<Vec<Team>> {
        let mut teams: Vec<Team> = self.scan(keys::prefix(keys::TEAM, &[ws.as_bytes()]))?;
        teams.sort_by_key(|t| t.name.folded());
        Ok(teams)
    }

    fn audit_page(
        &self,
        ws: WorkspaceId,
        before: Option<EventId>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>> {
        let start = keys::prefix(keys::AUDIT, &[ws.as_bytes()]);
        let end = match before {
            Some(id) => keys::audit(ws, id),
            None => keys::prefix(keys::AUDIT, &[ws.as_bytes(), &[0xff; 17]]),
        };
        self.engine()?
            .db
            .range(start..end)
            .rev()
            .take(limit)
            .map(|kv| decode(&kv.map_err(from_sled)?.1))
            .collect()
    }

    fn user_audit(&self, ws: WorkspaceId, user: UserId, limit: usize) -> Result<Vec<AuditEvent>> {
        let mut out = Vec::new();
        for kv in self
            .engine()?
            .db
            .scan_prefix(keys::prefix(
                keys::USER_AUDIT,
                &[ws.as_bytes(), user.as_bytes()],
            ))
            .rev()
        {
            if out.len() >= limit {
                break;
            }
            let (_, id) = kv.map_err(from_sled)?;
            let id = EventId::from_bytes(id16(&id)?);
            // Entries can outlive their event when another user named in it was deleted.
            if let Some(event) = self.get(&keys::audit(ws, id))? {
                out.push(event);
            }
        }
        Ok(out)
    }

    fn user_sessions(&self, ws: WorkspaceId, user: UserId) -> Result<Vec<TokenHash>> {
        let prefix = keys::prefix(keys::USER_SESSION, &[ws.as_bytes(), user.as_bytes()]);
        let skip = prefix.len();
        self.engine()?
            .db
            .scan_prefix(prefix)
            .map(|kv| {
                let (k, _) = kv.map_err(from_sled)?;
                let hash: [u8; 32] = k[skip..]
                    .try_into()
                    .map_err(|_| Error::storage("session index entry is malformed"))?;
                Ok(TokenHash(hash))
            })
            .collect()
    }

    fn has_password(&self, ws: WorkspaceId, user: UserId) -> Result<bool> {
        Ok(self
            .get::<PasswordHash>(&keys::password(ws, user))?
            .is_some())
    }
}
