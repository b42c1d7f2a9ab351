"""``drmdbsetup -i``: one typed command, the manual's one line, no framing."""
from __future__ import annotations

import json

from tests.unit.cli.fakes import FakeRunner, completed, rejected


def test_dash_i_sends_set_up_and_prints_the_manuals_line(run):
    runner = FakeRunner(completed("SetUpDataFiles", db_path="/data/hosts/FSServer",
                                  store="sqlite"))
    ran = run(["dbsetup", "-i"], runner)
    assert ran.code == 0
    assert runner.calls == [("SetUpDataFiles", "FSServer", {})]
    assert ran.lines == ["All data files were created."]


def test_json_prints_the_outcome_event(run):
    ran = run(["dbsetup", "-i", "--json"], FakeRunner(completed("SetUpDataFiles", db_path="/d",
                                                                store="sqlite")))
    assert json.loads(ran.out)["payload"]["result"]["db_path"] == "/d"


def test_without_dash_i_or_with_dash_u_nothing_is_sent(run):
    for argv, problem in ((["dbsetup"], "drmdbsetup needs -i"),
                          (["dbsetup", "-u"], "the option -u is not supported yet")):
        runner = FakeRunner()
        ran = run(argv, runner)
        assert ran.code == 1 and runner.calls == [] and problem in ran.err
        assert ran.err.startswith("usage: drm dbsetup")


def test_a_failure_shows_the_agents_message(run):
    ran = run(["dbsetup", "-i"], FakeRunner(rejected("SetUpDataFiles", "KAVX0006-E", "no")))
    assert ran.code == 1 and ran.out == "" and ran.err.strip() == "KAVX0006-E no"
