-- Schema version 3: the sign-in rate limit, shared by every server on the database. One row per
-- attempt and budget it counts against (the email's, the client address's): in progress while
-- `failed_at` is NULL, a failure once set; an attempt that was not a failure is deleted. `key` is
-- a SHA-256 of the budget's name, so no guessed email or client address is stored. Rows older
-- than the window are deleted by the servers as they go.

CREATE TABLE sign_in_attempts (
    attempt     uuid        NOT NULL,
    key         bytea       NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    failed_at   timestamptz,
    PRIMARY KEY (attempt, key)
);
CREATE INDEX sign_in_attempts_by_key ON sign_in_attempts (key, failed_at);
CREATE INDEX sign_in_attempts_by_start ON sign_in_attempts (started_at);
