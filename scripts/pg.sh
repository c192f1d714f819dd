# PostgreSQL cluster helpers, sourced by run.sh and test.sh.
# Postgres refuses to run as root: as root, the cluster is owned by and runs as `postgres`, so its
# directory must be traversable by that user (hence not under /root).

# as_pg CMD...: run a Postgres binary as the cluster's owner.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_init DIR PASSWORD: create a cluster in DIR (once) with password auth on loopback.
pg_init() {
  local dir=$1 password=$2
  [ -f "$dir/data/PG_VERSION" ] && return 0
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  chmod 700 "$dir"
  local pwfile="$dir/.pwfile"
  printf '%s\n' "$password" > "$pwfile"
  [ "$(id -u)" = 0 ] && chown postgres: "$pwfile"
  as_pg initdb -D "$dir/data" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed in $dir"; }
  rm -f "$pwfile"
}

# pg_start DIR PORT: start the cluster listening on 127.0.0.1:PORT only.
pg_start() {
  local dir=$1 port=$2
  mkdir -p "$dir/run" && [ "$(id -u)" = 0 ] && chown postgres: "$dir/run"
  if as_pg pg_ctl -D "$dir/data" status >/dev/null 2>&1; then
    as_pg pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  fi
  as_pg pg_ctl -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
    -o "-p $port -k $dir/run -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-on}" start >/dev/null \
    || { tail -20 "$dir/postgres.log" >&2; die "PostgreSQL did not start (log: $dir/postgres.log)"; }
}

pg_stop() {
  local dir=$1
  as_pg pg_ctl -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# pg_createdb DIR PORT PASSWORD NAME: create database NAME if missing.
pg_createdb() {
  local dir=$1 port=$2 password=$3 name=$4
  PGPASSWORD="$password" psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
    || PGPASSWORD="$password" psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE \"$name\""
}

# free_port: an unused loopback TCP port.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
