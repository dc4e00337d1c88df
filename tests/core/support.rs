//! A workspace on a fresh store in a temporary folder, with a clock the test controls.

use atender_admin::domain::{HashCost, Role, User, Workspace};
use atender_admin::service::{AdminApi, Core, CoreConfig, LocalAdmin, ManualClock, NewInvite};
use atender_admin::store::SledStore;
use std::sync::Arc;
use tempfile::TempDir;
use time::macros::datetime;

pub const PASSWORD: &str = "correct horse battery";

pub fn config() -> CoreConfig {
    CoreConfig {
        hash_cost: HashCost::insecure_for_tests(),
        ..CoreConfig::default()
    }
}

pub struct World {
    pub dir: TempDir,
    pub core: Core<SledStore>,
    pub clock: Arc<ManualClock>,
    pub ws: Workspace,
    pub owner: User,
}

impl World {
    /// Workspace "Acme" with an accepted first Owner, owner@acme.io.
    pub async fn new() -> World {
        World::keeping_changes(None).await
    }

    /// A world whose store keeps only `kept` changes in its feed (the default when `None`).
    pub async fn keeping_changes(kept: Option<u64>) -> World {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(datetime!(2026-11-02 09:00 UTC)));
        let mut store = SledStore::open(dir.path()).unwrap();
        if let Some(kept) = kept {
            store = store.with_changes_kept(kept);
        }
        let core = Core::new(store, clock.clone(), config());
        let (ws, owner) = new_workspace(&core, "Acme", "owner@acme.io").await;
        World {
            dir,
            core,
            clock,
            ws,
            owner,
        }
    }

    pub fn admin(&self, who: &User) -> LocalAdmin<SledStore> {
        self.core.admin(self.ws.id, who.id)
    }

    pub fn owner_api(&self) -> LocalAdmin<SledStore> {
        self.admin(&self.owner)
    }

    /// Invites and accepts a user, returning them Active.
    pub async fn add(&self, email: &str, roles: &[Role]) -> User {
        add_user(&self.core, &self.owner_api(), email, roles).await
    }

    /// Invites a user without accepting; returns the user and the link's token.
    pub async fn invite(&self, email: &str, roles: &[Role]) -> (User, String) {
        let issued = self
            .owner_api()
            .invite(new_invite(email, roles))
            .await
            .unwrap();
        (issued.user, issued.token.encode())
    }

    pub async fn user(&self, id: atender_admin::domain::UserId) -> Option<User> {
        use atender_admin::store::Store;
        self.core
            .store()
            .users(self.ws.id)
            .unwrap()
            .into_iter()
            .find(|u| u.id == id)
    }

    /// Closes the store and opens it again from disk.
    pub fn reopen(self) -> World {
        let World {
            dir,
            core,
            clock,
            ws,
            owner,
        } = self;
        drop(core);
        let core = Core::new(
            SledStore::open(dir.path()).unwrap(),
            clock.clone(),
            config(),
        );
        World {
            dir,
            core,
            clock,
            ws,
            owner,
        }
    }
}

pub fn new_invite(email: &str, roles: &[Role]) -> NewInvite {
    NewInvite {
        email: email.into(),
        full_name: format!("Person {email}"),
        display_name: None,
        roles: roles.to_vec(),
        teams: vec![],
        send_invite: false,
    }
}

pub async fn new_workspace(
    core: &Core<SledStore>,
    name: &str,
    owner_email: &str,
) -> (Workspace, User) {
    let (ws, issued) = core
        .create_workspace(name, owner_email, "First Owner")
        .await
        .unwrap();
    let owner = core
        .accept_invite(&issued.token.encode(), PASSWORD)
        .await
        .unwrap();
    (ws, owner)
}

pub async fn add_user(
    core: &Core<SledStore>,
    by: &LocalAdmin<SledStore>,
    email: &str,
    roles: &[Role],
) -> User {
    let issued = by.invite(new_invite(email, roles)).await.unwrap();
    core.accept_invite(&issued.token.encode(), PASSWORD)
        .await
        .unwrap()
}
