#!/bin/sh
# The embedded demo: no servers, state under $DRM_DATA_DIR (made fresh each run).
# The single-host story of the example lab: back up, change files, back up again, list the
# catalog, lock a generation, back up twice more (rotation skips the locked one), split the
# TrueCopy pair with CCI's pairsplit (a restore needs every related copy group split), restore
# the first backup and show that the files are exactly those of the first backup.
set -eu
: "${BIN:=.venv/bin}"
rm -rf "$DRM_DATA_DIR"
mkdir -p "$DRM_DATA_DIR"
DATA=$(cd "$DRM_DATA_DIR" && pwd)
MP="$DATA/hosts/FSServer/mnt/fs1"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
note() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
# checksums of every file under the mount point, by path relative to it
sums() { (cd "$MP" && find . -type f -exec sha256sum {} + | LC_ALL=C sort -k 2); }

step "$BIN/drm" lab init --example
step "$BIN/drm" lab show
step "$BIN/drmfsdisplay" -refresh -cf

note "first backup; keep the checksums of what it holds"
sums > "$DATA/first.sha256"
step cat "$DATA/first.sha256"
step "$BIN/drmfsbackup" "$MP" -comment "first"

note "change files: append to one, delete one, add one"
echo "a line written after the first backup" >> "$MP/docs/readme.txt"
rm "$MP/docs/orders.csv"
echo "new after the first backup" > "$MP/docs/new.txt"
step "$BIN/drmfsbackup" "$MP" -mode cold -comment "after changes"
step "$BIN/drmfscat" "$MP"

note "lock the generation of the first backup; the next backups rotate over the others"
step "$BIN/drmcgctl" -backup_id 0000000001 -mode lock
step "$BIN/drmfsbackup" "$MP"
step "$BIN/drmfsbackup" "$MP"
note "VG01 (locked) still holds backup 1; 3 and 4 went to VG03 and VG02, superseding 2"
step "$BIN/drmcgctl"
step "$BIN/drmappcat"

note "a restore needs every other copy group of the P-VOL split (PSUS) or SMPL; TC01 is PAIR"
printf '\n\033[1m$ %s\033[0m\n' "$BIN/drmfsrestore 0000000001 -resync"
"$BIN/drmfsrestore" 0000000001 -resync || echo "(refused, exit code $?: it names the pairsplit to run)"
note "split the TrueCopy pair with CCI's pairsplit (through FSServer's agent), then restore"
step "$BIN/pairsplit" -g TC01 -d VOL01
step "$BIN/pairdisplay" -g TC01
step "$BIN/drmfsrestore" 0000000001 -resync
note "the files are exactly those of the first backup"
sums > "$DATA/restored.sha256"
step diff "$DATA/first.sha256" "$DATA/restored.sha256"
echo "identical: $(wc -l < "$DATA/restored.sha256") files, same paths and SHA-256"
step "$BIN/drmcgctl" -backup_id 0000000001 -mode unlock

step "$BIN/drmhostinfo"
printf '\n\033[1m$ %s\033[0m\n' "$BIN/drm log --host FSServer | tail -n 8"
"$BIN/drm" log --host FSServer | tail -n 8
step "$BIN/drm" verify --host FSServer

