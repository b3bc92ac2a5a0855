-- Records become clustered by (kind, id): a `WITHOUT ROWID` table stores each record in its
-- primary key's B-tree, so reading one by (kind, id) is one B-tree descent instead of an
-- index descent and then a rowid descent, and the records of one kind sit together however
-- many records of other kinds there are. A range scan of 100 records out of 10,000 then
-- costs the same with 10,000 or 1,000,000 records of other kinds (docs/benchmarks.md).

CREATE TABLE records_clustered (
    kind     TEXT    NOT NULL,
    id       BLOB    NOT NULL,
    version  INTEGER NOT NULL,
    owner_id BLOB,
    doc      TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;

INSERT INTO records_clustered (kind, id, version, owner_id, doc)
SELECT kind, id, version, owner_id, doc FROM records;

DROP TABLE records;

ALTER TABLE records_clustered RENAME TO records;

-- Everything a user owns (privacy export and erasure).
CREATE INDEX records_owner_id ON records (owner_id, kind, id) WHERE owner_id IS NOT NULL;
