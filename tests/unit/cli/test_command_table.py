"""The CLI as a table: ``drm`` imports only the module of the command it runs; every entry's
command types are in the catalogue, and every console name of the catalogue has an entry."""
from __future__ import annotations

import subprocess
import sys

import pytest

from events.catalogue import CATALOGUE
from services.cli import main, table
from services.cli.entries import AgentEntry, LocalEntry, Opt
from services.cli.extended.entry import ExtendedEntry


def entries():
    return {name: table.load(name) for name in table.ENTRIES}


def test_every_entry_is_listed_under_its_own_name():
    for name, entry in entries().items():
        assert isinstance(entry, (AgentEntry, LocalEntry, ExtendedEntry))
        assert entry.name == name


def test_every_entry_sends_only_command_types_of_the_catalogue():
    for entry in entries().values():
        for command_type in entry.commands:
            assert CATALOGUE[command_type.wire_name()] is command_type, entry.name


def test_every_console_name_of_the_catalogue_has_an_entry_running_its_commands():
    by_console = {console: entry for entry in entries().values() for console in entry.console}
    for console, command_types in CATALOGUE.console_names().items():
        entry = by_console[console]
        assert set(command_types) <= set(entry.commands), console
        assert table.command_for_console(console) == entry.name
    assert set(by_console) == set(CATALOGUE.console_names())


def test_a_console_alias_is_derived_from_the_table():
    assert callable(main.drmfscat)
    with pytest.raises(AttributeError):
        main.drmnosuchcommand  # noqa: B018
    with pytest.raises(AttributeError):
        main.drmlog  # noqa: B018 - drm log has no console name in the manual


def test_options_come_in_the_manuals_single_dash_and_the_gnu_long_form():
    assert Opt("backup_id", {}).flags() == ("-backup_id", "--backup_id", "--backup-id")
    assert Opt("mode", {}).flags() == ("-mode", "--mode")
    assert Opt("backup_server", {}, short="s").flags() == ("-s", "--backup-server")


def test_a_known_command_builds_a_parser_from_its_entry_alone():
    assert main.names_for(["report", "catalog", "--host", "H"]) == ("report",)
    parser = main.build_parser(main.names_for(["report"]))
    args = parser.parse_args(["report", "catalog", "--host", "H", "--as-of", "2026-01-01"])
    assert args.host == "H" and args.as_of == "2026-01-01"


def test_help_and_unknown_words_build_the_whole_parser():
    everything = tuple(table.ENTRIES)
    assert main.names_for([]) == everything
    assert main.names_for(["--help"]) == everything
    assert main.names_for(["nosuchcommand"]) == everything


@pytest.mark.parametrize("argv, mine, others", [
    (["report", "catalog", "--help"], "services.cli.report", "services.cli.filesystem"),
    (["fscat", "--help"], "services.cli.catalog", "services.cli.report"),
])
def test_start_up_imports_only_the_module_of_the_command(argv, mine, others):
    code = ("import sys\nfrom services.cli.main import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print({mine!r} in sys.modules, {others!r} in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stderr.strip().splitlines()[-1] == "True False"


def test_no_cli_module_names_a_command_by_its_wire_name():
    """The CLI builds typed commands; no module of it picks a command by a name string."""
    import re
    from pathlib import Path

    import services.cli

    names = set(CATALOGUE.names())
    found = [(path.name, word) for path in Path(services.cli.__file__).parent.glob("*.py")
             for word in re.findall(r"[\"']([A-Za-z]+)[\"']", path.read_text())
             if word in names]
    assert found == []
