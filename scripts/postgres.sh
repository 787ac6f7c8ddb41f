#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, on loopback, in a folder of its own (Debian's
# postgresql package; nothing of the machine's own clusters is touched).
#
#   scripts/postgres.sh start DIR PORT   creates the cluster in DIR if needed, starts it, and prints
#                                        the URL of its maintenance database
#   scripts/postgres.sh stop DIR         stops the server of DIR (fast shutdown)
#
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres.sh: PostgreSQL is not installed (scripts/setup.sh --scale)" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}
case "${1:-}" in
  start)
    dir=$2; port=$3
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --no-sync -E UTF8 >"$dir.initdb.log" 2>&1 \
        || { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    # Durability off: a test database is thrown away; the tests then spend no time in fsync.
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
      -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$2" -m fast -w stop >/dev/null
    ;;
  *) echo "usage: scripts/postgres.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
