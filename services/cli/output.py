"""Console output in the manual's manner: aligned fields and tables, or JSON (the KAVX framing
is ``services.cli.perform``'s)."""
from __future__ import annotations

import json
from typing import Any, Sequence


def emit_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def fields(pairs: Sequence[tuple[str, Any]]) -> list[str]:
    width = max(len(name) for name, _ in pairs)
    return [f"{name.ljust(width)} : {value}" for name, value in pairs]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    render = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()  # noqa: E731
    return [render(headers)] + [render(r) for r in cells]
