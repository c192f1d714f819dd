-- Footfall layout drawn on a video in the browser: zones to count people in and counting lines
-- (relative 0–1 coordinates). Analyze jobs with footfall on count them on this video, besides
-- the zones and lines given in the job's own parameters.
ALTER TABLE videos ADD COLUMN footfall jsonb NOT NULL DEFAULT '{"zones": [], "lines": []}';
