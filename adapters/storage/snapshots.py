"""Thin Image / Copy-on-Write Snapshot: snapshots kept in a pool as shared content chunks.

A pool holds chunks of at most 1 MiB named by a 160-bit digest (SHA-256, truncated; older
pools may hold BLAKE2b-named chunks, which stay readable since a manifest names its chunks), so equal content is
stored once and shared by every snapshot. A snapshot is a manifest (JSON): for each file its
signature (size, mtime_ns, inode), mode and list of chunk digests; for each directory its
mode; for each symlink its target. Taking a snapshot reads only the files whose signature
differs from the previous snapshot of the same volume and reuses the chunk lists of the
others, so it costs time and space in proportion to what changed, not to the volume size.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import orjson

from adapters.storage.copier import CHUNK, _remove
from adapters.storage.entries import Region, collect_one, scan, unseen_links
from adapters.storage.journal import Changes, Gap
from adapters.storage.metadata import fsync_dir, write_bytes_atomic

Manifest = dict[str, Any]
DIGEST_HEX = 40  # a chunk is named by 20 bytes of digest, in hex
FSYNC_UP_TO = 64  # chunks made durable one by one; more: one syncfs
_LIBC = ctypes.CDLL(None, use_errno=True) if hasattr(ctypes, "CDLL") else None


def _syncfs(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        if _LIBC is None or not hasattr(_LIBC, "syncfs") or _LIBC.syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


class ChunkPool:
    """A content-addressed store of chunks and snapshot manifests under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.chunks = root / "chunks"
        self.manifests = root / "snapshots"
        self.unsynced: list[Path] = []  # chunks written since the last ``flush``

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its digest."""
        digest = hashlib.sha256(data).digest()[:20].hex()  # SHA-NI: about twice BLAKE2b's speed
        path = self.chunks / digest[:2] / digest
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{digest}.{os.getpid()}.{threading.get_ident()}.tmp")
            with open(tmp, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
            self.unsynced.append(path)
        return digest

    def flush(self) -> None:
        """Make the chunks written so far durable: an fsync each (and their directories') when
        they are few, else one ``syncfs`` (which also flushes everything else dirty on the file
        system, so its cost follows the whole machine's writes, not ours)."""
        written, self.unsynced = self.unsynced, []
        if len(written) > FSYNC_UP_TO:
            _syncfs(self.root)
            return
        if written:  # at once: the file system's journal commits concurrent fsyncs together
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(fsync_dir, written))  # (opens read-only: files as well)
                list(pool.map(fsync_dir, {path.parent for path in written}))

    def get(self, digest: str) -> bytes:
        return (self.chunks / digest[:2] / digest).read_bytes()

    def save(self, manifest: Manifest) -> str:
        snap_id = manifest.setdefault("id", uuid.uuid4().hex)
        write_bytes_atomic(self.manifests / f"{snap_id}.json", orjson.dumps(manifest))
        return snap_id

    def load(self, snap_id: str) -> Manifest:
        manifest = self.read(self.manifests / f"{snap_id}.json")
        if manifest is None:
            raise FileNotFoundError(f"snapshot {snap_id} is not in the pool {self.root}")
        return manifest

    def read(self, path: Path) -> Manifest | None:
        """A manifest by path (``load``, or the ``latest-<ldev>.json`` link), None if absent."""
        try:
            return orjson.loads(path.read_bytes())
        except FileNotFoundError:
            return None

    def link_latest(self, snap_id: str, name: str) -> None:
        """Make ``<root>/<name>`` a hard link to the snapshot's manifest (no copy, atomic).

        The link outlives ``delete`` of the snapshot, so the next snapshot of the volume can
        still reuse its chunk lists.
        """
        tmp = self.root / f".{name}.{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        os.link(self.manifests / f"{snap_id}.json", tmp)
        os.replace(tmp, self.root / name)
        fsync_dir(self.root)

    def delete(self, snap_id: str) -> None:
        """Forget a snapshot's manifest (chunks are kept; they may be shared)."""
        (self.manifests / f"{snap_id}.json").unlink(missing_ok=True)


def digests(info: dict[str, Any]) -> list[str]:
    """The chunk digests of a manifest's file entry, in order.

    Manifests store them as one string of concatenated 40-hex-digit digests (cheap to encode
    and parse); the first manifests stored a list, which is still read.
    """
    chunks = info["chunks"]
    if isinstance(chunks, list):
        return chunks
    return [chunks[i:i + DIGEST_HEX] for i in range(0, len(chunks), DIGEST_HEX)]


def take_snapshot(pool: ChunkPool, volume: Path, previous: Manifest | None = None,
                  workers: int = 2, changes: Changes | Gap | None = None,
                  watch: Callable[[str], None] | None = None) -> Manifest:
    """Record the content of ``volume`` in ``pool`` and return the (saved) manifest.

    Files whose signature equals the one in ``previous`` reuse its chunk list unread; the
    others are read and stored by ``workers`` threads (hashing releases the GIL). With
    ``changes`` (the paths the change journal names since ``previous`` was taken) only those
    are looked at, plus the files linked more than once (``previous["linked"]``); without it,
    or when a changed file has links the journal does not name, the whole volume is walked.
    The manifest says which in ``comparison`` (and ``full_reason``); ``watch`` is the change
    journal's hook for a whole walk (``entries.scan``).
    """
    before = (previous or {}).get("files", {})
    reason = changes.reason if isinstance(changes, Gap) else "no earlier snapshot of the volume"
    entries = None
    if previous is not None and isinstance(changes, dict):
        entries, region = collect_one(volume, changes, previous.get("linked", ()),
                                      previous["dirs"].__contains__)
        if unseen_links(entries):
            entries, reason = None, "a changed file has hard links outside the paths the journal names"
    if entries is None:
        entries = scan(volume, before_listing=watch)
        files, dirs, links, linked = {}, {}, {}, set()
    else:
        files, dirs, links = (_without(previous[key], region) for key in ("files", "dirs", "links"))
        linked = {rel for rel in previous.get("linked", ()) if not region.covers(rel)}
        reason = ""
    changed = []
    for rel, entry in entries.items():
        if entry.kind == "d":
            dirs[rel] = entry.mode
        elif entry.kind == "l":
            links[rel] = entry.target
        else:
            if entry.nlink > 1:
                linked.add(rel)
            old = before.get(rel)
            files[rel] = {"sig": entry.sig, "mode": entry.mode, "chunks": old["chunks"] if old else ""}
            if not old or old["sig"] != entry.sig:
                changed.append((rel, entry.size))

    def store(item: tuple[str, int]) -> None:
        files[item[0]]["chunks"] = "".join(_store_file(pool, volume / item[0], item[1]))

    if workers > 1 and len(changed) > 1:
        with ThreadPoolExecutor(max_workers=workers) as executor:
            list(executor.map(store, sorted(changed, key=lambda item: -item[1])))
    else:
        for item in changed:
            store(item)
    manifest = {"files": files, "dirs": dirs, "links": links, "linked": sorted(linked),
                "comparison": "full" if reason else "journal", "full_reason": reason}
    pool.flush()  # chunks are durable before the manifest that names them
    pool.save(manifest)
    return manifest


def _without(table: dict[str, Any], region: Region) -> dict[str, Any]:
    """``table`` less the paths ``region`` covers."""
    kept = dict(table)
    for rel in region.paths:
        kept.pop(rel, None)
    if region.trees:
        prefixes = tuple(f"{tree}/" for tree in region.trees)
        for rel in [rel for rel in kept if rel in region.trees or rel.startswith(prefixes)]:
            del kept[rel]
    return kept


def _store_file(pool: ChunkPool, path: Path, size: int) -> list[str]:
    chunks = []
    with open(path, "rb") as handle:
        remaining = size
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            chunks.append(pool.put(data))
            remaining -= len(data)
    return chunks


def restore_snapshot(pool: ChunkPool, manifest: Manifest, target: Path,
                     progress: Callable[[int, int], None] | None = None) -> int:
    """Make ``target`` hold exactly the snapshot's content; return the bytes written.

    A file whose signature still equals the one recorded in the manifest is left alone (this is
    the P-VOL case of a restore); any other file is rewritten chunk by chunk where it differs.
    """
    files, dirs, links = manifest["files"], manifest["dirs"], manifest["links"]
    present = scan(target)
    for rel in sorted(present, reverse=True):
        entry = present[rel]
        keep = (entry.kind == "f" and rel in files) or (entry.kind == "d" and rel in dirs) or (
            entry.kind == "l" and links.get(rel) == entry.target)
        if not keep:
            _remove(target / rel)
            present.pop(rel)
    for rel in sorted(dirs, key=lambda r: r.count("/")):
        (target / rel).mkdir(exist_ok=True)
        os.chmod(target / rel, dirs[rel])
    for rel, link in links.items():
        if rel not in present:
            os.symlink(link, target / rel)
    dirty = [rel for rel, f in files.items() if rel not in present or present[rel].sig != f["sig"]]
    total = sum(files[rel]["sig"][0] for rel in dirty)
    done = written = 0
    for rel in dirty:
        info, path = files[rel], target / rel
        mode = "r+b" if path.exists() else "wb"
        with open(path, mode) as handle:
            offset = 0
            for digest in digests(info):
                data = pool.get(digest)
                if mode == "wb" or os.pread(handle.fileno(), len(data), offset) != data:
                    os.pwrite(handle.fileno(), data, offset)
                    written += len(data)
                offset += len(data)
                done += len(data)
                if progress:
                    progress(done, total)
            handle.truncate(offset)
        os.chmod(path, info["mode"])
        os.utime(path, ns=(info["sig"][1], info["sig"][1]))
    return written
