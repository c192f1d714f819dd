#!/usr/bin/env bash
# `make run`: install what is missing, build, fetch models, start the project's own PostgreSQL
# and run `recognizer up` (API + web UI + one in-process CPU worker, local directory storage).
# Ctrl-C stops everything, PostgreSQL included.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
. scripts/pg.sh

scripts/setup.sh
log "building (release)"
cargo build -q --release
scripts/build-frontend.sh
bin="$CARGO_TARGET_DIR/release/recognizer"

# Data lives outside git. As root, Postgres runs as `postgres`, which cannot enter /root.
if [ "$(id -u)" = 0 ]; then data_root=${RECOGNIZER_DATA:-/var/lib/recognizer}; else data_root=${RECOGNIZER_DATA:-$HOME/.local/share/recognizer}; fi
pg_dir="$data_root/postgres"
port=${RECOGNIZER_PG_PORT:-54329}
mkdir -p "$data_root" && chmod 755 "$data_root"
secret="$data_root/postgres-password"
[ -f "$secret" ] || (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$secret")
password=$(cat "$secret")
# The first administrator's password: generated once, kept next to the data.
admin_secret="$data_root/admin-password"
[ -f "$admin_secret" ] || (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(18))' > "$admin_secret")

export RECOGNIZER_DATABASE__URL="postgres://postgres:$password@127.0.0.1:$port/recognizer"
export RECOGNIZER_STORAGE__KIND=${RECOGNIZER_STORAGE__KIND:-local}
export RECOGNIZER_STORAGE__LOCAL_DIR=${RECOGNIZER_STORAGE__LOCAL_DIR:-$data_root/objects}
export RECOGNIZER_MODELS__DIR=${RECOGNIZER_MODELS__DIR:-$RECOGNIZER_MODELS_DIR}
export RECOGNIZER_SERVER__BIND=${RECOGNIZER_SERVER__BIND:-127.0.0.1:8080}
export RECOGNIZER_SERVER__WEB_DIR=${RECOGNIZER_SERVER__WEB_DIR:-$PWD/frontend/dist}
export RECOGNIZER_SERVER__UPLOAD_DIR=${RECOGNIZER_SERVER__UPLOAD_DIR:-$data_root/uploads}
export RECOGNIZER_SERVER__INITIAL_ADMIN_EMAIL=${RECOGNIZER_SERVER__INITIAL_ADMIN_EMAIL:-admin@localhost.localdomain}
# the file's path, not the password: a process's environment is readable in /proc for its lifetime
export RECOGNIZER_SERVER__INITIAL_ADMIN_PASSWORD_FILE=${RECOGNIZER_SERVER__INITIAL_ADMIN_PASSWORD_FILE:-$admin_secret}

pg_init "$pg_dir" "$password"
server=
# Ctrl-C reaches the server and this script together: stop the server, then always PostgreSQL,
# ignoring further interrupts while doing so.
cleanup() {
  trap '' INT TERM
  if [ -n "$server" ]; then kill -INT "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  pg_stop "$pg_dir"
  log "stopped PostgreSQL"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pg_start "$pg_dir" "$port"
pg_createdb "$pg_dir" "$port" "$password" recognizer

"$bin" models fetch --required
log "data: $data_root (PostgreSQL on 127.0.0.1:$port, objects in $RECOGNIZER_STORAGE__LOCAL_DIR)"
log "sign in as $RECOGNIZER_SERVER__INITIAL_ADMIN_EMAIL with the password in $admin_secret (first start only; change it later)"
"$bin" up &
server=$!
wait "$server" || true
