//! Users: listing (pages, filters), the detail pane, edits, bulk changes and deletion. Invites
//! and Ownership transfer have their own modules; the rules themselves are the domain's.

use super::*;
use crate::domain::Refusal;

impl<S: Store> LocalAdmin<S> {
    /// A page of users with each one as its stored JSON, for a front end that only passes them
    /// on (the server's list route): what `list_users` returns, without decoding every user
    /// and encoding it again.
    pub async fn list_users_json(
        &self,
        query: UserQuery,
    ) -> Result<Page<Box<serde_json::value::RawValue>>> {
        self.users_page(query, |record, _| record.into_json()).await
    }

    /// One page of users after `query.after`: the scan stops as soon as the page is full. Each
    /// user that matches becomes an item through `item`, which also gets the decoded user when
    /// the filter needed it.
    async fn users_page<T, F>(&self, query: UserQuery, item: F) -> Result<Page<T>>
    where
        T: Send + 'static,
        F: Fn(UserRecord, Option<User>) -> Result<T> + Send + 'static,
    {
        let ws = self.ws;
        let now = self.core.now();
        self.read(move |store, _| {
            let limit = query.limit.unwrap_or(100).clamp(1, MAX_PAGE);
            let filter = Filter::parse(query.q.as_deref().unwrap_or(""))?;
            let names = if filter.is_empty() {
                Default::default()
            } else {
                team_names(&store.teams(ws)?)
            };
            let expiries: HashMap<UserId, OffsetDateTime> = if filter.uses_time() {
                let invites = store.invites(ws)?.into_iter().filter(Invite::is_pending);
                invites.map(|i| (i.user_id, i.expires_at)).collect()
            } else {
                HashMap::new()
            };
            let matcher = filter.matcher(&names);
            // One more than the page, to know whether there is a next one; the scan stops there.
            let mut items: Vec<T> = Vec::with_capacity(limit + 1);
            // The page's last user, where the next page starts after.
            let mut page_end: Option<UserId> = None;
            store.scan_user_records(ws, query.status, query.after, &mut |record| {
                // Without a filter every user matches: nothing to decode or prepare.
                let decoded = if filter.is_empty() {
                    None
                } else {
                    let u = record.user()?;
                    let text = SearchText::new(&u, &names);
                    if !matcher.matches(&u, &text, expiries.get(&u.id).copied(), now) {
                        return Ok(true);
                    }
                    Some(u)
                };
                let id = record.id;
                items.push(item(record, decoded)?);
                if items.len() == limit {
                    page_end = Some(id);
                }
                Ok(items.len() <= limit)
            })?;
            let next = if items.len() > limit {
                items.truncate(limit);
                page_end.map(|id| id.to_string())
            } else {
                None
            };
            let total = if filter.is_empty() {
                let counts = store.status_counts(ws)?;
                Some(query.status.map_or(counts.total(), |s| counts.get(s)))
            } else {
                None
            };
            Ok(Page { items, next, total })
        })
        .await
    }
}

pub(super) async fn list_users<S: Store>(
    admin: &LocalAdmin<S>,
    query: UserQuery,
) -> Result<Page<User>> {
    admin
        .users_page(query, |record, decoded| match decoded {
            Some(user) => Ok(user),
            None => record.user(),
        })
        .await
}

pub(super) async fn user_detail<S: Store>(admin: &LocalAdmin<S>, id: UserId) -> Result<UserDetail> {
    let ws = admin.ws;
    let now = admin.core.now();
    admin
        .read(move |store, _| {
            let (user, invite) = store.transact(TxMode::DryRun, &|tx| {
                Ok((ops::user(tx, ws, id)?, tx.invite(ws, id)?))
            })?;
            let has_password = store.has_password(ws, id)?;
            Ok(UserDetail {
                access: rules::access(&user, invite.as_ref(), has_password, now),
                recent_events: store.user_audit(ws, id, RECENT_EVENTS)?,
                user,
                invite,
            })
        })
        .await
}

