"""The rows last written for one host's view, brought up to date at the cost of what changed.

``view_rows`` serialises a whole view; doing that after every batch makes a host with 100k
catalog entries cost O(view) per batch. Instead, ``RowCache`` replaces each view dict of the
live ``HostView`` by a ``TrackedDict``, which notes every key the fold reaches (reads
included: the fold changes a copy group in place after ``copy_groups.get``), and ``changes()``
serialises only those keys. What reaches many values at once (iterating, ``values()``,
``update``, …), or a view dict the fold replaced by a new one, makes every row of that view a
candidate again, so the result is always exactly ``diff(rows written, view_rows(view))``.
"""
from __future__ import annotations

from typing import Any

from projections.host_view import HostView
from projections.reporting.view_rows import HOST_ROW, Rows, dumps, parts, row_text, view_rows


class TrackedDict(dict):
    """A dict that records the keys reached through it since ``reset``; ``everything`` when
    values were reached in bulk."""

    __slots__ = ("touched", "everything")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.touched: set = set()
        self.everything = False

    def reset(self) -> None:
        self.touched = set()
        self.everything = False

    def __getitem__(self, key):
        self.touched.add(key)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        self.touched.add(key)
        return dict.get(self, key, default)

    def __setitem__(self, key, value) -> None:
        self.touched.add(key)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key) -> None:
        self.touched.add(key)
        dict.__delitem__(self, key)

    def pop(self, key, *default):
        self.touched.add(key)
        return dict.pop(self, key, *default)

    def setdefault(self, key, default=None):
        self.touched.add(key)
        return dict.setdefault(self, key, default)

    def _bulk(name: str):  # noqa: N805 - builds the methods below
        method = getattr(dict, name)

        def bulk(self, *args, **kwargs):
            self.everything = True
            return method(self, *args, **kwargs)

        bulk.__name__ = name
        return bulk

    values = _bulk("values")
    items = _bulk("items")
    __iter__ = _bulk("__iter__")
    popitem = _bulk("popitem")
    clear = _bulk("clear")
    update = _bulk("update")
    copy = _bulk("copy")
    __ior__ = _bulk("__ior__")
    __or__ = _bulk("__or__")
    del _bulk


class RowCache:
    """The rows of ``view`` as last written. ``written``: True when the view was loaded from
    the store and its rows are taken as ``view_rows(view)``; False for a host never written;
    or the rows the store actually holds for the host, when they may differ from the view's
    (a fold or a view name that changed since they were written: ``Ingestor`` ``load_rows``):
    the first ``changes()`` then gives what brings them to the view's rows, rows of views no
    longer made included."""

    def __init__(self, view: HostView, written: "bool | Rows") -> None:
        self.view = view
        self.rows: dict[str, dict[str, str]] = {}
        self.host_row: str | None = None
        self.tracked: dict[str, TrackedDict | None] = {}
        stored = written if isinstance(written, dict) else (
            view_rows(view) if written else {})
        for (name, key), text in stored.items():
            if (name, key) == HOST_ROW:
                self.host_row = text
            else:
                self.rows.setdefault(name, {})[key] = text
        if isinstance(written, dict):  # every stored view is compared: unmade ones go
            self.tracked = dict.fromkeys(self.rows)
        self._track()
        if written is True:  # the rows above are the view's rows now
            for tracked in self.tracked.values():
                tracked.reset()

    def _track(self) -> dict[str, Any]:
        """Wrap every view dict that is not tracked yet; the scalars of the host row."""
        scalars: dict[str, Any] = {}
        seen = {}
        for name, owner, attr, value in list(parts(self.view, scalars)):
            if value is not self.tracked.get(name):
                value = TrackedDict(value)
                value.everything = True  # new to us: every row is a candidate
                setattr(owner, attr, value)
            seen[name] = value
        for name in self.tracked.keys() - seen.keys():
            seen[name] = None  # a view that is gone: its rows go
        self.tracked = seen
        return scalars

    def changes(self) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
        """``(changed or new rows (view, key, text), removed (view, key))`` since the last
        call, which are then taken as written."""
        changed: list[tuple[str, str, str]] = []
        removed: list[tuple[str, str]] = []
        scalars = self._track()
        for name, tracked in list(self.tracked.items()):
            written = self.rows.setdefault(name, {})
            if tracked is None:
                removed += [(name, key) for key in written]
                del self.rows[name], self.tracked[name]
                continue
            if tracked.everything:
                keys = {str(key): key for key in dict.keys(tracked)}
                candidates = list(keys.values()) + [k for k in written if k not in keys]
            else:
                candidates = list(tracked.touched)
            for key in candidates:
                text_key = str(key)
                if dict.__contains__(tracked, key):
                    text = row_text(name, dict.__getitem__(tracked, key))
                    if written.get(text_key) != text:
                        written[text_key] = text
                        changed.append((name, text_key, text))
                elif text_key in written and not _has_row(tracked, key, text_key):
                    del written[text_key]
                    removed.append((name, text_key))
            tracked.reset()
        host_row = dumps(scalars)
        if host_row != self.host_row:
            self.host_row = host_row
            changed.append((*HOST_ROW, host_row))
        return changed, removed


def _has_row(tracked: dict, key: Any, text_key: str) -> bool:
    """Whether another key of ``tracked`` gives the row key ``text_key`` (only possible in a
    view whose keys are not strings)."""
    return type(key) is not str and any(str(other) == text_key for other in dict.keys(tracked))