# ==== TAPE BLOCK (issue 5 part B): tape backup and tape restore on the backup server ========
# BKServer sees the S-VOLs. The entry of backup 1 goes to BKServer (export/import), BKServer
# mounts its S-VOL (locking the copy group), copies it to tape and unmounts; the S-VOL then
# changes; the tape is restored to the S-VOL and the S-VOL holds the first backup's files again.
note "TAPE: hand backup 1 to the backup server (drmdbexport on FSServer, drmdbimport on BKServer)"
step "$BIN/drmdbexport" 0000000001 -f "$DATA/backup1.drm"
step "$BIN/drmdbimport" -f "$DATA/backup1.drm" --host BKServer | tee "$DATA/import.out"
BK_ID=$(sed -n 's/.*Imported backup ID = \([0-9]\{10\}\).*/\1/p' "$DATA/import.out")
step "$BIN/drmtapeinit" -product NBU -retention_days 30 --host BKServer
step "$BIN/drmmount" "$BK_ID" --host BKServer
step "$BIN/drmcgctl" --host BKServer
step "$BIN/drmmediabackup" "$BK_ID" --host BKServer | tee "$DATA/tape.out"
TAPE_ID=$(sed -n 's/.*Backup ID = \([0-9]\{10\}\).*/\1/p' "$DATA/tape.out")
step "$BIN/drmumount" "$BK_ID" --host BKServer
step "$BIN/drmtapecat" --host BKServer
step "$BIN/drmtapecat" -hostname FSServer -l --host BKServer
note "TAPE: the S-VOL changes: new data on the P-VOL, resync VG01, back up to it again"
echo "a line written after the tape backup" >> "$MP/docs/readme.txt"
step "$BIN/drmresync" -copy_group VG01,VOL01
step "$BIN/drmfsbackup" "$MP" -rc local_0 -comment "after the tape backup"
note "TAPE: restore the tape to the S-VOL (mounted writable by the tape backup ID)"
step "$BIN/drmmount" "$TAPE_ID" --host BKServer
step "$BIN/drmmediarestore" "$TAPE_ID" --host BKServer
SVOL="$DATA/hosts/BKServer/mnt/vg01"
(cd "$SVOL" && find . -type f -exec sha256sum {} + | LC_ALL=C sort -k 2) > "$DATA/tape-restored.sha256"
step "$BIN/drmumount" "$TAPE_ID" --host BKServer
step "$BIN/drmfscat" "$MP" --host BKServer
note "TAPE: the S-VOL holds exactly the files of the first backup again"
step diff "$DATA/first.sha256" "$DATA/tape-restored.sha256"
echo "identical: $(wc -l < "$DATA/tape-restored.sha256") files, same paths and SHA-256"
# ==== END OF TAPE BLOCK ======================================================================

# ==== BACKUP-SERVER TRANSFER BLOCK (issue 5 part A): export back, auto-import, lineage =======
# The tape-restored entry on BKServer travels back to FSServer (drmdbexport on BKServer,
# drmdbimport on FSServer: a new local ID, ORIGINAL-ID 0000000001 kept) and is restored to the
# P-VOL. Then a backup with -s BKServer -auto_import hands its entry to BKServer's agent over the
# bus, and drm lineage follows backup 1 across both hosts, event by event.
note "TRANSFER: the tape-restored entry goes back to FSServer"
step "$BIN/drmappcat" --host BKServer
RESTORED_ID=$("$BIN/drmappcat" --host BKServer | sed -n 's/^\([0-9]\{10\}\) .*/\1/p' | tail -n 1)
step "$BIN/drmdbexport" "$RESTORED_ID" -f "$DATA/restored.drm" --host BKServer
step "$BIN/drmdbimport" -f "$DATA/restored.drm" | tee "$DATA/import-back.out"
BACK_ID=$(sed -n 's/.*Imported backup ID = \([0-9]\{10\}\).*/\1/p' "$DATA/import-back.out")
step "$BIN/drmfscat" "$MP" -backup_id "$BACK_ID"
note "TRANSFER: restore it to the P-VOL; the files are those of the first backup"
step "$BIN/drmfsrestore" "$BACK_ID" -resync
sums > "$DATA/restored-from-tape.sha256"
step diff "$DATA/first.sha256" "$DATA/restored-from-tape.sha256"
echo "identical: $(wc -l < "$DATA/restored-from-tape.sha256") files, same paths and SHA-256"
note "TRANSFER: a damaged export file is refused before anything is sent"
head -c 200 "$DATA/restored.drm" > "$DATA/truncated.drm"
printf '\n\033[1m$ %s\033[0m\n' "$BIN/drmdbimport -f $DATA/truncated.drm"
"$BIN/drmdbimport" -f "$DATA/truncated.drm" || echo "(refused, exit code $?)"
note "TRANSFER: back up with -s BKServer -auto_import -auto_mount: BKServer imports and mounts it"
step "$BIN/drmfsbackup" "$MP" -s BKServer -auto_import -auto_mount -comment "auto-import" \
  | tee "$DATA/auto.out"
AUTO_ID=$(sed -n 's/^Imported backup ID = \([0-9]\{10\}\)$/\1/p' "$DATA/auto.out")
step "$BIN/drmcgctl" --host BKServer
step "$BIN/drmumount" "$AUTO_ID" --host BKServer
note "TRANSFER: the lineage of backup 1: every entry on every host that carries it"
step "$BIN/drm" lineage 0000000001 --host FSServer
step "$BIN/drm" lineage "$AUTO_ID" --host BKServer
step "$BIN/drm" verify --host BKServer
# ==== END OF BACKUP-SERVER TRANSFER BLOCK ====================================================

