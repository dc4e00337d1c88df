//! How a front end gets a connected `AdminApi`: signing in, and again when a session ends.
//! The console's sign-in screen and the CLI's password file both go through `Connector`.

use crate::Result;
use crate::domain::{User, Workspace};
use crate::service::AdminApi;
use std::sync::Arc;

/// A password on its way to the server: never printed, not even in debug logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Connected mode: signs in and hands back the API to use from then on.
#[async_trait::async_trait]
pub trait Connector: Send + Sync {
    async fn sign_in(
        &self,
        workspace: String,
        email: String,
        password: Secret,
    ) -> Result<Connected>;
}

/// A fresh session from `Connector::sign_in`.
#[derive(Clone)]
pub struct Connected {
    pub api: Arc<dyn AdminApi>,
    pub user: User,
    pub workspace: Workspace,
}

impl std::fmt::Debug for Connected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connected")
            .field("user", &self.user.email)
            .finish_non_exhaustive()
    }
}
