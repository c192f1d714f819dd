-- The platform's first tables: who uses it (users, projects, memberships), what they upload
-- (videos), what they ask for (jobs) and what comes out (artifacts), and the workers doing it.

CREATE TYPE user_role AS ENUM ('admin', 'reviewer', 'uploader');
CREATE TYPE job_kind AS ENUM ('annotate', 'analyze', 'visualize', 'anonymize');
CREATE TYPE job_status AS ENUM ('queued', 'running', 'succeeded', 'failed', 'canceled');

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL UNIQUE CHECK (email <> ''),
    display_name  text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    role          user_role NOT NULL DEFAULT 'uploader',
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    description text NOT NULL DEFAULT '',
    created_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       user_role NOT NULL,
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE videos (
    id            uuid PRIMARY KEY,
    project_id    uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    uploaded_by   uuid REFERENCES users(id) ON DELETE SET NULL,
    filename      text NOT NULL,
    object_key    text NOT NULL UNIQUE,
    bytes         bigint NOT NULL CHECK (bytes >= 0),
    sha256        text,
    duration_secs double precision,
    fps           double precision,
    width         integer,
    height        integer,
    video_codec   text,
    has_audio     boolean,
    poster_key    text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX videos_project ON videos (project_id, created_at DESC);

CREATE TABLE jobs (
    id            uuid PRIMARY KEY,
    project_id    uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    kind          job_kind NOT NULL,
    status        job_status NOT NULL DEFAULT 'queued',
    params        jsonb NOT NULL DEFAULT '{}',
    video_ids     uuid[] NOT NULL DEFAULT '{}',
    priority      integer NOT NULL DEFAULT 0,
    attempts      integer NOT NULL DEFAULT 0,
    max_attempts  integer NOT NULL DEFAULT 3,
    stage         text,
    frames_done   bigint NOT NULL DEFAULT 0,
    frames_total  bigint,
    fps           double precision,
    eta_secs      double precision,
    error         text,
    requested_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    worker_id     text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz
);
CREATE INDEX jobs_project_status ON jobs (project_id, status, created_at DESC);

CREATE TABLE artifacts (
    id          uuid PRIMARY KEY,
    job_id      uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    kind        text NOT NULL,
    object_key  text NOT NULL UNIQUE,
    bytes       bigint NOT NULL CHECK (bytes >= 0),
    sha256      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- a retry rewrites the same artifact instead of adding a second one
    UNIQUE (job_id, kind, object_key)
);

CREATE TABLE workers (
    id           text PRIMARY KEY,
    hostname     text NOT NULL,
    kinds        text[] NOT NULL DEFAULT '{}',
    current_job  uuid REFERENCES jobs(id) ON DELETE SET NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);
