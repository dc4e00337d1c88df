//! atender-admin: manage the users of an Atender workspace from a terminal.
//!
//! Layers, each knowing only those below it: `domain` (types and rules) → `store` (durable
//! storage) → `service` (the async API every front end uses) → front ends (console, CLI, server).

pub mod api;
pub mod cli;
pub mod client;
pub mod demo;
pub mod domain;
pub mod error;
pub mod present;
pub mod server;
pub mod service;
pub mod store;
pub mod text;
pub mod tui;

pub use error::{Error, Result};
