#!/bin/sh
# `make demo-pg`: a real PostgreSQL server on the lab's P-VOLs, protected through the drm CLI.
# Needs the PostgreSQL server binaries (pg_config --bindir) and the postgres OS user (the
# server never runs as root); `make demo` does not. State goes to a fresh directory that the
# postgres user can traverse ($DRM_DATA_DIR, made fresh each run).
# The story: set the cluster up, write rows, back up online, write more rows with a moment
# in between, back up the WAL, prove the restore point (drm pg cat -l), lose the data volume,
# restore and recover to the moment between the two transactions, show the rows.
set -eu
: "${BIN:=.venv/bin}"
: "${PG_PORT:=55439}"
rm -rf "$DRM_DATA_DIR"
mkdir -p "$DRM_DATA_DIR"
chmod 0711 "$DRM_DATA_DIR"
DATA=$(cd "$DRM_DATA_DIR" && pwd)
PY="$BIN/python"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
note() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
server() { "$PY" -m infra.pg_lab_server "$DATA" DBServer pg1 "$@"; }
sql() { printf '\n\033[1mpsql> %s\033[0m\n' "$*"; server sql "$@"; }

cat > "$DATA/lab-pg.toml" <<TOML
# A database server with one PostgreSQL cluster: data, WAL and a tablespace each on its own
# P-VOL, each with two ShadowImage generations (MU 0 and 1).
name = "pg-demo"

[[hosts]]
name = "DBServer"
role = "DB"
  [[hosts.mounts]]
  path = "hosts/DBServer/mnt/pgdata"
  array = 64001
  ldev = 1
  [[hosts.mounts]]
  path = "hosts/DBServer/mnt/pgwal"
  array = 64001
  ldev = 2
  [[hosts.mounts]]
  path = "hosts/DBServer/mnt/pgts"
  array = 64001
  ldev = 3

[[arrays]]
serial = 64001
$(for n in 1 2 3 11 12 13 21 22 23; do printf '  [[arrays.ldevs]]\n  id = %s\n  size = "1GiB"\n' "$n"; done)
$(for v in DATA:1 WAL:2 TS:3; do name=${v%:*}; p=${v#*:}; for mu in 0 1; do
  printf '\n[[copy_groups]]\ngroup = "PG%s"\ndevice = "%s"\ncopy_type = "SI"\nmu = %s\n' "$mu" "$name" "$mu"
  printf 'pvol = { array = 64001, ldev = %s }\nsvol = { array = 64001, ldev = %s }\n' "$p" "$((p + 10 + 10 * mu))"
  printf 'generation = "local_%s"\ninitial_status = "PSUS"\n' "$mu"; done; done)

[[postgres_clusters]]
name = "pg1"
host = "DBServer"
data = "hosts/DBServer/mnt/pgdata"
wal = "hosts/DBServer/mnt/pgwal"
port = $PG_PORT
wal_segment_mb = 1
tablespaces = [{ name = "ts1", mount = "hosts/DBServer/mnt/pgts" }]
TOML

step "$BIN/drm" lab init "$DATA/lab-pg.toml"
note "the administrator creates the cluster on the P-VOLs and starts it (as postgres)"
step server initdb
step server start
step "$BIN/drmpginit" pg1
step "$BIN/drmpgdisplay" pg1

sql "CREATE TABLE orders (n int PRIMARY KEY, placed timestamptz DEFAULT clock_timestamp())"
sql "INSERT INTO orders (n) SELECT generate_series(1, 1000)"
step "$BIN/drmpgbackup" pg1 -comment "online, with 1000 orders"
sql "INSERT INTO orders (n) VALUES (1001)"
sleep 1.2
TARGET=$(server sql "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
note "the moment to come back to: $TARGET (order 1001 before it, 1002 after)"
sleep 1.2
sql "INSERT INTO orders (n) VALUES (1002)"
step "$BIN/drmpglogbackup" pg1
step "$BIN/drmpglogbackup" pg1 -v
step "$BIN/drmpgcat" pg1 -l 0000000001

note "a raw pairsplit outside drm pg backup: that generation is only crash-consistent"
step "$BIN/drmresync" -copy_group PG1,DATA
step "$BIN/pairsplit" -g PG1 -d DATA
step "$BIN/drmpgdisplay" pg1

note "disaster: the data volume is lost (the log backups live elsewhere)"
step server stop
rm -rf "$DATA/hosts/DBServer/mnt/pgdata/pgdata"
step "$BIN/drmpgrestore" 0000000001 -resync
step "$BIN/drmpgrecover" pg1 -time "$TARGET"
sql "SELECT count(*), max(n) FROM orders"
note "1001 orders: everything up to the moment, nothing after"
step "$BIN/drmpgcat" pg1
step "$BIN/drm" verify --host DBServer
server stop
