//! Integration tests of the core: domain rules through the service, over each real store
//! (sled, and PostgreSQL in a throwaway database: see support.rs).

#![allow(clippy::unwrap_used)] // a test fails loudly by design

#[macro_use]
mod support;

mod concurrency;
mod deletion;
mod feed;
mod invariants;
mod invites;
mod permissions;
mod sessions;
mod store;
mod teams_and_edits;
mod tenants;
mod versions;
