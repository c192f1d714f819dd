-- Events found by analyze jobs (and, later, live streams): what happened, when, to whom, how sure
-- and why. A job's events are written in the same transaction that finishes it, so a failed or
-- retried job never leaves half its events behind. Like artifacts, events outlive their video.
CREATE TABLE events (
    id            uuid PRIMARY KEY,
    project_id    uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    job_id        uuid REFERENCES jobs(id) ON DELETE CASCADE,
    video_id      uuid REFERENCES videos(id) ON DELETE SET NULL,
    service       text NOT NULL CHECK (service <> ''),
    start_secs    double precision NOT NULL,
    end_secs      double precision NOT NULL CHECK (end_secs >= start_secs),
    peak_secs     double precision NOT NULL,
    start_frame   bigint NOT NULL,
    end_frame     bigint NOT NULL,
    peak_frame    bigint NOT NULL,
    score         real NOT NULL CHECK (score >= 0 AND score <= 1),
    tracks        bigint[] NOT NULL,
    recovered     boolean NOT NULL DEFAULT false,
    -- the event as the pipeline explained it: components at the peak, boxes, the rules that
    -- opened and closed it
    explanation   jsonb NOT NULL,
    thumbnail_key text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_project_created ON events (project_id, created_at DESC);
CREATE INDEX events_job ON events (job_id, start_secs);
CREATE INDEX events_video ON events (video_id, start_secs);

CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION recognizer_notify();

-- Skeleton classifiers a project registered for its analyze jobs: an ONNX file in storage and
-- the contract it was checked against when uploaded (layout, channels, frames, persons,
-- normalisation, classes, the event class).
CREATE TABLE models (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name <> ''),
    service     text NOT NULL CHECK (service <> ''),
    contract    jsonb NOT NULL,
    object_key  text NOT NULL UNIQUE,
    bytes       bigint NOT NULL,
    sha256      text NOT NULL,
    created_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, name)
);

-- Zones drawn on a video in the browser (relative 0–1 coordinates): exclusion zones for the
-- analyze jobs that run on the video after they were drawn.
ALTER TABLE videos ADD COLUMN zones jsonb NOT NULL DEFAULT '[]';
