"""An auditor's client-held state as a small JSON file: the last signed head it verified per
host (``drm verify --state FILE``). A store that no longer holds that head -- cut short, or
rewritten and re-chained, even back to an earlier, genuinely signed head -- is caught by
comparing with it; only someone who saw the later head can notice such a rollback (ADR 0005).

Layout: ``{"format": "drm-auditor-state", "hosts": {host: <signed head>}}``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from adapters.files import FileTooLarge, read_limited
from events.signing import SignedHead, TrustFileError

FORMAT = "drm-auditor-state"
MAX_STATE_BYTES = 4 << 20


class StateFileError(TrustFileError):
    """A state file that cannot be used; nothing is changed."""


class AuditorState:
    def __init__(self, heads: dict[str, SignedHead] | None = None) -> None:
        self.heads = heads or {}

    @classmethod
    def load(cls, path: Path) -> "AuditorState":
        """The state at ``path``; empty when the file does not exist yet."""
        try:
            data = read_limited(path, MAX_STATE_BYTES, "the auditor state")
        except FileNotFoundError:
            return cls()
        except FileTooLarge:
            data = None
        except OSError as error:
            raise StateFileError(f"the auditor state {path} cannot be read: "
                                 f"{error.strerror}") from None
        try:
            if data is None:
                raise ValueError(f"larger than {MAX_STATE_BYTES} bytes")
            value = json.loads(data)
            if not isinstance(value, dict) or value.get("format") != FORMAT \
                    or not isinstance(value.get("hosts"), dict):
                raise ValueError(f"not a {FORMAT} document")
            heads = {host: SignedHead.from_wire(head) for host, head in value["hosts"].items()}
        except (ValueError, UnicodeDecodeError) as error:
            raise StateFileError(f"the auditor state {path} is not usable: {error}") from None
        if any(head.host != host for host, head in heads.items()):
            raise StateFileError(f"the auditor state {path} files a head under another host")
        return cls(heads)

    def held(self, host: str) -> SignedHead | None:
        return self.heads.get(host)

    def advance(self, head: SignedHead) -> None:
        """Hold ``head`` (just verified) unless an earlier-verified later head is held."""
        held = self.heads.get(head.host)
        if held is None or head.seq >= held.seq:
            self.heads[head.host] = head

    def save(self, path: Path) -> None:
        body = {"format": FORMAT, "hosts": {host: head.to_wire()
                                            for host, head in sorted(self.heads.items())}}
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(body, indent=2, sort_keys=True))
        os.replace(temporary, path)
