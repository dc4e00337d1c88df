-- Schema version 1 of atender's PostgreSQL store. Applied once, inside one transaction, by
-- `PgStore::open`; never edit a migration that has shipped: add the next file instead.

CREATE TABLE workspaces (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL,
    slug        text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL
);

CREATE TABLE users (
    workspace       uuid        NOT NULL REFERENCES workspaces (id),
    id              uuid        NOT NULL,
    email           text        NOT NULL,
    full_name       text        NOT NULL,
    display_name    text        NOT NULL,
    -- Role names as the API spells them: owner, admin, supervisor, agent.
    roles           text[]      NOT NULL CHECK (cardinality(roles) > 0),
    status          text        NOT NULL CHECK (status IN ('invited', 'active', 'inactive')),
    beta            boolean     NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    invited_by      uuid,
    last_login_at   timestamptz,
    deactivated_at  timestamptz,
    deactivated_by  uuid,
    version         bigint      NOT NULL,
    session_epoch   bigint      NOT NULL,
    PRIMARY KEY (workspace, id),
    -- Emails are stored lower-cased: unique per workspace, pending invites included.
    UNIQUE (workspace, email)
);
-- The sole-Owner rule reads this set in every transaction that could shrink it.
CREATE INDEX users_active_owners ON users (workspace, id)
    WHERE status = 'active' AND 'owner' = ANY (roles);
CREATE INDEX users_by_status ON users (workspace, status, id);

CREATE TABLE teams (
    workspace    uuid        NOT NULL REFERENCES workspaces (id),
    id           uuid        NOT NULL,
    name         text        NOT NULL,
    -- The name case-folded by the core: team names are unique ignoring case.
    folded_name  text        NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace, id),
    UNIQUE (workspace, folded_name)
);

-- Memberships; a team's member count is a count over this table, not a stored counter.
CREATE TABLE team_members (
    workspace  uuid NOT NULL,
    user_id    uuid NOT NULL,
    team       uuid NOT NULL,
    PRIMARY KEY (workspace, user_id, team),
    FOREIGN KEY (workspace, user_id) REFERENCES users (workspace, id) ON DELETE CASCADE,
    -- No cascade: the core takes a team's members out of it before deleting it.
    FOREIGN KEY (workspace, team) REFERENCES teams (workspace, id)
);
CREATE INDEX team_members_by_team ON team_members (workspace, team);

CREATE TABLE invites (
    workspace       uuid        NOT NULL,
    user_id         uuid        NOT NULL,
    sent_by         uuid        NOT NULL,
    sent_at         timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    times_sent      integer     NOT NULL,
    send_requested  boolean     NOT NULL,
    email_sent      boolean     NOT NULL,
    -- SHA-256 of the current token; the token itself is never stored.
    token_hash      bytea       NOT NULL,
    -- Whether that token still opens the invite (false once accepted).
    token_live      boolean     NOT NULL,
    accepted_at     timestamptz,
    PRIMARY KEY (workspace, user_id),
    FOREIGN KEY (workspace, user_id) REFERENCES users (workspace, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX invites_by_live_token ON invites (token_hash) WHERE token_live;

CREATE TABLE passwords (
    workspace  uuid NOT NULL,
    user_id    uuid NOT NULL,
    -- An argon2id PHC string (salt included).
    hash       text NOT NULL,
    PRIMARY KEY (workspace, user_id),
    FOREIGN KEY (workspace, user_id) REFERENCES users (workspace, id) ON DELETE CASCADE
);

-- Sign-in sessions by the SHA-256 of their token: every server sees a session end at once.
CREATE TABLE sessions (
    token_hash  bytea       PRIMARY KEY,
    workspace   uuid        NOT NULL,
    user_id     uuid        NOT NULL,
    epoch       bigint      NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    FOREIGN KEY (workspace, user_id) REFERENCES users (workspace, id) ON DELETE CASCADE
);
CREATE INDEX sessions_by_user ON sessions (workspace, user_id);

CREATE TABLE audit_events (
    workspace     uuid        NOT NULL REFERENCES workspaces (id),
    -- UUIDv7: id order is time order.
    id            uuid        NOT NULL,
    at            timestamptz NOT NULL,
    actor         uuid,
    actor_label   text        NOT NULL,
    action        text        NOT NULL,
    target_kind   text        NOT NULL CHECK (target_kind IN ('workspace', 'user', 'team')),
    target_id     uuid,
    target_label  text        NOT NULL,
    detail        text        NOT NULL,
    PRIMARY KEY (workspace, id)
);
-- A user's history, and its erasure when they are deleted.
CREATE INDEX audit_by_actor ON audit_events (workspace, actor, id) WHERE actor IS NOT NULL;
CREATE INDEX audit_by_target_user ON audit_events (workspace, target_id, id)
    WHERE target_kind = 'user';
