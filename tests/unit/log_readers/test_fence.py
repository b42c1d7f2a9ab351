"""The log readers are fenced: both implement the one ``LogReader`` Protocol, and code outside
``adapters.log_readers`` uses only the package's public names (Protocol, factory, errors)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from adapters.log_readers import LogReader, parse_offset
from adapters.log_readers.stream_consumer import StreamConsumer
from adapters.log_readers.stream_protocol import StreamProtocolConsumer

ROOT = Path(__file__).resolve().parents[3]
OUTSIDE = ("events", "services", "projections", "adapters", "bench")


@pytest.mark.parametrize("reader", [
    StreamConsumer("amqp://guest:guest@127.0.0.1:5672//", "a-stream"),
    StreamProtocolConsumer("rabbitmq-stream://guest:guest@127.0.0.1:5552/%2f", "a-stream"),
])
def test_each_reader_is_a_log_reader_and_closing_it_unopened_is_harmless(reader):
    assert isinstance(reader, LogReader)
    reader.close()
    reader.close()


def test_outside_the_package_only_its_public_names_are_imported():
    internal = []
    for package in OUTSIDE:
        for path in (ROOT / package).rglob("*.py"):
            if path.is_relative_to(ROOT / "adapters" / "log_readers"):
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                modules = ([node.module] if isinstance(node, ast.ImportFrom) and node.module
                           else [a.name for a in node.names] if isinstance(node, ast.Import)
                           else [])
                internal += [f"{path.relative_to(ROOT)}: {m}" for m in modules
                             if m.startswith("adapters.log_readers.")]
    assert internal == []


def test_offsets_are_read_from_text_or_refused_clearly():
    assert [parse_offset(t) for t in ("first", "last", "next", "42")] == \
        ["first", "last", "next", 42]
    assert parse_offset("2026-11-29T10:00").isoformat() == "2026-11-29T10:00:00"
    with pytest.raises(ValueError, match="offset must be first, last, next"):
        parse_offset("yesterday")
