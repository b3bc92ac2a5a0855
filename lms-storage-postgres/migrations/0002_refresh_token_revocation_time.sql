-- The revocation feed (sessions_ended_since): when each token was revoked, NULL until it
-- is. Adding a nullable column without a default rewrites nothing.
ALTER TABLE refresh_tokens ADD COLUMN revoked_at timestamptz;

-- sessions_ended_since, polled every second or so by each server. Partial: most tokens
-- are never revoked.
CREATE INDEX refresh_tokens_revoked_at_idx ON refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL;
