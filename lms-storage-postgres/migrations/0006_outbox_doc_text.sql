-- Outbox documents are written once and read back whole by the relay, never queried
-- inside. As jsonb each append parsed the text into jsonb's binary form and each relay
-- read rendered it back to text; as text neither happens, on the path of every write that
-- carries events. Rewrites the table once (it holds at most the retention's events).
ALTER TABLE outbox ALTER COLUMN doc TYPE text USING doc::text;
