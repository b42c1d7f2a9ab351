"""Signed heads: a host's signature over ``(host, seq, hash, signed_at, key_id)`` of its stream.

Each append batch of the event store ends in one ``SignedHead``: since every event's hash seals
everything before it, a signature over the batch's last hash vouches for the host's whole
history up to that seq. An Ed25519 signature costs more than an append here, so one signature
per batch, not per event (ADR 0005).

The signed bytes are the canonical JSON of the head's fields without ``signature``, with a
``kind`` that no other signed document of ours uses (export documents sign another kind), so a
signature cannot be replayed as another kind of statement.

Nothing here does I/O: a ``Signer`` holds a secret key, a ``KeyRing`` answers which public key
of a host was valid when (``adapters.keys`` reads both from files).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from events.canonical import canonical_bytes, format_timestamp

HEAD_KIND = "drm-signed-head-v1"
_HEX_SIGNATURE = re.compile(r"[0-9a-f]{128}").fullmatch
_KEY_ID = re.compile(r"[0-9a-f]{16}").fullmatch
_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z").fullmatch
_HASH = re.compile(r"[0-9a-f]{64}").fullmatch


class TrustFileError(ValueError):
    """A key file, trusted-keys registry or auditor state that cannot be used; the text says
    which and why (the CLI shows it as ``KAVX0006-E``, nothing changed)."""


class Signer(Protocol):
    """A host's current secret key."""

    host: str
    key_id: str

    def sign(self, data: bytes) -> bytes: ...


class KeyRing(Protocol):
    """The trusted public keys of every host."""

    def check(self, host: str, key_id: str, signed_at: str, data: bytes,
              signature: bytes) -> str | None:
        """``None`` when ``signature`` is ``host``'s signature of ``data`` under ``key_id``,
        valid at ``signed_at``; else what is wrong with it."""
        ...


@dataclass(frozen=True, slots=True)
class SignedHead:
    host: str
    seq: int
    hash: str
    signed_at: str  # canonical UTC timestamp text, exactly as signed
    key_id: str
    signature: str  # 128 hex digits (Ed25519)

    def signed_bytes(self) -> bytes:
        return head_bytes(self.host, self.seq, self.hash, self.signed_at, self.key_id)

    def to_wire(self) -> dict[str, Any]:
        return {"host": self.host, "seq": self.seq, "hash": self.hash,
                "signed_at": self.signed_at, "key_id": self.key_id,
                "signature": self.signature}

    @classmethod
    def from_wire(cls, value: Any) -> "SignedHead":
        """A head from its JSON form; ``ValueError`` naming the field that is not right."""
        if not isinstance(value, dict):
            raise ValueError("a signed head must be a JSON object")
        checks = {"host": lambda v: isinstance(v, str) and 0 < len(v) <= 255,
                  "seq": lambda v: type(v) is int and 0 < v < 1 << 63,
                  "hash": lambda v: isinstance(v, str) and _HASH(v),
                  "signed_at": lambda v: isinstance(v, str) and _STAMP(v),
                  "key_id": lambda v: isinstance(v, str) and _KEY_ID(v),
                  "signature": lambda v: isinstance(v, str) and _HEX_SIGNATURE(v)}
        for name, valid in checks.items():
            if not valid(value.get(name)):
                raise ValueError(f"signed head field {name} is missing or malformed")
        if len(value) != len(checks):
            raise ValueError("a signed head has exactly the fields "
                             + ", ".join(checks))
        return cls(**{name: value[name] for name in checks})


def head_bytes(host: str, seq: int, hash_: str, signed_at: str, key_id: str) -> bytes:
    return canonical_bytes({"kind": HEAD_KIND, "host": host, "seq": seq, "hash": hash_,
                            "signed_at": signed_at, "key_id": key_id})


def now_text() -> str:
    return format_timestamp(datetime.now(timezone.utc))


def sign_head(signer: Signer, seq: int, hash_: str, signed_at: str | None = None) -> SignedHead:
    """``signer``'s head over its host's stream at ``(seq, hash_)``."""
    stamp = signed_at or now_text()
    data = head_bytes(signer.host, seq, hash_, stamp, signer.key_id)
    return SignedHead(signer.host, seq, hash_, stamp, signer.key_id, signer.sign(data).hex())


def head_problem(head: SignedHead, keys: KeyRing) -> str | None:
    """``None`` when ``head`` carries a valid signature of its host; else why not."""
    return keys.check(head.host, head.key_id, head.signed_at, head.signed_bytes(),
                      bytes.fromhex(head.signature))


HEAD_FIELD = "signed_head"
"""The key under which an event on the bus carries its batch's signed head (not hashed)."""


def split_head(body: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """``body`` without its signed head, and the head as sent (``None`` when there is none);
    ``body`` itself is not changed."""
    if HEAD_FIELD not in body:
        return body, None
    rest = dict(body)
    return rest, rest.pop(HEAD_FIELD)