pub(super) async fn update_user<S: Store>(
    admin: &LocalAdmin<S>,
    id: UserId,
    expected_version: u64,
    patch: UserPatch,
) -> Result<User> {
    let mut errors = FieldErrors::default();
    let full_name = patch
        .full_name
        .as_deref()
        .and_then(|f| errors.take(PersonName::parse(f)).map(Some))
        .unwrap_or(None);
    let display: Option<Option<PersonName>> = patch.display_name.as_deref().map(|d| {
        if d.trim().is_empty() {
            None // blank: follow the full name
        } else {
            errors.take(PersonName::parse_display(d))
        }
    });
    let roles = match &patch.roles {
        Some(r) => errors.take(parse_roles(r)).map(Some).unwrap_or(None),
        None => None,
    };
    errors.finish()?;
    let teams: Option<BTreeSet<TeamId>> = patch.teams.as_ref().map(|t| t.iter().copied().collect());
    let beta = patch.beta;
    admin
        .commit(move |tx, ctx| {
            let actor = ctx.actor(tx)?;
            rules::check_edit(&actor)?;
            let mut user = ops::user(tx, ctx.ws, id)?;
            if user.version != expected_version {
                return Err(Error::Refused(Refusal::Conflict {
                    what: user.email.to_string(),
                    current: user.version,
                }));
            }
            let before = user.clone();
            let mut events: Vec<(AuditAction, String)> = Vec::new();
            if let Some(roles) = roles
                && roles != user.roles
            {
                rules::check_set_roles(&actor, &user, roles, &tx.active_owners(ctx.ws)?)?;
                events.push((
                    AuditAction::RolesChanged,
                    format!("{} → {}", user.roles, roles),
                ));
                user.roles = roles;
            }
            let follows = before.display_name == before.full_name;
            if let Some(full) = &full_name {
                user.full_name = full.clone();
            }
            match &display {
                Some(Some(d)) => user.display_name = d.clone(),
                Some(None) => user.display_name = user.full_name.clone(),
                // untouched display name keeps following the full name if it did
                None if follows => user.display_name = user.full_name.clone(),
                None => {}
            }
            if user.full_name != before.full_name || user.display_name != before.display_name {
                events.push((AuditAction::ProfileChanged, "name".into()));
            }
            if let Some(teams) = &teams {
                let change = ops::replace_teams(tx, ctx, &mut user, teams)?;
                if !change.is_empty() {
                    events.push((AuditAction::TeamsChanged, change));
                }
            }
            if let Some(beta) = beta
                && beta != user.beta
            {
                user.beta = beta;
                events.push((
                    AuditAction::BetaChanged,
                    if beta { "on" } else { "off" }.into(),
                ));
            }
            if events.is_empty() {
                return Ok(user);
            }
            user.touch(ctx.now);
            tx.put_user(&user)?;
            for (action, detail) in events {
                ctx.audit_user(tx, &actor, action, &user, detail)?;
            }
            Ok(user)
        })
        .await
}

