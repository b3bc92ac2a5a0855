-- One table per aggregate. `doc` holds the whole aggregate as JSON and is the source of
-- truth on load; the other columns exist only to be queried or kept unique. Constraints
-- are named explicitly: the adapter tells which uniqueness rule a write broke from the
-- constraint name of the unique_violation (SQLSTATE 23505).

CREATE TABLE users (
    id      uuid   NOT NULL,
    email   text   NOT NULL,
    version bigint NOT NULL,
    doc     jsonb  NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    -- find_user_by_email, and the one-account-per-email rule.
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE courses (
    id           uuid   NOT NULL,
    owner_id     uuid   NOT NULL,
    status       text   NOT NULL,
    category_key text   NOT NULL,
    search_text  text   NOT NULL,
    version      bigint NOT NULL,
    -- The listing view, so list_courses never reads lesson content.
    summary      jsonb  NOT NULL,
    doc          jsonb  NOT NULL,
    CONSTRAINT courses_pkey PRIMARY KEY (id)
);

-- list_courses filtered by owner (an instructor's courses), paged by id.
CREATE INDEX courses_owner_id_idx ON courses (owner_id, id);
-- list_courses filtered by status (the catalog lists published courses), paged by id.
CREATE INDEX courses_status_idx ON courses (status, id);
-- list_courses filtered by category, paged by id.
CREATE INDEX courses_category_key_idx ON courses (category_key, id);
-- The text filter is a substring match (strpos), which no B-tree index can serve; it scans
-- the rows the other conditions and the id cursor leave.

-- Which course holds a lesson.
CREATE TABLE course_lessons (
    lesson_id uuid NOT NULL,
    course_id uuid NOT NULL,
    -- find_course_by_lesson.
    CONSTRAINT course_lessons_pkey PRIMARY KEY (lesson_id),
    CONSTRAINT course_lessons_course_id_fkey FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE CASCADE
);

-- Replacing a course's lessons deletes the removed ones by course (and serves the
-- foreign key's cascade).
CREATE INDEX course_lessons_course_id_idx ON course_lessons (course_id);

CREATE TABLE classes (
    id      uuid   NOT NULL,
    version bigint NOT NULL,
    doc     jsonb  NOT NULL,
    CONSTRAINT classes_pkey PRIMARY KEY (id)
);

CREATE TABLE enrollments (
    id             uuid   NOT NULL,
    user_id        uuid   NOT NULL,
    course_id      uuid   NOT NULL,
    certificate_id uuid,
    version        bigint NOT NULL,
    doc            jsonb  NOT NULL,
    CONSTRAINT enrollments_pkey PRIMARY KEY (id),
    -- find_enrollment and find_enrollments, and one enrollment per user and course.
    CONSTRAINT enrollments_user_course_key UNIQUE (user_id, course_id)
);

-- list_enrollments_for_user, paged by id.
CREATE INDEX enrollments_user_id_idx ON enrollments (user_id, id);
-- list_enrollments_for_course, paged by id.
CREATE INDEX enrollments_course_id_idx ON enrollments (course_id, id);
-- find_enrollment_by_certificate; only completed enrollments have a certificate.
CREATE INDEX enrollments_certificate_id_idx ON enrollments (certificate_id) WHERE certificate_id IS NOT NULL;

-- Domain events waiting for delivery; a delivered event is deleted. Writers append under
-- a transaction-scoped advisory lock held until commit, so sequence order is commit order.
-- The primary key serves pending_events (lowest sequence first) and mark_events_delivered.
CREATE TABLE outbox (
    sequence    bigint      GENERATED ALWAYS AS IDENTITY,
    event_id    uuid        NOT NULL,
    event_type  text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    doc         jsonb       NOT NULL,
    CONSTRAINT outbox_pkey PRIMARY KEY (sequence)
);

-- A user's password hash (PHC string). The primary key serves password_hash.
CREATE TABLE password_hashes (
    user_id uuid NOT NULL,
    hash    text NOT NULL,
    CONSTRAINT password_hashes_pkey PRIMARY KEY (user_id)
);

-- Refresh-token sessions, by the hash of the token the client holds (the primary key
-- serves refresh_token and rotate_refresh_token). Every field is a column: revocation
-- changes `state` in place.
CREATE TABLE refresh_tokens (
    token_hash text        NOT NULL,
    family_id  uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    state      text        NOT NULL,
    CONSTRAINT refresh_tokens_pkey PRIMARY KEY (token_hash)
);

-- session_active (checked on every authenticated request) and revoke_token_family.
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id, state);
-- revoke_user_tokens.
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
