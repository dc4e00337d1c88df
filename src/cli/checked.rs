//! The console's start-up integrity check, run beside the first screen instead of before it.
//!
//! Reading every record of a 100,000-user store takes longer than the whole first screen may.
//! So the console opens at once, and [`CheckedAdmin`] holds every write until the check has
//! passed: nothing is ever written to a store that has not been read back whole. Reads go on
//! meanwhile. If the check fails, every held and later call gets the check's error, and
//! [`IntegrityCheck::failed`] tells the console to close and say why (exit code 2), as it did when
//! the check ran first.

use crate::domain::{AuditEvent, EventId, Invite, Team, TeamId, User, UserId, Workspace};
use crate::service::{
    AdminApi, BulkChange, Changes, InviteChange, InviteIssued, NewInvite, Outcome,
    OwnershipTransferred, Page, Snapshot, UserDetail, UserPatch, UserQuery,
};
use crate::store::StoreError;
use crate::{Error, Result};
use async_trait::async_trait;
use std::sync::Arc;
use tokio::sync::watch;

/// Where the check stands: `None` while it runs, then how it ended.
type Verdict = Option<std::result::Result<(), Error>>;

/// The check under way, as seen by the ones who wait for it.
#[derive(Clone)]
pub struct IntegrityCheck {
    verdict: watch::Receiver<Verdict>,
}

impl IntegrityCheck {
    /// Runs `check` on a thread of its own, at a lower CPU priority than the console (the
    /// first screen and the keys come first), and reports its end to every clone.
    pub fn spawn(check: impl FnOnce() -> Result<u64> + Send + 'static) -> Self {
        let (tx, rx) = watch::channel(None);
        let started = std::thread::Builder::new()
            .name("store-check".into())
            .spawn(move || {
                lower_this_threads_priority();
                let verdict = check().map(|records| tracing::info!(records, "store checked"));
                let _ = tx.send(Some(verdict));
            });
        if let Err(e) = started {
            // No thread: the channel closes, and `passed` reports the check as stopped.
            tracing::error!(error = %e, "could not start the store check");
        }
        IntegrityCheck { verdict: rx }
    }

    /// Waits for the check; `Err` with its error if the store failed it.
    pub async fn passed(&self) -> Result<()> {
        let mut rx = self.verdict.clone();
        match rx.wait_for(Option::is_some).await {
            Ok(verdict) => verdict.clone().unwrap_or(Ok(())),
            Err(_) => Err(Error::Store(StoreError::failed(
                "the store's integrity check stopped before it ended",
            ))),
        }
    }

    /// Resolves only if the check fails, with its error (never if it passes).
    pub async fn failed(self) -> Error {
        match self.passed().await {
            Err(e) => e,
            Ok(()) => std::future::pending().await,
        }
    }
}

/// On a thread of its own (never a pool's: its priority can't be raised back), so that only
/// the check yields to the rest.
fn lower_this_threads_priority() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: gettid and setpriority only read and set this thread's scheduling value.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid);
        if let Ok(tid) = libc::id_t::try_from(tid) {
            libc::setpriority(libc::PRIO_PROCESS, tid, 10);
        }
    }
}

/// An admin whose writes wait for the start-up check (see the module's header).
pub struct CheckedAdmin {
    inner: Arc<dyn AdminApi>,
    check: IntegrityCheck,
}

impl CheckedAdmin {
    pub fn new(inner: Arc<dyn AdminApi>, check: IntegrityCheck) -> Self {
        CheckedAdmin { inner, check }
    }
}

