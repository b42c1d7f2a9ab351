#!/bin/sh
# The embedded demo: no servers, state under $DRM_DATA_DIR (made fresh each run).
# The single-host story of the example lab: back up, change files, back up again, list the
# catalog, lock a generation, back up twice more (rotation skips the locked one), restore the
# first backup and show that the files are exactly those of the first backup.
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

note "restore needs every related copy group split: back up to the remote generation too"
step "$BIN/drmfsbackup" "$MP" -rc remote_0 -comment "remote"
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
