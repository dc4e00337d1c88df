//! Integration tests of the core: domain rules through the service, over the real sled store.

#![allow(clippy::unwrap_used)] // a test fails loudly by design

mod concurrency;
mod deletion;
mod feed;
mod invariants;
mod invites;
mod permissions;
mod sessions;
mod store;
mod support;
mod teams_and_edits;
mod tenants;