# ==== EXTENDED-COMMAND BLOCK (issue 12): EX_DRM_* with a user script and FTP ================
# Operation_A is defined on FSServer and BKServer and checked (which creates the temporary
# directories); EX_DRM_FS_BACKUP runs a user script around the backup ([PRE_PROC] here, a
# LOCATION=REMOTE command on BKServer through its agent, [POST_PROC] with DRMENV_*), writes the
# backup ID file; EX_DRM_DB_EXPORT / EX_DRM_FTP_PUT (a real FTP server, pyftpdlib) /
# EX_DRM_DB_IMPORT carry the entry to BKServer; drm audit log --operation shows it all.
note "EX: define Operation_A on both hosts and check it (the check creates the temporary directories)"
FTPROOT="$DATA/hosts/BKServer/ftp_root"
mkdir -p "$FTPROOT" "$DATA/hosts/FSServer/script/conf" "$DATA/hosts/BKServer/script/conf"
for H in FSServer BKServer; do
  printf 'BACKUP_OBJECT=FILESYSTEM\nDB_SERVER_NAME=FSServer\nINSTANCE_NAME=%s\nTARGET_NAME=\nFTP_HOME_DIR=%s\nFTP_SUB_DIR=script\nSET_DRM_HOSTNAME=0\n' \
    "$MP" "$FTPROOT" > "$DATA/hosts/$H/script/conf/_Operation_A.dat"
