-- Schema version 2: the per-workspace change feed. Every put or remove of a user, invite, team
-- or workspace takes the workspace's next sequence number and writes one entry, inside its own
-- transaction (SERIALIZABLE makes two writers of one workspace conflict on the counter, so the
-- numbers have no gaps or duplicates). Entries at or below `change_floor` are gone: a reader
-- further behind reloads everything.

ALTER TABLE workspaces
    ADD COLUMN change_seq   bigint NOT NULL DEFAULT 0,
    ADD COLUMN change_floor bigint NOT NULL DEFAULT 0;

CREATE TABLE changes (
    workspace  uuid   NOT NULL REFERENCES workspaces (id),
    seq        bigint NOT NULL,
    kind       text   NOT NULL CHECK (kind IN ('user', 'team', 'workspace')),
    id         uuid   NOT NULL,
    PRIMARY KEY (workspace, seq)
);
