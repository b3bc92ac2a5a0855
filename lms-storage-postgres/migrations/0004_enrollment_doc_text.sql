-- Enrollment documents are read and rewritten whole, on every heartbeat, and never queried
-- inside. As jsonb each write parsed the text into jsonb's binary form and each read
-- rendered it back to text; as text neither happens. (The other aggregates keep jsonb:
-- they are written rarely.) Rewrites the table once.
ALTER TABLE enrollments ALTER COLUMN doc TYPE text USING doc::text;

-- Changing the type resets the column's compression to the default: lz4 again, as in
-- migration 0003.
DO $$
BEGIN
    ALTER TABLE enrollments ALTER COLUMN doc SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available on this server; enrollment documents stay compressed with pglz';
END
$$;
