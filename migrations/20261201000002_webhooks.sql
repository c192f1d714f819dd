-- Webhooks: a project subscribes a URL to what happens in it. Deliveries are rows, queued by
-- triggers in the same transaction as the change they announce (a job that ends, an event that is
-- stored), sent by any server process (FOR UPDATE SKIP LOCKED), retried with backoff, and kept
-- as the delivery log.
CREATE TABLE webhooks (
    id            uuid PRIMARY KEY,
    project_id    uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    url           text NOT NULL CHECK (url <> ''),
    secret        text NOT NULL,
    events        text[] NOT NULL,
    -- an administrator allowed a private / loopback address (an internal service)
    allow_private boolean NOT NULL DEFAULT false,
    created_by    uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_project ON webhooks (project_id);

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    webhook_id      uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event           text NOT NULL,
    -- the job or event it is about (its current state is sent); none for a test
    subject_id      uuid,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    response_status integer,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, created_at DESC);

CREATE FUNCTION recognizer_webhook_job() RETURNS trigger AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NEW.status::text IN ('succeeded', 'failed') THEN
        INSERT INTO webhook_deliveries (id, webhook_id, event, subject_id)
        SELECT gen_random_uuid(), w.id, 'job.' || NEW.status::text, NEW.id
        FROM webhooks w
        WHERE w.project_id = NEW.project_id AND ('job.' || NEW.status::text) = ANY (w.events);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER jobs_webhooks AFTER UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION recognizer_webhook_job();

-- An analysis stores an event once it has ended: it is announced as event.closed.
CREATE FUNCTION recognizer_webhook_event() RETURNS trigger AS $$
BEGIN
    INSERT INTO webhook_deliveries (id, webhook_id, event, subject_id)
    SELECT gen_random_uuid(), w.id, 'event.closed', NEW.id
    FROM webhooks w
    WHERE w.project_id = NEW.project_id AND 'event.closed' = ANY (w.events);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER events_webhooks AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION recognizer_webhook_event();
