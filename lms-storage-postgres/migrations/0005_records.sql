-- Records: every aggregate declared as a record (lms_core::records) is stored in these three
-- tables, whatever its kind, so a new kind needs no migration. `doc` holds the whole record
-- as JSON text (never queried inside, so not parsed into jsonb). Index values are text
-- whose byte order is the values' order, hence COLLATE "C".

CREATE TABLE records (
    kind     text   COLLATE "C" NOT NULL,
    id       uuid   NOT NULL,
    version  bigint NOT NULL,
    owner_id uuid,
    doc      text   NOT NULL,
    CONSTRAINT records_pkey PRIMARY KEY (kind, id)
);

-- Everything a user owns (privacy export and erasure).
CREATE INDEX records_owner_id_idx ON records (owner_id, kind, id) WHERE owner_id IS NOT NULL;

-- Unique keys: the primary key is the rule.
CREATE TABLE record_unique (
    kind  text COLLATE "C" NOT NULL,
    key   text COLLATE "C" NOT NULL,
    value text COLLATE "C" NOT NULL,
    id    uuid NOT NULL,
    CONSTRAINT record_unique_pkey PRIMARY KEY (kind, key, value)
);

-- Replacing a record's entries.
CREATE INDEX record_unique_record_idx ON record_unique (kind, id);

-- Lookup and ordered keys: lookups, counts and range scans are prefix scans of the key.
CREATE TABLE record_index (
    kind  text COLLATE "C" NOT NULL,
    key   text COLLATE "C" NOT NULL,
    value text COLLATE "C" NOT NULL,
    id    uuid NOT NULL,
    CONSTRAINT record_index_pkey PRIMARY KEY (kind, key, value, id)
);

CREATE INDEX record_index_record_idx ON record_index (kind, id);

-- Classes become records of kind "class", indexed by owner (the lowercase hyphenated UUID,
-- as lms_core::records::IndexValue encodes it and serde writes it).
INSERT INTO records (kind, id, version, owner_id, doc)
SELECT 'class', id, version, (doc ->> 'owner_id')::uuid, doc::text FROM classes;

INSERT INTO record_index (kind, key, value, id)
SELECT 'class', 'owner_id', doc ->> 'owner_id', id FROM classes;

DROP TABLE classes;
