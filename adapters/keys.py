"""Host keys (Ed25519, from ``cryptography``) and the trusted-keys registry.

- A host's secret key is a PEM file ``<keys dir>/<host>/<key_id>.pem``, mode 0600. A cluster's
  virtual server is a host like any other: both of its nodes' agents read the same key file.
- The registry (a JSON file whose location is a setting, ``DRM_TRUSTED_KEYS``) lists every host's
  public keys: ``{"hosts": {host: [{key_id, public_key, valid_from, retired_at}]}}``. A retired
  key still verifies what it signed before ``retired_at``: events signed before a rotation stay
  verifiable for ever.
- ``key_id`` is the first 16 hex digits of the SHA-256 of the raw public key.

``KeyStore.signer(host)`` gives the host's current key, creating and registering one the first
time (trust on first use, on the machine that holds the registry); ``rotate`` makes a new key
and retires the old one. Registry updates hold an exclusive lock and replace the file whole.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)

from adapters.files import FileTooLarge, read_limited
from events.names import BadName, check
from events.signing import TrustFileError, now_text

_RAW = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)
MAX_REGISTRY_BYTES = 4 << 20


class KeyFileError(TrustFileError):
    """A key or registry that cannot be used; the text says which and why."""


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass(frozen=True)
class Ed25519Signer:
    host: str
    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


@dataclass(frozen=True)
class TrustedKey:
    key_id: str
    public_key: str  # raw public key, hex
    valid_from: str
    retired_at: str | None = None

    def covers(self, moment: str) -> bool:
        """Whether the key was in service at ``moment`` (canonical timestamps sort as text)."""
        return self.valid_from <= moment and (self.retired_at is None
                                              or moment <= self.retired_at)


class TrustedKeys:
    """The registry in memory (implements ``events.signing.KeyRing``)."""

    def __init__(self, hosts: dict[str, list[TrustedKey]] | None = None) -> None:
        self.hosts = hosts or {}
        self._verifiers: dict[str, Ed25519PublicKey] = {}

    @classmethod
    def load(cls, path: Path) -> "TrustedKeys":
        """The registry at ``path`` (empty when there is no file)."""
        try:
            data = read_limited(path, MAX_REGISTRY_BYTES, "the trusted keys file")
        except FileNotFoundError:
            return cls()
        except FileTooLarge as error:
            raise KeyFileError(str(error)) from None
        except OSError as error:
            raise KeyFileError(f"the trusted keys file {path} cannot be read: "
                               f"{error.strerror}") from None
        try:
            value = json.loads(data)
            return cls({host: [TrustedKey(**entry) for entry in entries]
                        for host, entries in value["hosts"].items()})
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise KeyFileError(f"the trusted keys file {path} is not a valid registry "
                            f"({type(error).__name__}: {error})") from None

    def as_dict(self) -> dict[str, Any]:
        return {"hosts": {host: [vars(entry) for entry in entries]
                          for host, entries in sorted(self.hosts.items())}}

    def enrolled(self, host: str) -> bool:
        return bool(self.hosts.get(host))

    def enrolled_at(self, host: str) -> str | None:
        """When the host's first key came into service (``None``: no key registered)."""
        return min((k.valid_from for k in self.hosts.get(host, [])), default=None)

    def current(self, host: str) -> TrustedKey | None:
        return next((k for k in reversed(self.hosts.get(host, [])) if k.retired_at is None), None)

    def check(self, host: str, key_id: str, signed_at: str, data: bytes,
              signature: bytes) -> str | None:
        entry = next((k for k in self.hosts.get(host, []) if k.key_id == key_id), None)
        if entry is None:
            return f"key {key_id} is not a trusted key of host {host}"
        if not entry.covers(signed_at):
            return (f"key {key_id} of host {host} was not in service at {signed_at} "
                    f"(valid from {entry.valid_from}, retired at {entry.retired_at})")
        verifier = self._verifiers.get(entry.public_key)
        if verifier is None:
            verifier = Ed25519PublicKey.from_public_bytes(bytes.fromhex(entry.public_key))
            self._verifiers[entry.public_key] = verifier
        try:
            verifier.verify(signature, data)
        except InvalidSignature:
            return f"the signature does not verify under key {key_id} of host {host}"
        return None


class KeyStore:
    """Secret key files under ``keys_dir`` and the registry file at ``registry``."""

    def __init__(self, keys_dir: Path, registry: Path) -> None:
        self.keys_dir, self.registry = keys_dir, registry

    def trusted(self) -> TrustedKeys:
        return TrustedKeys.load(self.registry)

    def signer(self, host: str, create: bool = True) -> Ed25519Signer | None:
        """The host's current key; created and registered when the host has none and
        ``create``. ``None`` when the registry names a current key whose file is not here."""
        current = self.trusted().current(host)
        if current is None:
            if not create:
                return None
            with self._locked() as keys:
                current = keys.current(host) or self._new_key(keys, host, now_text())
                self._save(keys)
        return self._load(host, current.key_id)

    def key_file(self, host: str) -> Path | None:
        """The secret key file of ``host``'s current key, when this machine has it."""
        current = self.trusted().current(host)
        path = self._path(host, current.key_id) if current is not None else None
        return path if path is not None and path.exists() else None

    def rotate(self, host: str) -> tuple[str | None, str]:
        """A new key for ``host``; the old one is retired now (it still verifies what it signed
        before) and its secret file removed. Returns ``(old key id, new key id)``."""
        with self._locked() as keys:
            moment = now_text()
            old = keys.current(host)
            if old is not None:
                entries = keys.hosts[host]
                entries[entries.index(old)] = TrustedKey(old.key_id, old.public_key,
                                                         old.valid_from, moment)
            new = self._new_key(keys, host, moment)
            self._save(keys)
        if old is not None:
            self._path(host, old.key_id).unlink(missing_ok=True)
        return (old.key_id if old else None), new.key_id

    def _new_key(self, keys: TrustedKeys, host: str, moment: str) -> TrustedKey:
        private = Ed25519PrivateKey.generate()
        public = private.public_key().public_bytes(*_RAW)
        entry = TrustedKey(key_id_of(public), public.hex(), moment)
        path = self._path(host, entry.key_id)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = private.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        keys.hosts.setdefault(host, []).append(entry)
        return entry

    def _load(self, host: str, key_id: str) -> Ed25519Signer | None:
        try:
            pem = self._path(host, key_id).read_bytes()
        except FileNotFoundError:
            return None
        private = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private, Ed25519PrivateKey) or \
                key_id_of(private.public_key().public_bytes(*_RAW)) != key_id:
            raise KeyFileError(f"the key file of host {host} does not hold key {key_id}")
        return Ed25519Signer(host, key_id, private)

    def _path(self, host: str, key_id: str) -> Path:
        try:
            check("host", host)  # the one rule for host names: no separator, no "..", <= 63
        except BadName as error:
            raise KeyFileError(f"not a host name usable as a key directory: {error}") from None
        return self.keys_dir / host / f"{key_id}.pem"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[TrustedKeys]:
        self.registry.parent.mkdir(parents=True, exist_ok=True)
        lock = self.registry.with_name(self.registry.name + ".lock")
        with lock.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield TrustedKeys.load(self.registry)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _save(self, keys: TrustedKeys) -> None:
        temporary = self.registry.with_name(f".{self.registry.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(keys.as_dict(), indent=2, sort_keys=True))
        os.replace(temporary, self.registry)
