-- Retention: per project, source videos and/or job results older than N days are removed by a
-- daily sweep (NULL: kept forever); an administrator pins videos and jobs to keep them. What a
-- sweep removed is logged.
ALTER TABLE projects
    ADD COLUMN retain_videos_days    integer CHECK (retain_videos_days > 0),
    ADD COLUMN retain_artifacts_days integer CHECK (retain_artifacts_days > 0);
ALTER TABLE videos ADD COLUMN pinned boolean NOT NULL DEFAULT false;
ALTER TABLE jobs ADD COLUMN pinned boolean NOT NULL DEFAULT false;

CREATE TABLE retention_log (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- 'video' or 'artifact'
    kind        text NOT NULL,
    -- the video or job it belonged to
    owner_id    uuid NOT NULL,
    name        text NOT NULL,
    object_key  text NOT NULL,
    bytes       bigint NOT NULL,
    removed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retention_log_project ON retention_log (project_id, removed_at DESC);
