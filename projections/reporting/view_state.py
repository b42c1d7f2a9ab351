"""A ``HostView`` as JSON text and back, for the as-of checkpoints.

Unlike ``view_rows`` (the reported rows), this keeps what the fold reads -- open workflows,
sets, tuples, named tuples, pydantic maps -- so folding further events on a thawed view gives
the same reported rows as folding them on the original. Ended workflows are left out: on a
long stream they are nearly all of the view (one per backup, ever), the reports leave
workflows out, and what the fold does with an ended workflow (``ended_workflows``: bring it
back while a later step on it is open) changes no reported row. The tests fold from states at
many cut points and compare with the full fold. Decoding is driven by the dataclasses' type
hints, so a field added to ``HostView`` (or a part of it) is carried without code here, as long
as its type is one of: ``str``, ``int``, ``bool``, ``float``, ``datetime``, ``X | None``,
``tuple[X, ...]``, ``set[X]``, ``dict[str, X]``, a dataclass, a named tuple or a pydantic
model.

``FOLD_FINGERPRINT`` names the code a state was made by (the sources of the ``projections``
and ``events`` packages): a state made by another version of the fold is not used, since that
fold might have given another view for the same events.
"""
from __future__ import annotations

import sys
import types
import typing
from dataclasses import fields, is_dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

import orjson

from projections import host_view, tape_view
from projections.fold_code import fold_fingerprint  # noqa: F401 - re-exported (checkpoints)
from projections.host_view import HostView


class StateError(ValueError):
    """A state this code cannot write or read back (a field type the codec does not know)."""


def _default(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, tuple):  # a named tuple (orjson writes plain tuples itself)
        return list(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise StateError(f"a view state cannot hold a {type(value).__name__}")


def freeze(view: HostView) -> str:
    """``view`` as canonical JSON text (sorted keys: equal views give equal text)."""
    try:
        live = {key: flow for key, flow in view.workflows.items() if not flow.ended}
        return orjson.dumps(replace(view, workflows=live, ended_workflows={}), default=_default,
                            option=orjson.OPT_SORT_KEYS).decode()
    except TypeError as error:
        raise StateError(str(error)) from error


def thaw(text: str) -> HostView:
    """The ``HostView`` that ``freeze`` wrote as ``text``."""
    try:
        return _decode(HostView, orjson.loads(text))
    except (TypeError, KeyError, NameError, AttributeError) as error:
        raise StateError(f"{type(error).__name__}: {error}") from error


@cache
def _hints(cls: type) -> dict[str, Any]:
    namespace = {**vars(tape_view), **vars(host_view), **vars(sys.modules[cls.__module__])}
    return typing.get_type_hints(cls, globalns=namespace)


def _decode(kind: Any, data: Any) -> Any:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if data is None:
        return None
    if origin in (typing.Union, types.UnionType):
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _decode(inner, data)
    if origin is tuple:
        return tuple(_decode(args[0], item) for item in data)
    if origin in (set, frozenset):
        return origin(_decode(args[0], item) for item in data)
    if origin is dict:
        return {key: _decode(args[1], item) for key, item in data.items()}
    if kind is datetime:
        return datetime.fromisoformat(data)
    if is_dataclass(kind):
        hints = _hints(kind)
        return kind(**{f.name: _decode(hints[f.name], data[f.name]) for f in fields(kind)
                       if f.init})
    if isinstance(kind, type) and issubclass(kind, tuple) and hasattr(kind, "_fields"):
        hints = _hints(kind)
        return kind(*(_decode(hints[name], item) for name, item in zip(kind._fields, data)))
    if hasattr(kind, "model_validate"):
        return kind.model_validate(data)
    if kind in (str, int, bool, float, Any):
        return data
    raise StateError(f"a view state cannot hold a {kind!r}")