done
printf 'HOST_ROLE=DB\nMAX_LOG_LINES=1000\nMSG_OUTPUT=DETAIL\n' > "$DATA/hosts/FSServer/script/conf/host.dat"
step cat "$DATA/hosts/FSServer/script/conf/_Operation_A.dat"
step "$BIN/EX_DRM_FS_DEF_CHECK" Operation_A -db
step "$BIN/EX_DRM_FS_DEF_CHECK" Operation_A -bk --host BKServer
note "EX: a user script (the manual's format; its batch files as shell scripts)"
SCRIPTS="$DATA/scripts"
mkdir -p "$SCRIPTS"
printf '#!/bin/sh\necho "stop $VAL ($DRMENV_CMD_STAT)" >> "%s/app.log"\n' "$SCRIPTS" > "$SCRIPTS/stop_app.sh"
printf '#!/bin/sh\necho "restart $VAL after backup $DRMENV_L_BACKUPID ($DRMENV_COMMENT)" >> "%s/app.log"\n' "$SCRIPTS" > "$SCRIPTS/restart_app.sh"
printf '#!/bin/sh\nhostname_seen=$DRM_HOSTNAME\necho "on $hostname_seen: $DRMENV_COMMENT" > "%s/remote.out"\n' "$SCRIPTS" > "$SCRIPTS/on_bk.sh"
chmod +x "$SCRIPTS"/*.sh
cat > "$SCRIPTS/script.txt" <<SCRIPT
LOCAL_BACKUP=YES
[PRE_PROC]
[CMD]
CMDLINE=$SCRIPTS/stop_app.sh
ENV=VAL=ApplicationName
TIMEOUT=60
END_CODE=100
[CMD]
CMDLINE=$SCRIPTS/on_bk.sh
LOCATION=REMOTE
[POST_PROC]
[CMD]
CMDLINE=$SCRIPTS/restart_app.sh
ENV=VAL=ApplicationName
TIMEOUT=60
SCRIPT
step cat "$SCRIPTS/script.txt"
note "EX: EX_DRM_FS_BACKUP with the script (MSG_OUTPUT=DETAIL in host.dat shows the inner lines)"
step "$BIN/EX_DRM_FS_BACKUP" Operation_A -mode cold -script "$SCRIPTS/script.txt" -s BKServer \
  -comment "ex demo"
step cat "$SCRIPTS/app.log" "$SCRIPTS/remote.out"
step cat "$DATA/hosts/FSServer/script_work/Operation_A/DB/Operation_A.bid"
note "EX: export, FTP to BKServer (a real FTP server on a free local port), import there"
PORT=$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN/python" -m pyftpdlib -i 127.0.0.1 -p "$PORT" -w -d "$FTPROOT" -u admin -P password \
  > "$DATA/ftp.log" 2>&1 &
FTP_PID=$!
trap 'kill "$FTP_PID" 2>/dev/null || true' EXIT
sleep 1
export DRM_FTP_ADDRESSES="{\"BKServer\": \"127.0.0.1:$PORT\"}"
step "$BIN/EX_DRM_DB_EXPORT" Operation_A
step "$BIN/EX_DRM_FTP_PUT" Operation_A -server BKServer -user admin -password password
step "$BIN/EX_DRM_DB_IMPORT" Operation_A --host BKServer
step cat "$FTPROOT/script/Operation_A/BK/Operation_A.bid"
kill "$FTP_PID" 2>/dev/null || true
note "EX: the whole operation across both hosts, and the extended commands' log"
step "$BIN/drm" audit log --operation operation_a
step tail -n 6 "$DATA/hosts/FSServer/script/log/drm_script.log"
# ==== END OF EXTENDED-COMMAND BLOCK ==========================================================

# ==== SQL SERVER BLOCK (issue 13): an online backup, log backups, a failure, a recovery ======
# DBServer runs the simulated SQL Server (instance "default", UserDB1 and UserDB2 on their own
# P-VOLs, three ShadowImage generations). An online backup freezes the databases for the split;
# rows written afterwards are covered by a log backup and, after the failure, by a tail-log
# backup (-no_truncate); the restore brings the backup's volume back (LOADING), the recovery
# rolls the logs forward: every row committed before the failure is back.
SQL() { "$BIN/drm" lab sql "$@"; }
rows_of() { SQL count "$1" | sed -n 's/.*rows=\([0-9]*\).*/\1/p'; }
trap '"$BIN/drm" lab sql stop >/dev/null 2>&1 || true; kill "${FTP_PID:-0}" 2>/dev/null || true' EXIT
note "SQL: DBServer's instance and its databases (the simulated SQL Server)"
step "$BIN/drm" lab sql databases
step "$BIN/drmsqldisplay" default -refresh --host DBServer
note "SQL: an online backup of the default instance (VDI freeze, split, thaw)"
step "$BIN/drmsqlbackup" default -comment "demo" --host DBServer | tee "$DATA/sql-backup.out"
SQL_ID=$(sed -n 's/.*Backup ID = \([0-9]\{10\}\).*/\1/p' "$DATA/sql-backup.out")
step "$BIN/drmsqlcat" default --host DBServer
AT_BACKUP=$(rows_of UserDB1)
note "SQL: rows written after the backup, a log backup, more rows"
step "$BIN/drm" lab sql write UserDB1 --rows 40 --batch 10
step "$BIN/drmsqllogbackup" default --host DBServer
step "$BIN/drm" lab sql write UserDB1 --rows 15 --batch 5
step "$BIN/drm" lab sql count UserDB1
BEFORE=$(rows_of UserDB1)
note "SQL: the failure: UserDB1's data file is lost (UNCONFIRMED); the log file survives"
step "$BIN/drm" lab sql damage UserDB1
note "SQL: a tail-log backup (-no_truncate) takes the log up to the failure"
step "$BIN/drmsqllogbackup" default -no_truncate --host DBServer
"$BIN/drmsqllogbackup" default -v --host DBServer > "$DATA/SQLTXLOG.txt"
step cat "$DATA/SQLTXLOG.txt"
note "SQL: the restore needs the P-VOL's other generations split; then restore the backup"
step "$BIN/pairsplit" -g SI02 -d sql01 --host DBServer
step "$BIN/pairsplit" -g SI03 -d sql01 --host DBServer
step "$BIN/drmsqlrestore" "$SQL_ID" -resync -target UserDB1 --host DBServer
note "SQL: the recovery rolls the log backup and the tail forward; UserDB1 is online again"
step "$BIN/drmsqlrecover" default -transact_log_list "$DATA/SQLTXLOG.txt" --host DBServer
step "$BIN/drm" lab sql count UserDB1
AFTER=$(rows_of UserDB1)
echo "rows: $AT_BACKUP at the backup, $BEFORE before the failure, $AFTER after the recovery"
[ "$AFTER" = "$BEFORE" ] || { echo "rows differ after the recovery" >&2; exit 1; }
echo "identical: every one of the $BEFORE rows committed before the failure is back"
step "$BIN/drm" lab sql stop
# ==== END OF SQL SERVER BLOCK ================================================================
