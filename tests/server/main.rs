//! Integration tests of atender-server: the real server on 127.0.0.1:0 over a fresh store,
//! spoken to over HTTP, with a real SMTP sink and, for the accept page, a real browser.

#![allow(clippy::unwrap_used)] // a test fails loudly by design

#[macro_use]
mod support;

mod access;
mod browser;
mod client;
mod durability;
mod edits;
mod feed;
mod hardening;
mod held_writes;
mod input;
mod invites;
mod life;
mod many_servers;
mod openapi;
mod ownership;
mod rate_limit;
mod second_review;
mod serve;
mod smtp_sink;
mod storage;
