-- Enrollment documents are rewritten on every heartbeat and are a few kilobytes, above the
-- size at which PostgreSQL compresses a value. lz4 compresses several times faster than the
-- default pglz. The setting applies to values written from now on; a server built without
-- lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE enrollments ALTER COLUMN doc SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available on this server; enrollment documents stay compressed with pglz';
END
$$;
