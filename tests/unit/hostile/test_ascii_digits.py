"""Backup IDs, MU#s, instance numbers and times are ASCII digits only: ``\\d`` (Python ``re``
and pydantic's pattern engine) also matches other scripts' digits (``١``, ``０``), which
``int()`` then reads as numbers, so ``"٠٠٠٠٠٠٠٠٠١"`` passed as a backup ID."""
from __future__ import annotations

import argparse

import pytest
from pydantic import ValidationError

from events.pair_commands import SplitPair
from events.sql_log_list import LogListError, parse
from services.cli.cci import selection
from services.cli.errors import CliError

ARABIC_ONE_TO_ZERO = "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660"
FULLWIDTH = "\uff10" * 10


@pytest.mark.parametrize("backup_id", [ARABIC_ONE_TO_ZERO, FULLWIDTH])
def test_a_log_list_refuses_non_ascii_backup_ids(backup_id):
    with pytest.raises(LogListError, match="10-digit"):
        parse(f"# ORIGINAL-ID:{backup_id}\n[DB]\n/logs/a.bk\n")


def test_pair_commands_refuse_non_ascii_mu_numbers():
    with pytest.raises(ValidationError):
        SplitPair(group="G", cascade_mu="\u0661")


def test_backup_id_fields_refuse_non_ascii_digits():
    from events.fs_commands import BACKUP_ID_PATTERN
    from events.pg_commands import BACKUP_ID_PATTERN as PG_PATTERN
    import re

    for pattern in (BACKUP_ID_PATTERN, PG_PATTERN):
        assert re.fullmatch(pattern, "0000000001")
        assert not re.fullmatch(pattern, ARABIC_ONE_TO_ZERO)


def test_cci_instance_refuses_non_ascii_digits(monkeypatch):
    args = argparse.Namespace(instance="M\u0661", group="G", device=None)
    with pytest.raises(CliError):
        selection(args)
