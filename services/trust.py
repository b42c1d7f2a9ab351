"""Composition of the trust material (ADR 0005): the hosts' keys on this machine and the
trusted-keys registry, from the settings. Nothing here runs at import time."""
from __future__ import annotations

import logging

from adapters.keys import Ed25519Signer, KeyFileError, KeyStore, TrustedKeys
from events.export_document import ExportDocument
from events.export_signature import sign_document, signature_problem
from events.signing import Signer
from services.settings import Settings

log = logging.getLogger(__name__)


def key_store(settings: Settings) -> KeyStore:
    return KeyStore(settings.keys_dir, settings.trusted_keys_file)


def host_signer(settings: Settings, host: str) -> Ed25519Signer | None:
    """``host``'s current key, created and registered on first use. ``None``, with a warning,
    when the registry names a current key whose file this machine lacks (a cluster node that
    was not given its virtual server's key file): its appends are then unsigned, and
    ``drm verify`` says so."""
    signer = key_store(settings).signer(host)
    if signer is None:
        log.warning("host %s: its current key is registered in %s but its key file is not in "
                    "%s; events are appended unsigned", host, settings.trusted_keys_file,
                    settings.keys_dir / host)
    return signer


def trusted_keys(settings: Settings) -> TrustedKeys:
    return TrustedKeys.load(settings.trusted_keys_file)


def signed_export(document: ExportDocument, signer: Signer | None) -> ExportDocument:
    """``document`` signed by its source host when ``signer`` is that host's key."""
    if signer is None or signer.host != document.body.source_host:
        return document
    return sign_document(document, signer)


def export_problem(settings: Settings | None, document: ExportDocument) -> str | None:
    """Why ``document`` must not be imported here (``None``: it may), by the trusted keys of
    ``settings``; a composition without settings has no registry to check against."""
    if settings is None:
        return None
    try:
        return signature_problem(document, trusted_keys(settings))
    except KeyFileError as error:
        return str(error)
