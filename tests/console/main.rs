//! Console tests without a terminal: the real app state and key handling over the real core and
//! store, with every effect run for real; and its rendering through ratatui's TestBackend,
//! checked with insta snapshots.

#![allow(clippy::unwrap_used)] // a test fails loudly by design

mod components;
mod filtering;
mod harness;
mod logic;
mod rendering;
