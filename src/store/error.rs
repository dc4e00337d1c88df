//! What can go wrong with the store itself: the engine, the disk, the database. These are not
//! refusals by the product's rules (those are the domain's `Error`), so they have their own
//! type here; the core carries them unchanged inside `Error::Store`. Each message still says
//! what to do, because an admin reads it too.

use crate::domain::ErrorClass;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum StoreError {
    #[error(
        "the store at {path} is in use by another process; close it (another atender-admin or atender-server) and try again"
    )]
    #[serde(rename = "store_in_use")]
    InUse { path: String },
    #[error(
        "the store at {path} was written by schema version {found}, but this build understands version {supported}; use a matching atender-admin or export and import the data"
    )]
    UnknownSchema {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error(
        "the store at {path} is damaged and was left untouched ({detail}); restore it from a backup or move it aside"
    )]
    #[serde(rename = "store_corrupt")]
    Corrupt { path: String, detail: String },
    /// Anything else the engine reports; the server answers 500 and logs the detail.
    #[error("storage error: {detail}")]
    #[serde(rename = "storage")]
    Failed { detail: String },
    /// The store can't be used right now (a full disk, an I/O error, an unreachable database)
    /// but may be again without a restart: answered 503 and reported by the health check.
    #[error(
        "the store is unavailable ({detail}); try again once it is back: free disk space or bring the database back"
    )]
    #[serde(rename = "storage_unavailable")]
    Unavailable { detail: String },
}

impl StoreError {
    pub fn failed(detail: impl ToString) -> Self {
        StoreError::Failed {
            detail: detail.to_string(),
        }
    }

    pub fn unavailable(detail: impl ToString) -> Self {
        StoreError::Unavailable {
            detail: detail.to_string(),
        }
    }

    /// The stable machine-readable code (the serde tag), for the wire and for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::InUse { .. } => "store_in_use",
            StoreError::UnknownSchema { .. } => "unknown_schema",
            StoreError::Corrupt { .. } => "store_corrupt",
            StoreError::Failed { .. } => "storage",
            StoreError::Unavailable { .. } => "storage_unavailable",
        }
    }

    /// Its kind (see `ErrorClass`): `Unavailable` for what may heal without a restart, `Store`
    /// for the rest.
    pub fn class(&self) -> ErrorClass {
        match self {
            StoreError::Unavailable { .. } => ErrorClass::Unavailable,
            StoreError::InUse { .. }
            | StoreError::UnknownSchema { .. }
            | StoreError::Corrupt { .. }
            | StoreError::Failed { .. } => ErrorClass::Store,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_matches_the_serde_tag() {
        let samples = [
            StoreError::InUse { path: "p".into() },
            StoreError::UnknownSchema {
                path: "p".into(),
                found: 9,
                supported: 3,
            },
            StoreError::Corrupt {
                path: "p".into(),
                detail: "d".into(),
            },
            StoreError::failed("d"),
            StoreError::unavailable("disk full"),
        ];
        for e in samples {
            let json = serde_json::to_value(&e).unwrap();
            assert_eq!(json["code"], e.code());
            assert_eq!(serde_json::from_value::<StoreError>(json).unwrap(), e);
        }
    }
}
