-- Records: every aggregate declared as a record (lms_core::records) is stored in these three
-- tables, whatever its kind, so a new kind needs no migration. `doc` holds the whole record
-- as JSON; index values are text whose byte order is the values' order (BINARY collation).

CREATE TABLE records (
    kind     TEXT    NOT NULL,
    id       BLOB    NOT NULL,
    version  INTEGER NOT NULL,
    owner_id BLOB,
    doc      TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
);

-- Everything a user owns (privacy export and erasure).
CREATE INDEX records_owner_id ON records (owner_id, kind, id) WHERE owner_id IS NOT NULL;

-- Unique keys: the primary key is the rule.
CREATE TABLE record_unique (
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    id    BLOB NOT NULL,
    PRIMARY KEY (kind, key, value)
) WITHOUT ROWID;

-- Replacing a record's entries.
CREATE INDEX record_unique_record ON record_unique (kind, id);

-- Lookup and ordered keys: lookups, counts and range scans are prefix scans of the key.
CREATE TABLE record_index (
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    id    BLOB NOT NULL,
    PRIMARY KEY (kind, key, value, id)
) WITHOUT ROWID;

CREATE INDEX record_index_record ON record_index (kind, id);

-- Classes become records of kind "class", indexed by owner (the lowercase hyphenated UUID,
-- as lms_core::records::IndexValue encodes it and serde writes it).
INSERT INTO records (kind, id, version, owner_id, doc)
SELECT 'class', id, version, unhex(replace(json_extract(doc, '$.owner_id'), '-', '')), doc FROM classes;

INSERT INTO record_index (kind, key, value, id)
SELECT 'class', 'owner_id', json_extract(doc, '$.owner_id'), id FROM classes;

DROP TABLE classes;
