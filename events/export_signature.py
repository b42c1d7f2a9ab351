"""Export documents signed by the exporting host (ADR 0005), pure: no I/O.

The signature covers ``body_sha256`` (which seals the body), the signing host, key and time,
under a ``kind`` of its own so that it cannot pass for a signed head. An importer accepts a
document only when it carries a valid signature of its ``source_host`` under a key the trusted
registry held at ``signed_at``: an unsigned document, an edited one (its body no longer hashes
to what was signed), or one re-sealed with another origin host, is refused.
"""
from __future__ import annotations

from events.canonical import canonical_bytes
from events.export_document import DocumentSignature, ExportDocument
from events.signing import KeyRing, Signer, now_text

EXPORT_KIND = "drm-export-v1"


def signed_bytes(body_sha256: str, host: str, key_id: str, signed_at: str) -> bytes:
    return canonical_bytes({"kind": EXPORT_KIND, "body_sha256": body_sha256, "host": host,
                            "key_id": key_id, "signed_at": signed_at})


def sign_document(document: ExportDocument, signer: Signer) -> ExportDocument:
    """``document`` with ``signer``'s signature (``signer`` must be its source host's key)."""
    if signer.host != document.body.source_host:
        raise ValueError(f"host {signer.host} cannot sign an export of host "
                         f"{document.body.source_host}")
    stamp = now_text()
    data = signed_bytes(document.body_sha256, signer.host, signer.key_id, stamp)
    signature = DocumentSignature(host=signer.host, key_id=signer.key_id, signed_at=stamp,
                                  signature=signer.sign(data).hex())
    return document.model_copy(update={"signature": signature})


def signature_problem(document: ExportDocument, keys: KeyRing) -> str | None:
    """``None`` when ``document`` is signed by its source host under a trusted key."""
    signed, source = document.signature, document.body.source_host
    if signed is None:
        return f"the export file is not signed (it must be signed by its source host {source})"
    if signed.host != source:
        return (f"the export file is signed by host {signed.host}, not by its source host "
                f"{source}")
    problem = keys.check(source, signed.key_id, signed.signed_at,
                         signed_bytes(document.body_sha256, source, signed.key_id,
                                      signed.signed_at), bytes.fromhex(signed.signature))
    return f"the export file's signature is not valid: {problem}" if problem else None
