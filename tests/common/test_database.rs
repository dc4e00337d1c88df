//! The PostgreSQL side of the test suites, shared by tests/core and tests/server (included with
//! `#[path]`): which store a test runs on, the test database's URL, and a schema per test.

use atender_admin::store::postgres::testing;

/// Which store a test (or a test's server) runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sled,
    Postgres,
}

pub const DATABASE_URL_VAR: &str = "ATENDER_TEST_DATABASE_URL";

/// The test database's URL. Never skips: without one, every PostgreSQL test fails, loudly.
pub fn database_url() -> String {
    std::env::var(DATABASE_URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{DATABASE_URL_VAR} is not set: the PostgreSQL tests need a database. Run \
             ./scripts/test (it starts a throwaway PostgreSQL), or point {DATABASE_URL_VAR} at \
             a database where tests may create and drop schemas"
        )
    })
}

/// A schema of its own in the test database, dropped with everything in it at the end.
pub struct TestSchema {
    pub url: String,
    name: String,
}

impl TestSchema {
    pub fn new() -> TestSchema {
        let base = database_url();
        let name = format!("t_{}", uuid::Uuid::now_v7().simple());
        testing::execute(&base, &format!("CREATE SCHEMA {name}"))
            .unwrap_or_else(|e| panic!("creating a test schema in {DATABASE_URL_VAR}: {e}"));
        TestSchema {
            url: testing::url_with_schema(&base, &name),
            name,
        }
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let _ = testing::execute(
            &database_url(),
            &format!("DROP SCHEMA {} CASCADE", self.name),
        );
    }
}
