//! A workspace on a fresh store, with a clock the test controls. Every test of the core runs
//! on each store: sled in a temporary folder, and PostgreSQL in a schema of its own in the
//! database named by ATENDER_TEST_DATABASE_URL (`scripts/test` starts a throwaway one).

use atender_admin::domain::{HashCost, Role, User, Workspace};
use atender_admin::service::{AdminApi, Core, CoreConfig, LocalAdmin, ManualClock, NewInvite};
use atender_admin::store::{AnyStore, PgStore, SledStore};
use std::sync::Arc;
use tempfile::TempDir;
use time::macros::datetime;

/// Runs each named test once per store, as `sled::NAME` and `postgres::NAME`. Each test is an
/// `async fn NAME(backend: Backend)`; `NAME(multi_thread)` runs it on four worker threads.
macro_rules! on_every_store {
    ($($name:ident $(($flavor:ident))?),* $(,)?) => {
        mod sled {
            $( store_test!(Sled, $name $(, $flavor)?); )*
        }
        mod postgres {
            $( store_test!(Postgres, $name $(, $flavor)?); )*
        }
    };
}

macro_rules! store_test {
    ($backend:ident, $name:ident) => {
        #[tokio::test]
        async fn $name() {
            super::$name($crate::support::Backend::$backend).await
        }
    };
    ($backend:ident, $name:ident, multi_thread) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            super::$name($crate::support::Backend::$backend).await
        }
    };
}

#[path = "../common/test_database.rs"]
mod test_database;
pub use test_database::*;

/// Where a test's store lives; kept for as long as the test runs.
pub enum Place {
    Folder(TempDir),
    Database(TestSchema),
}

impl Place {
    pub fn new(backend: Backend) -> Place {
        match backend {
            Backend::Sled => Place::Folder(tempfile::tempdir().unwrap()),
            Backend::Postgres => Place::Database(TestSchema::new()),
        }
    }

    /// Opens (or reopens) the store at this place.
    pub fn open(&self) -> AnyStore {
        match self {
            Place::Folder(dir) => AnyStore::Sled(SledStore::open(dir.path()).unwrap()),
            Place::Database(schema) => AnyStore::Postgres(PgStore::open(&schema.url).unwrap()),
        }
    }
}

/// A fresh, empty store of the given kind, with the place that must outlive it.
pub fn fresh_store(backend: Backend) -> (Place, AnyStore) {
    let place = Place::new(backend);
    let store = place.open();
    (place, store)
}

pub const PASSWORD: &str = "correct horse battery";

pub fn config() -> CoreConfig {
    CoreConfig {
        hash_cost: HashCost::insecure_for_tests(),
        ..CoreConfig::default()
    }
}

pub struct World {
    pub place: Place,
    pub core: Core<AnyStore>,
    pub clock: Arc<ManualClock>,
    pub ws: Workspace,
    pub owner: User,
}

impl World {
    /// Workspace "Acme" with an accepted first Owner, owner@acme.io.
    pub async fn new(backend: Backend) -> World {
        World::keeping_changes(backend, None).await
    }

    /// A world whose store keeps only `kept` changes in its feed (the default when `None`).
    pub async fn keeping_changes(backend: Backend, kept: Option<u64>) -> World {
        let (place, mut store) = fresh_store(backend);
        if let Some(kept) = kept {
            store = store.with_changes_kept(kept);
        }
        let clock = Arc::new(ManualClock::new(datetime!(2026-11-02 09:00 UTC)));
        let core = Core::new(store, clock.clone(), config());
        let (ws, owner) = new_workspace(&core, "Acme", "owner@acme.io").await;
        World {
            place,
            core,
            clock,
            ws,
            owner,
        }
    }

    pub fn admin(&self, who: &User) -> LocalAdmin<AnyStore> {
        self.core.admin(self.ws.id, who.id)
    }

    pub fn owner_api(&self) -> LocalAdmin<AnyStore> {
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

    /// Closes the store and opens it again (from disk, or from the database).
    pub fn reopen(self) -> World {
        let World {
            place,
            core,
            clock,
            ws,
            owner,
        } = self;
        drop(core);
        let core = Core::new(place.open(), clock.clone(), config());
        World {
            place,
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
    core: &Core<AnyStore>,
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
    core: &Core<AnyStore>,
    by: &LocalAdmin<AnyStore>,
    email: &str,
    roles: &[Role],
) -> User {
    let issued = by.invite(new_invite(email, roles)).await.unwrap();
    core.accept_invite(&issued.token.encode(), PASSWORD)
        .await
        .unwrap()
}