#[async_trait]
impl AdminApi for CheckedAdmin {
    async fn me(&self) -> Result<User> {
        self.inner.me().await
    }
    async fn workspace(&self) -> Result<Workspace> {
        self.inner.workspace().await
    }
    async fn snapshot(&self) -> Result<Snapshot> {
        self.inner.snapshot().await
    }
    async fn list_users(&self, query: UserQuery) -> Result<Page<User>> {
        self.inner.list_users(query).await
    }
    async fn user_detail(&self, id: UserId) -> Result<UserDetail> {
        self.inner.user_detail(id).await
    }
    async fn list_invites(&self) -> Result<Vec<(User, Invite)>> {
        self.inner.list_invites().await
    }
    async fn changes(&self, since: u64) -> Result<Changes> {
        self.inner.changes(since).await
    }
    async fn change_seq(&self) -> Result<u64> {
        self.inner.change_seq().await
    }
    async fn invite(&self, new: NewInvite) -> Result<InviteIssued> {
        self.check.passed().await?;
        self.inner.invite(new).await
    }
    async fn resend_invite(&self, id: UserId) -> Result<InviteIssued> {
        self.check.passed().await?;
        self.inner.resend_invite(id).await
    }
    async fn cancel_invite(&self, id: UserId) -> Result<()> {
        self.check.passed().await?;
        self.inner.cancel_invite(id).await
    }
    async fn preview_invites(
        &self,
        change: InviteChange,
        ids: Vec<UserId>,
    ) -> Result<Vec<Outcome>> {
        self.inner.preview_invites(change, ids).await
    }
    async fn update_user(
        &self,
        id: UserId,
        expected_version: u64,
        patch: UserPatch,
    ) -> Result<User> {
        self.check.passed().await?;
        self.inner.update_user(id, expected_version, patch).await
    }
    async fn bulk(
        &self,
        change: BulkChange,
        ids: Vec<UserId>,
        dry_run: bool,
    ) -> Result<Vec<Outcome>> {
        if !dry_run {
            self.check.passed().await?;
        }
        self.inner.bulk(change, ids, dry_run).await
    }
    async fn bulk_at_versions(
        &self,
        change: BulkChange,
        ids: Vec<UserId>,
        expected: std::collections::BTreeMap<UserId, u64>,
        dry_run: bool,
    ) -> Result<Vec<Outcome>> {
        if !dry_run {
            self.check.passed().await?;
        }
        self.inner
            .bulk_at_versions(change, ids, expected, dry_run)
            .await
    }
    async fn transfer_ownership(&self, to: UserId) -> Result<OwnershipTransferred> {
        self.check.passed().await?;
        self.inner.transfer_ownership(to).await
    }
    async fn preview_delete_user(&self, id: UserId) -> Result<Outcome> {
        self.inner.preview_delete_user(id).await
    }
    async fn delete_user(&self, id: UserId) -> Result<()> {
        self.check.passed().await?;
        self.inner.delete_user(id).await
    }
    async fn list_teams(&self) -> Result<Vec<Team>> {
        self.inner.list_teams().await
    }
    async fn create_team(&self, name: String) -> Result<Team> {
        self.check.passed().await?;
        self.inner.create_team(name).await
    }
    async fn rename_team(&self, id: TeamId, name: String) -> Result<Team> {
        self.check.passed().await?;
        self.inner.rename_team(id, name).await
    }
    async fn delete_team(&self, id: TeamId) -> Result<()> {
        self.check.passed().await?;
        self.inner.delete_team(id).await
    }
    async fn audit(&self, before: Option<EventId>, limit: usize) -> Result<Page<AuditEvent>> {
        self.inner.audit(before, limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_for_the_verdict_and_hands_out_its_error() {
        let passing = IntegrityCheck::spawn(|| Ok(3));
        assert_eq!(passing.passed().await, Ok(()));
        let damaged = Error::Store(StoreError::Corrupt {
            path: "/x".into(),
            detail: "record 2 (a user) is unreadable".into(),
        });
        let expected = damaged.clone();
        let failing = IntegrityCheck::spawn(move || Err(damaged));
        assert_eq!(failing.passed().await, Err(expected.clone()));
        assert_eq!(failing.failed().await, expected);
    }
}
