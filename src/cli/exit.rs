//! Exit codes: how an error ends the process (see `EXIT_CODES`).

use super::commands;
use crate::Error;
use crate::domain::ErrorClass;

/// The exit code for an error (see `EXIT_CODES`): 2 for usage, a store or a connection
/// problem (including a change whose outcome is unknown) and anything internal, 1 for a
/// refusal or something not found.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<commands::Usage>().is_some() {
        return 2;
    }
    if let Some(crate::tui::EndedBySignal(n)) = err.downcast_ref() {
        return u8::try_from(128 + n).unwrap_or(255);
    }
    if err.downcast_ref::<commands::Refusal>().is_some() {
        return 1;
    }
    // Whichever layer's error reached the top, its class decides.
    match Error::find_in(err) {
        Some(e) => class_exit_code(e.class()),
        None => 2,
    }
}

/// The exit code of each kind of failure: 1 for what is about one item (reported, and the
/// other items go on, as in a bulk), 2 for what stops the whole run.
pub fn class_exit_code(class: ErrorClass) -> u8 {
    if class.stops_bulk() { 2 } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientError;
    use crate::domain::Refusal;

    #[test]
    fn every_layers_error_exits_by_its_class() {
        let refusal = Refusal::InviteExpired;
        assert_eq!(exit_code(&anyhow::Error::from(refusal.clone())), 1);
        assert_eq!(exit_code(&anyhow::Error::from(Error::from(refusal))), 1);
        let lost = ClientError::OutcomeUnknown {
            url: "u".into(),
            detail: "d".into(),
        };
        assert_eq!(exit_code(&anyhow::Error::from(lost)), 2);
        let store = crate::store::StoreError::failed("engine");
        assert_eq!(exit_code(&anyhow::Error::from(store)), 2);
    }

    #[test]
    fn a_connection_problem_exits_2_even_when_the_outcome_is_unknown() {
        for e in [
            Error::Client(ClientError::Unreachable {
                url: "http://127.0.0.1:9".into(),
                detail: "connection refused".into(),
            }),
            Error::Client(ClientError::OutcomeUnknown {
                url: "http://127.0.0.1:9".into(),
                detail: "no answer".into(),
            }),
            Error::Client(ClientError::UnexpectedResponse {
                url: "http://127.0.0.1:9".into(),
                detail: "not JSON".into(),
            }),
        ] {
            assert_eq!(exit_code(&anyhow::Error::from(e.clone())), 2, "{e}");
        }
    }

    #[test]
    fn each_class_exits_as_the_readme_says() {
        let expected = [
            (ErrorClass::Invalid, 1),
            (ErrorClass::Refused, 1),
            (ErrorClass::Forbidden, 1),
            (ErrorClass::NotFound, 1),
            (ErrorClass::Unauthenticated, 1),
            (ErrorClass::Expired, 1),
            (ErrorClass::Stale, 1),
            (ErrorClass::Contention, 1),
            (ErrorClass::ServerRefused, 1),
            (ErrorClass::Connection, 2),
            (ErrorClass::OutcomeUnknown, 2),
            (ErrorClass::Unavailable, 2),
            (ErrorClass::Store, 2),
            (ErrorClass::Internal, 2),
        ];
        assert_eq!(expected.len(), ErrorClass::ALL.len());
        for (class, code) in expected {
            assert_eq!(class_exit_code(class), code, "{class:?}");
        }
        let refused = Error::Refused(Refusal::LastOwner {
            email: "a@b.io".into(),
        });
        assert_eq!(exit_code(&anyhow::Error::from(refused)), 1);
        assert_eq!(exit_code(&anyhow::Error::from(Error::internal("x"))), 2);
        assert_eq!(exit_code(&anyhow::anyhow!("no such file")), 2);
    }
}
