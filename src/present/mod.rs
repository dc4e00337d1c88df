//! What both front ends (console and CLI) show the same way: times as people read them and the
//! one-line answer to "can this user get in?". No terminal and no I/O here.

pub mod access;
pub mod time;
pub mod words;
