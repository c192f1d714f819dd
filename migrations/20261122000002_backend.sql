-- Sign-in, resumable uploads, cancel requests and change notifications for the backend (issue #5).

-- Browser sessions: the cookie holds a random token; only its sha256 is stored.
CREATE TABLE sessions (
    token_hash  text PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- API tokens for scripts (Authorization: Bearer …); only the sha256 is stored.
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         text NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);

-- An upload in progress: bytes arrive in any number of requests and are appended to a spool
-- file on the server until `received = size`; then the file is probed and moved to storage.
CREATE TABLE uploads (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    created_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    filename    text NOT NULL,
    size        bigint NOT NULL CHECK (size >= 0),
    received    bigint NOT NULL DEFAULT 0,
    video_id    uuid REFERENCES videos(id) ON DELETE SET NULL,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE jobs ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false;
ALTER TABLE jobs ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE artifacts ADD COLUMN video_id uuid REFERENCES videos(id) ON DELETE SET NULL;
ALTER TABLE artifacts ADD COLUMN content_type text NOT NULL DEFAULT 'application/octet-stream';

-- Every change to a job or a video is announced on one channel; the server LISTENs and forwards
-- it to the websocket clients allowed to see that project.
CREATE FUNCTION recognizer_notify() RETURNS trigger AS $$
DECLARE
    row record;
BEGIN
    IF TG_OP = 'DELETE' THEN row := OLD; ELSE row := NEW; END IF;
    PERFORM pg_notify('recognizer_events', json_build_object(
        'table', TG_TABLE_NAME, 'op', TG_OP, 'id', row.id, 'project_id', row.project_id)::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OR DELETE ON jobs
    FOR EACH ROW EXECUTE FUNCTION recognizer_notify();
CREATE TRIGGER videos_notify AFTER INSERT OR UPDATE OR DELETE ON videos
    FOR EACH ROW EXECUTE FUNCTION recognizer_notify();
