-- One table per aggregate. `doc` holds the whole aggregate as JSON and is the source of
-- truth on load; the other columns exist only to be queried or kept unique. Ids are
-- 16-byte BLOBs: SQLite compares BLOBs with memcmp, so ORDER BY id is the UUID order the
-- keyset paging of every listing relies on.
--
-- A PRIMARY KEY violation is reported as SQLITE_CONSTRAINT_PRIMARYKEY and a UNIQUE one as
-- SQLITE_CONSTRAINT_UNIQUE; each table has at most one UNIQUE constraint, so the adapter
-- knows which rule a write broke from the error code and the table alone.

CREATE TABLE users (
    id      BLOB    NOT NULL PRIMARY KEY,
    -- find_user_by_email, and the one-account-per-email rule.
    email   TEXT    NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    doc     TEXT    NOT NULL
);

CREATE TABLE courses (
    id           BLOB    NOT NULL PRIMARY KEY,
    owner_id     BLOB    NOT NULL,
    status       TEXT    NOT NULL,
    category_key TEXT    NOT NULL,
    search_text  TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    -- The listing view, so list_courses never reads lesson content.
    summary      TEXT    NOT NULL,
    doc          TEXT    NOT NULL
);

-- list_courses filtered by owner (an instructor's courses), paged by id.
CREATE INDEX courses_owner_id ON courses (owner_id, id);
-- list_courses filtered by status (the catalog lists published courses), paged by id.
CREATE INDEX courses_status ON courses (status, id);
-- list_courses filtered by category, paged by id.
CREATE INDEX courses_category_key ON courses (category_key, id);
-- The text filter is a substring match (instr), which no B-tree index can serve; it scans
-- the rows the other conditions and the id cursor leave.

-- Which course holds a lesson. The primary key serves find_course_by_lesson.
CREATE TABLE course_lessons (
    lesson_id BLOB NOT NULL PRIMARY KEY,
    course_id BLOB NOT NULL REFERENCES courses (id) ON DELETE CASCADE
);

-- Replacing a course's lessons deletes its rows by course.
CREATE INDEX course_lessons_course_id ON course_lessons (course_id);

CREATE TABLE classes (
    id      BLOB    NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL,
    doc     TEXT    NOT NULL
);

CREATE TABLE enrollments (
    id             BLOB    NOT NULL PRIMARY KEY,
    user_id        BLOB    NOT NULL,
    course_id      BLOB    NOT NULL,
    certificate_id BLOB,
    version        INTEGER NOT NULL,
    doc            TEXT    NOT NULL,
    -- find_enrollment and find_enrollments, and one enrollment per user and course.
    UNIQUE (user_id, course_id)
);

-- list_enrollments_for_user, paged by id.
CREATE INDEX enrollments_user_id ON enrollments (user_id, id);
-- list_enrollments_for_course, paged by id.
CREATE INDEX enrollments_course_id ON enrollments (course_id, id);
-- find_enrollment_by_certificate; only completed enrollments have a certificate.
CREATE INDEX enrollments_certificate_id ON enrollments (certificate_id) WHERE certificate_id IS NOT NULL;

-- Domain events waiting for delivery; a delivered event is deleted. AUTOINCREMENT never
-- reuses the sequence of a deleted row, so sequences only grow. Writes are serialized
-- (one writer), so sequence order is commit order. The primary key serves
-- pending_events (lowest sequence first) and mark_events_delivered.
CREATE TABLE outbox (
    sequence    INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    BLOB    NOT NULL,
    event_type  TEXT    NOT NULL,
    occurred_at TEXT    NOT NULL,
    doc         TEXT    NOT NULL
);

-- A user's password hash (PHC string). The primary key serves password_hash.
CREATE TABLE password_hashes (
    user_id BLOB NOT NULL PRIMARY KEY,
    hash    TEXT NOT NULL
);

-- Refresh-token sessions, by the hash of the token the client holds (the primary key
-- serves refresh_token and rotate_refresh_token). Every field is a column: revocation
-- changes `state` in place.
CREATE TABLE refresh_tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    family_id  BLOB NOT NULL,
    user_id    BLOB NOT NULL,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    state      TEXT NOT NULL
);

-- session_active (checked on every authenticated request) and revoke_token_family.
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id, state);
-- revoke_user_tokens.
CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);
