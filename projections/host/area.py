"""``AreaFold``: the mutators of one area of ``HostView``, keyed by payload model, registered once.

A mutator is ``fn(view, event, seq) -> None``: it changes ``view`` in place from ``event``, an
instance of the payload model it is registered for. On the rebuild path that instance is built
by ``stored_reader`` (no validation: the stored JSON values, see there); a fold built with
``typed=True`` hands it the validated model instead, and both must give the same view.

Example::

    fold = AreaFold("catalog")

    @fold.on(BackupEntryDeleted)
    def entry_deleted(view: HostView, event: BackupEntryDeleted, seq: int) -> None: ...
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Callable, Mapping, TypeVar

from events.base import Payload
from projections.host_view import HostView

P = TypeVar("P", bound=Payload)
Mutator = Callable[[HostView, Any, int], None]
Reader = Callable[[dict[str, Any]], Any]


class DuplicateMutator(ValueError):
    """A second mutator for an event type, in one area or across the areas of one fold."""


class AreaFold:
    """The mutators of one area; ``on`` raises ``DuplicateMutator`` for a model seen before."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._mutators: dict[type[Payload], Mutator] = {}

    def on(self, model: type[P], function: Callable[[HostView, P, int], None] | None = None):
        """Register ``function`` for ``model``; without ``function``, a decorator that does."""
        if function is None:
            return lambda decorated: self.on(model, decorated)
        if model in self._mutators:
            raise DuplicateMutator(f"area {self.name!r}: {model.__name__} already has the "
                                   f"mutator {self._mutators[model].__name__}")
        self._mutators[model] = function
        return function

    @property
    def mutators(self) -> Mapping[type[Payload], Mutator]:
        return MappingProxyType(self._mutators)


def stored_reader(model: type[P]) -> Callable[[dict[str, Any]], P]:
    """``read(payload)``: ``payload`` (already valid, as stored) seen as an instance of
    ``model``, unvalidated.

    The fields are the stored JSON values: strings, numbers, lists, and nested models and
    datetimes as the dicts and ISO strings they were written as. Mutators read nested values
    through ``common.item_fields``/``common.parse_time``, which take either form. The dict is
    shared, not copied; the instance is only read. (Costs well under a microsecond: a rebuild
    reads every event of a stream.)
    """
    names = frozenset(model.model_fields)

    def read(payload: dict[str, Any], new=object.__new__, set_=object.__setattr__) -> P:
        event = new(model)
        set_(event, "__dict__", payload)
        set_(event, "__pydantic_fields_set__", names)
        set_(event, "__pydantic_extra__", None)
        set_(event, "__pydantic_private__", None)
        return event

    return read