/// `expected`: a user listed there is changed only while still at that version; otherwise
/// their outcome is a conflict (someone changed them since the caller looked).
pub(super) async fn bulk<S: Store>(
    admin: &LocalAdmin<S>,
    change: BulkChange,
    ids: Vec<UserId>,
    expected: BTreeMap<UserId, u64>,
    dry_run: bool,
) -> Result<Vec<Outcome>> {
    match &change {
        BulkChange::SetRoles { roles } => {
            parse_roles(roles)?;
        }
        BulkChange::ChangeRoles { add, remove } => rules::check_role_change(add, remove)?,
        _ => {}
    }
    let mut seen = BTreeSet::new();
    let ids: Vec<UserId> = ids.into_iter().filter(|id| seen.insert(*id)).collect();
    let ws = admin.ws;
    admin
        .as_actor(move |inner, ctx| {
            // The user's email and version, when the user exists.
            let label = |tx: &dyn crate::store::Tx, id| -> Result<(Option<String>, Option<u64>)> {
                Ok(tx.user(ws, id)?.map_or((None, None), |u| {
                    (Some(u.email.to_string()), Some(u.version))
                }))
            };
            let outcome = |id, (email, version), r: Result<bool>| Outcome {
                id,
                email,
                result: match r {
                    Ok(true) => OutcomeResult::Done,
                    Ok(false) => OutcomeResult::Unchanged,
                    Err(error) => OutcomeResult::Refused { error },
                },
                version,
            };
            let apply = |tx: &dyn crate::store::Tx, id, found: &(Option<String>, Option<u64>)| {
                if let (Some(want), (Some(email), Some(now))) = (expected.get(&id), found)
                    && want != now
                {
                    return Err(Error::Refused(Refusal::Conflict {
                        what: email.clone(),
                        current: *now,
                    }));
                }
                ops::apply_bulk(tx, &ctx, &change, id)
            };
            if dry_run {
                // One rolled-back transaction over all of them, so each check sees the
                // effect of the ones before it (the second of two Owners is refused).
                return inner.store.transact(TxMode::DryRun, &|tx| {
                    ids.iter()
                        .map(|&id| {
                            let email = label(tx, id)?;
                            let r = apply(tx, id, &email);
                            if let Err(e) = &r
                                && e.stops_bulk()
                            {
                                r.clone()?;
                            }
                            Ok(outcome(id, email, r))
                        })
                        .collect()
                });
            }
            let mut outcomes = Vec::with_capacity(ids.len());
            for &id in &ids {
                let r = inner.store.transact(TxMode::Commit, &|tx| {
                    let found = label(tx, id)?;
                    let changed = apply(tx, id, &found)?;
                    let after = if changed { label(tx, id)? } else { found };
                    Ok((after, changed))
                });
                let o = match r {
                    Ok((email, changed)) => outcome(id, email, Ok(changed)),
                    Err(e) if e.stops_bulk() => return Err(e),
                    Err(e) => {
                        let email = inner.store.transact(TxMode::DryRun, &|tx| label(tx, id))?;
                        outcome(id, email, Err(e))
                    }
                };
                outcomes.push(o);
            }
            inner.store.flush()?;
            Ok(outcomes)
        })
        .await
}

pub(super) async fn preview_delete_user<S: Store>(
    admin: &LocalAdmin<S>,
    id: UserId,
) -> Result<Outcome> {
    admin
        .as_actor(move |inner, ctx| {
            inner.store.transact(TxMode::DryRun, &|tx| {
                let actor = ctx.actor(tx)?;
                let user = tx.user(ctx.ws, id)?;
                let result = match &user {
                    None => Err(Error::not_found(Entity::User, id)),
                    Some(user) => rules::check_delete(&actor, user, &tx.active_owners(ctx.ws)?)
                        .map_err(Error::from),
                };
                Ok(Outcome {
                    id,
                    version: user.as_ref().map(|u| u.version),
                    email: user.map(|u| u.email.to_string()),
                    result: match result {
                        Ok(()) => OutcomeResult::Done,
                        Err(error) => OutcomeResult::Refused { error },
                    },
                })
            })
        })
        .await
}

pub(super) async fn delete_user<S: Store>(admin: &LocalAdmin<S>, id: UserId) -> Result<()> {
    let ws = admin.ws;
    admin
        .as_actor(move |inner, ctx| {
            let sessions = inner.store.user_sessions(ws, id)?;
            inner.store.transact(TxMode::Commit, &|tx| {
                let actor = ctx.actor(tx)?;
                let mut target = ops::user(tx, ws, id)?;
                rules::check_delete(&actor, &target, &tx.active_owners(ws)?)?;
                ops::replace_teams(tx, &ctx, &mut target, &BTreeSet::new())?;
                tx.erase_audit_naming(ws, id)?;
                tx.remove_invite(ws, id)?;
                for s in &sessions {
                    tx.remove_session(s)?;
                }
                tx.remove_user(ws, id)?;
                // Only that a user id was deleted, by whom and when: no email, no name.
                ctx.audit(
                    tx,
                    &actor,
                    AuditAction::UserDeleted,
                    AuditTarget::User(id),
                    "",
                    String::new(),
                )
            })?;
            // A sign-in that committed between the scan and the deletion left a session
            // behind; it can't authenticate (its user is gone), and is removed here.
            let late = inner.store.user_sessions(ws, id)?;
            if !late.is_empty() {
                inner.store.transact(TxMode::Commit, &|tx| {
                    late.iter().try_for_each(|s| tx.remove_session(s))
                })?;
            }
            inner.store.flush()
        })
        .await
}
