-- The revocation feed (sessions_ended_since): when each token was revoked, NULL until it
-- is. Times are stored like every other timestamp, RFC 3339 text in UTC, which sorts as
-- the times do.
ALTER TABLE refresh_tokens ADD COLUMN revoked_at TEXT;

-- sessions_ended_since, polled every second or so by each server. Partial: most tokens
-- are never revoked.
CREATE INDEX refresh_tokens_revoked_at ON refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL;
