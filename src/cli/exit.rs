//! Exit codes: how an error ends the process (see `EXIT_CODES`).

use super::commands;
use crate::domain::Error;
use crate::store::StoreError;

/// The exit code for an error (see `EXIT_CODES`): 2 for usage, a store or a connection
/// problem, 1 for a refusal or something not found.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<commands::Usage>().is_some() {
        return 2;
    }
    if err.downcast_ref::<commands::Refusal>().is_some() {
        return 1;
    }
    match err.downcast_ref::<Error>() {
        Some(
            Error::Store(StoreError::InUse { .. })
            | Error::Store(StoreError::UnknownSchema { .. })
            | Error::Store(StoreError::Corrupt { .. })
            | Error::Store(StoreError::Failed { .. })
            | Error::Store(StoreError::Unavailable { .. })
            | Error::Unreachable { .. }
            | Error::UnexpectedResponse { .. },
        ) => 2,
        Some(_) => 1,
        None => 2,
    }
}
