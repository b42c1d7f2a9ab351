"""Canonical JSON and the SHA-256 hash chain.

Canonical form: UTF-8 JSON, object keys sorted, no insignificant whitespace, no NaN/Infinity,
timestamps as ISO 8601 UTC strings ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, UUIDs as lower-case strings.
The same event always encodes to the same bytes, so its hash can be recomputed anywhere (agent,
store, consumer, auditor) with any JSON library that can sort keys.

``hash = sha256(canonical(envelope without "hash"))``; the envelope includes ``prev_hash``, so
each event seals everything before it. The first event of a host has ``prev_hash = GENESIS_HASH``.

orjson does the encoding: it is several times faster than the standard library's encoder on the
hot path (every append and every read), and its sorted compact output is the canonical form.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

import orjson

GENESIS_HASH = "0" * 64
_OPTIONS = orjson.OPT_SORT_KEYS


def format_timestamp(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC; naive datetimes are refused."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware (UTC)")
    if moment.utcoffset():
        moment = moment.astimezone(timezone.utc)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _default(value: Any) -> Any:
    raise TypeError(f"not JSON-serialisable in canonical form: {type(value).__name__}")


def canonical_bytes(value: Any) -> bytes:
    """The canonical JSON of ``value`` (dicts, lists, strings, ints, floats, None).

    orjson writes NaN as null; payload models refuse NaN (``allow_inf_nan=False``) before that.
    """
    try:
        return orjson.dumps(value, option=_OPTIONS, default=_default)
    except TypeError as error:
        if "64-bit" not in str(error):
            raise
        # Integers beyond 64 bits: the standard library writes the same canonical form.
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False).encode("utf-8")


def canonical_json(value: Any) -> str:
    return canonical_bytes(value).decode("utf-8")


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


loads = orjson.loads
embedded_json = orjson.Fragment
"""Wraps canonical JSON bytes so that ``canonical_bytes`` embeds them as they are."""
