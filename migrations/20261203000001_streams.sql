-- Camera streams a project registered. Each enabled stream is read by one worker at a time: the
-- worker holds a lease (lease_owner, lease_expires) that it renews every few seconds; a worker
-- that dies stops renewing and another one takes the stream once the lease has expired. The
-- worker writes the stream's health back as it goes.
CREATE TABLE streams (
    id            uuid PRIMARY KEY,
    project_id    uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (name <> ''),
    -- without credentials: those are kept apart and never returned by the API
    url           text NOT NULL CHECK (url <> ''),
    username      text,
    password      text,
    services      text[] NOT NULL DEFAULT '{}',
    -- exclusion zones for falls, relative 0–1 coordinates like a video's
    zones         jsonb NOT NULL DEFAULT '[]',
    -- the live view blurs faces
    blur_faces    boolean NOT NULL DEFAULT false,
    -- longer side of the pose model's input for this stream
    pose_input    integer NOT NULL DEFAULT 320 CHECK (pose_input >= 0),
    enabled       boolean NOT NULL DEFAULT true,
    lease_owner   text,
    lease_expires timestamptz,
    health        jsonb,
    health_at     timestamptz,
    created_by    uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, name)
);
CREATE INDEX streams_leases ON streams (lease_expires) WHERE enabled;

CREATE TRIGGER streams_notify AFTER INSERT OR UPDATE OR DELETE ON streams
    FOR EACH ROW EXECUTE FUNCTION recognizer_notify();

-- Live events are stored when they open (ongoing) and updated when they close; their times are
-- Unix seconds (a video's are seconds from its start).
ALTER TABLE events ADD COLUMN stream_id uuid REFERENCES streams(id) ON DELETE SET NULL;
ALTER TABLE events ADD COLUMN ongoing boolean NOT NULL DEFAULT false;
-- a live event's clip: a few seconds before it, the event, a few seconds after (MP4)
ALTER TABLE events ADD COLUMN clip_key text;
CREATE INDEX events_stream ON events (stream_id, start_secs);

DROP TRIGGER events_notify ON events;
CREATE TRIGGER events_notify AFTER INSERT OR UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION recognizer_notify();

-- event.opened when a live event is stored while it goes on; event.closed when an event is
-- stored ended (analysis jobs) or a live one ends.
CREATE OR REPLACE FUNCTION recognizer_webhook_event() RETURNS trigger AS $$
DECLARE
    what text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        what := CASE WHEN NEW.ongoing THEN 'event.opened' ELSE 'event.closed' END;
    ELSIF OLD.ongoing AND NOT NEW.ongoing THEN
        what := 'event.closed';
    ELSE
        RETURN NULL;
    END IF;
    INSERT INTO webhook_deliveries (id, webhook_id, event, subject_id)
    SELECT gen_random_uuid(), w.id, what, NEW.id
    FROM webhooks w
    WHERE w.project_id = NEW.project_id AND what = ANY (w.events);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER events_webhooks ON events;
CREATE TRIGGER events_webhooks AFTER INSERT OR UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION recognizer_webhook_event();

-- The live view: the newest drawn frame of a stream someone watches. A server with a viewer
-- renews watched_until; the worker publishes frames (a few a second) only while it is in the
-- future, and each publication is announced on recognizer_live. Unlogged: nothing here needs to
-- survive a crash.
CREATE UNLOGGED TABLE stream_live (
    stream_id     uuid PRIMARY KEY REFERENCES streams(id) ON DELETE CASCADE,
    jpeg          bytea,
    overlay       jsonb,
    frame_at      timestamptz,
    watched_until timestamptz
);

CREATE FUNCTION recognizer_live_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('recognizer_live', NEW.stream_id::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER stream_live_notify AFTER INSERT OR UPDATE OF jpeg ON stream_live
    FOR EACH ROW WHEN (NEW.jpeg IS NOT NULL) EXECUTE FUNCTION recognizer_live_notify();
