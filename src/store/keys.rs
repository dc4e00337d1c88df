//! Key layout of the sled store: one tree, each key a kind byte followed by fixed-width parts,
//! so that everything of one workspace (or one user) is one contiguous prefix.

use crate::domain::{EventId, TeamId, TokenHash, UserId, UserStatus, WorkspaceId};

pub const SCHEMA: &[u8] = b"\x00schema";

pub const WORKSPACE: u8 = b'W';
pub const SLUG: u8 = b'w';
pub const USER: u8 = b'U';
pub const EMAIL: u8 = b'E';
pub const OWNERS: u8 = b'O';
pub const TEAM: u8 = b'T';
pub const TEAM_NAME: u8 = b'N';
pub const INVITE: u8 = b'I';
pub const INVITE_TOKEN: u8 = b'K';
pub const PASSWORD: u8 = b'P';
pub const SESSION: u8 = b'S';
pub const USER_SESSION: u8 = b's';
pub const AUDIT: u8 = b'A';
pub const USER_AUDIT: u8 = b'a';
pub const USER_AUDIT_COUNT: u8 = b'c';
pub const USER_STATUS: u8 = b'u';
pub const STATUS_COUNT: u8 = b'n';
pub const CHANGE: u8 = b'C';
pub const CHANGE_SEQ: u8 = b'q';
pub const CHANGE_FLOOR: u8 = b'f';

pub fn key(kind: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + parts.iter().map(|p| p.len()).sum::<usize>());
    k.push(kind);
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

pub fn workspace(ws: WorkspaceId) -> Vec<u8> {
    key(WORKSPACE, &[ws.as_bytes()])
}
pub fn slug(slug: &str) -> Vec<u8> {
    key(SLUG, &[slug.as_bytes()])
}
pub fn user(ws: WorkspaceId, id: UserId) -> Vec<u8> {
    key(USER, &[ws.as_bytes(), id.as_bytes()])
}
pub fn email(ws: WorkspaceId, email: &str) -> Vec<u8> {
    key(EMAIL, &[ws.as_bytes(), email.as_bytes()])
}
pub fn owners(ws: WorkspaceId) -> Vec<u8> {
    key(OWNERS, &[ws.as_bytes()])
}
pub fn team(ws: WorkspaceId, id: TeamId) -> Vec<u8> {
    key(TEAM, &[ws.as_bytes(), id.as_bytes()])
}
pub fn team_name(ws: WorkspaceId, folded: &str) -> Vec<u8> {
    key(TEAM_NAME, &[ws.as_bytes(), folded.as_bytes()])
}
pub fn invite(ws: WorkspaceId, user: UserId) -> Vec<u8> {
    key(INVITE, &[ws.as_bytes(), user.as_bytes()])
}
pub fn invite_token(hash: &TokenHash) -> Vec<u8> {
    key(INVITE_TOKEN, &[&hash.0])
}
pub fn password(ws: WorkspaceId, user: UserId) -> Vec<u8> {
    key(PASSWORD, &[ws.as_bytes(), user.as_bytes()])
}
pub fn session(hash: &TokenHash) -> Vec<u8> {
    key(SESSION, &[&hash.0])
}
pub fn user_session(ws: WorkspaceId, user: UserId, hash: &TokenHash) -> Vec<u8> {
    key(USER_SESSION, &[ws.as_bytes(), user.as_bytes(), &hash.0])
}
pub fn audit(ws: WorkspaceId, id: EventId) -> Vec<u8> {
    key(AUDIT, &[ws.as_bytes(), id.as_bytes()])
}
pub fn user_audit(ws: WorkspaceId, user: UserId, n: u64) -> Vec<u8> {
    key(
        USER_AUDIT,
        &[ws.as_bytes(), user.as_bytes(), &n.to_be_bytes()],
    )
}
pub fn user_audit_count(ws: WorkspaceId, user: UserId) -> Vec<u8> {
    key(USER_AUDIT_COUNT, &[ws.as_bytes(), user.as_bytes()])
}

/// One byte per status, so a workspace's users of one status are one contiguous range.
pub fn status_byte(status: UserStatus) -> u8 {
    match status {
        UserStatus::Invited => 0,
        UserStatus::Active => 1,
        UserStatus::Inactive => 2,
    }
}
pub fn user_status(ws: WorkspaceId, status: UserStatus, id: UserId) -> Vec<u8> {
    key(
        USER_STATUS,
        &[ws.as_bytes(), &[status_byte(status)], id.as_bytes()],
    )
}
pub fn status_count(ws: WorkspaceId, status: UserStatus) -> Vec<u8> {
    key(STATUS_COUNT, &[ws.as_bytes(), &[status_byte(status)]])
}
pub fn change(ws: WorkspaceId, seq: u64) -> Vec<u8> {
    key(CHANGE, &[ws.as_bytes(), &seq.to_be_bytes()])
}
pub fn change_seq(ws: WorkspaceId) -> Vec<u8> {
    key(CHANGE_SEQ, &[ws.as_bytes()])
}
pub fn change_floor(ws: WorkspaceId) -> Vec<u8> {
    key(CHANGE_FLOOR, &[ws.as_bytes()])
}

/// The prefix of every key of one kind in one workspace (or for one user).
pub fn prefix(kind: u8, parts: &[&[u8]]) -> Vec<u8> {
    key(kind, parts)
}
