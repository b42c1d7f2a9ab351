#!/bin/sh
# The embedded demo: no servers, state under $DRM_DATA_DIR (made fresh each run).
set -eu
: "${BIN:=.venv/bin}"
rm -rf "$DRM_DATA_DIR"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
step "$BIN/drm" lab init --example
step "$BIN/drm" lab show
step "$BIN/drm" pairdisplay -g VG01
step "$BIN/drmhostinfo"
step "$BIN/drm" hostinfo --json
step "$BIN/drm" log --host FSServer
step "$BIN/drm" verify --host FSServer
