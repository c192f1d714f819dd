#!/usr/bin/env bash
# `make test`: install what is missing, build, then start a throw-away PostgreSQL cluster and an
# S3-compatible server (s3s-fs) on free loopback ports, run every test (Rust unit + integration,
# browser), stop the services and exit non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
. scripts/pg.sh
started=$(date +%s)

scripts/setup.sh --test
log "building"
cargo build -q
cargo test -q --no-run 2>&1 | grep -v '^\s*Executable' || true
scripts/build-frontend.sh
[ -d e2e/node_modules/playwright-core ] || npm ci --prefix e2e --silent --no-audit --no-fund
bin="$CARGO_TARGET_DIR/debug/recognizer"
RECOGNIZER_MODELS__DIR="$RECOGNIZER_MODELS_DIR" "$bin" models fetch
python3 scripts/fetch_data.py "$RECOGNIZER_DATA_CACHE"   # real footage for the vision tests

# --- services ------------------------------------------------------------------------------
work=$(mktemp -d /tmp/recognizer-test.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_stop "$work/pg"
  rm -rf "$work"
  log "services stopped; total $(( $(date +%s) - started )) s"
  exit $rc
}
trap cleanup EXIT INT TERM

pg_port=$(free_port)
pg_password=test-$RANDOM$RANDOM
PG_FSYNC=off pg_init "$work/pg" "$pg_password"
PG_FSYNC=off pg_start "$work/pg" "$pg_port"
export RECOGNIZER_TEST_PG_URL="postgres://postgres:$pg_password@127.0.0.1:$pg_port/postgres"

s3_port=$(free_port)
mkdir -p "$work/s3/recognizer-test"   # s3s-fs: a bucket is a directory under its root
export RECOGNIZER_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port"
export RECOGNIZER_TEST_S3_BUCKET=recognizer-test
export RECOGNIZER_TEST_S3_ACCESS_KEY=test-access
export RECOGNIZER_TEST_S3_SECRET_KEY=test-secret-$RANDOM
s3s-fs --host 127.0.0.1 --port "$s3_port" --access-key "$RECOGNIZER_TEST_S3_ACCESS_KEY" \
  --secret-key "$RECOGNIZER_TEST_S3_SECRET_KEY" "$work/s3" >"$work/s3s-fs.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$s3_port) 2>/dev/null && break; sleep 0.1; done
log "PostgreSQL on 127.0.0.1:$pg_port, s3s-fs on 127.0.0.1:$s3_port"

# --- deployment files ----------------------------------------------------------------------
scripts/check-deploy.sh

# --- Rust tests ----------------------------------------------------------------------------
log "Rust tests"
cargo test -q || die "Rust tests failed"

# --- browser tests against the real product (S3 storage, in-process worker) ---------------
log "browser tests"
pg_createdb "$work/pg" "$pg_port" "$pg_password" e2e
# the browser tests sign in as this administrator and set up everything else through the pages
export RECOGNIZER_ADMIN_EMAIL=admin@example.org RECOGNIZER_ADMIN_PASSWORD="e2e-admin-$RANDOM-$RANDOM"
http_port=$(free_port)
(umask 077 && printf '%s\n' "$RECOGNIZER_ADMIN_PASSWORD" > "$work/admin-password")
RECOGNIZER_DATABASE__URL="postgres://postgres:$pg_password@127.0.0.1:$pg_port/e2e" \
RECOGNIZER_STORAGE__KIND=s3 \
RECOGNIZER_STORAGE__S3__ENDPOINT="$RECOGNIZER_TEST_S3_ENDPOINT" \
RECOGNIZER_STORAGE__S3__BUCKET="$RECOGNIZER_TEST_S3_BUCKET" \
RECOGNIZER_STORAGE__S3__ACCESS_KEY_ID="$RECOGNIZER_TEST_S3_ACCESS_KEY" \
RECOGNIZER_STORAGE__S3__SECRET_ACCESS_KEY="$RECOGNIZER_TEST_S3_SECRET_KEY" \
RECOGNIZER_SERVER__BIND="127.0.0.1:$http_port" \
RECOGNIZER_SERVER__WEB_DIR="$PWD/frontend/dist" \
RECOGNIZER_SERVER__UPLOAD_DIR="$work/uploads" \
RECOGNIZER_SERVER__INITIAL_ADMIN_EMAIL="$RECOGNIZER_ADMIN_EMAIL" \
RECOGNIZER_SERVER__INITIAL_ADMIN_PASSWORD_FILE="$work/admin-password" \
RECOGNIZER_MODELS__DIR="$RECOGNIZER_MODELS_DIR" \
  "$bin" up >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http_port/api/health" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$http_port/api/health" >/dev/null \
  || { cat "$work/server.log" >&2; curl -s "http://127.0.0.1:$http_port/api/health" >&2 || true; die "the server did not become healthy"; }
RECOGNIZER_URL="http://127.0.0.1:$http_port" node --test --test-concurrency=1 e2e/tests/ >"$work/e2e.log" 2>&1 \
  || { cat "$work/e2e.log"; tail -30 "$work/server.log"; die "browser tests failed"; }
grep -E '^# (tests|pass|fail|skipped)' "$work/e2e.log"
log "all tests passed (screenshots in e2e/screenshots/)"
