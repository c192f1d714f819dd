-- API tokens may expire and may be read-only (GET/HEAD only). Existing tokens keep working as
-- before: no expiry, read and write.
ALTER TABLE api_tokens
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN read_only  boolean NOT NULL DEFAULT false;
