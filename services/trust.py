"""Composition of the trust material (ADR 0005): the hosts' keys on this machine and the
trusted-keys registry, from the settings. Nothing here runs at import time."""
from __future__ import annotations

from adapters.keys import Ed25519Signer, KeyStore, TrustedKeys
from services.settings import Settings


def key_store(settings: Settings) -> KeyStore:
    return KeyStore(settings.keys_dir, settings.trusted_keys_file)


def host_signer(settings: Settings, host: str) -> Ed25519Signer | None:
    """``host``'s current key, created and registered on first use."""
    return key_store(settings).signer(host)


def trusted_keys(settings: Settings) -> TrustedKeys:
    return TrustedKeys.load(settings.trusted_keys_file)
