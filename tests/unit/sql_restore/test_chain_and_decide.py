"""The log-chain rules (spec 05 §2.7) and the restore/recovery/log-backup decisions, pure."""
from __future__ import annotations

import pytest

from events import sql_logs as logs, sql_restore as sql
from events.sql_restore import LogListEntry, RecoverSqlDatabases, RestoreSqlDatabases
from projections.host_fold import fold
from services.agent.application_port import DatabaseInfo
from services.agent.errors import CommandRejection
from services.agent.sqlserver_restore import decide
from services.agent.sqlserver_restore.chain import StartPoint
from services.agent.sqlserver_restore.facts import (DatabaseFacts, EntryFacts, SettingsFacts)
from tests.unit.agent_fs.views import HOST, envelopes
from tests.unit.sql_restore.stream import log_backup

SETTINGS = SettingsFacts(undo_dir="/u", log_backup_dir="/l")
START = StartPoint("0000000001", "0000000001", 1)


def db(name: str, state: str = "ONLINE", system: bool = False, model: str = "FULL"):
    return DatabaseInfo("default", name, 5, system, model, state, ())


def live(*databases, status: str = "RUNNING"):
    return decide.LiveInstance("default", status, {d.name.lower(): d for d in databases})


def entry(*names, origin: str = HOST, metadata_dir: str = "", system=("master",)):
    databases = tuple(DatabaseFacts(n, i, n in system, "FULL", (f"/mp/{n}",), (f"VG01,{n}",))
                      for i, n in enumerate(names, start=5))
    return EntryFacts("0000000001", "0000000001", origin, "default", databases, (),
                      metadata_dir, False, tuple(g for d in databases for g in d.copy_groups))


def view_of(*payloads):
    return fold(HOST, envelopes(list(payloads)))


def rejected(call, *args, match: str | None = None):
    with pytest.raises(CommandRejection, match=match) as error:
        call(*args)
    return error.value


CHAIN = [log_backup("/l/DB1_1.bk", 100, 200, 1), log_backup("/l/DB1_2.bk", 200, 300, 2),
         log_backup("/l/DB1_3.bk", 300, 400, 3)]
RESTORED = sql.SqlRestoreCompleted(workflow_id="w", backup_id="0000000001",
                                   original_id="0000000001", target_instance="default",
                                   databases=("DB1",))


def recover(*files, finish="online", targets=("DB1",), tool=False):
    lists = (LogListEntry(original_id="0000000001", database="DB1", files=files),) if files \
        else ()
    return RecoverSqlDatabases(instance="default", finish=finish, log_list=lists,
                               targets=targets, tool=tool)


class TestRestore:
    def plan(self, command, entry_=None, instance=None, settings=SETTINGS):
        return decide.plan_sql_restore(entry_ or entry("DB1", "DB2"), command, HOST,
                                       instance or live(db("DB1", "LOADING"),
                                                        db("DB2", "OFFLINE")),
                                       settings, "w")

    def test_leaves_the_databases_loading_or_standby_with_undo(self):
        plan = self.plan(RestoreSqlDatabases(backup_id="0000000001", resync=True))
        assert plan.results == (("DB1", "LOADING"), ("DB2", "LOADING"))
        undo = self.plan(RestoreSqlDatabases(backup_id="0000000001", resync=True, undo=True))
        assert undo.request.standby and undo.results[0] == ("DB1", "STANDBY")

    def test_refuses_an_online_user_database_but_not_with_the_system_ones(self):
        online = live(db("DB1"), db("master", system=True))
        rejected(self.plan, RestoreSqlDatabases(backup_id="0000000001", resync=True,
                                                targets=("DB1",)), entry("DB1", "master"),
                 online, match="ONLINE")
        plan = self.plan(RestoreSqlDatabases(backup_id="0000000001", resync=True),
                         entry("DB1", "master"), online)
        assert plan.request.includes_system and plan.stop_instance

    def test_a_stopped_instance_restores_only_with_the_system_databases(self):
        stopped = live(db("DB1", "OFFLINE"), status="STOPPED")
        rejected(self.plan, RestoreSqlDatabases(backup_id="0000000001", resync=True),
                 entry("DB1"), stopped, match="STOPPED")
        plan = self.plan(RestoreSqlDatabases(backup_id="0000000001", resync=True),
                         entry("DB1", "master"), stopped)
        assert not plan.stop_instance  # stopped already

    def test_an_unconfirmed_database_is_deleted_then_restored(self):
        plan = self.plan(RestoreSqlDatabases(backup_id="0000000001", resync=True),
                         entry("DB1"), live(db("DB1", "UNCONFIRMED+OFFLINE")))
        assert plan.request.unconfirmed == ("DB1",)

    def test_another_hosts_backup_needs_nochk_host(self):
        command = RestoreSqlDatabases(backup_id="0000000001", resync=True)
        rejected(self.plan, command, entry("DB1", origin="DBServer2"), match="-nochk_host")
        assert self.plan(command.model_copy(update={"nochk_host": True}),
                         entry("DB1", origin="DBServer2")).results

    def test_system_databases_never_go_to_another_instance(self):
        command = RestoreSqlDatabases(backup_id="0000000001", resync=False, instance="instB")
        rejected(self.plan, command, entry("DB1", "master"), match="system database master")
        rejected(self.plan, command, entry("DB1", metadata_dir="/meta"),
                 match="VDI metafile directory")
        assert self.plan(command, entry("DB1")).request.target_instance == "instB"

    def test_undo_needs_the_undo_directory(self):
        rejected(self.plan, RestoreSqlDatabases(backup_id="0000000001", resync=True,
                                                undo=True), None, None, SettingsFacts(),
                 match="undo")

    def test_a_target_must_name_every_database_of_its_volume(self):
        shared = EntryFacts("0000000001", "0000000001", HOST, "default", (
            DatabaseFacts("DB1", 5, False, "FULL", ("/mp/A",), ("VG01,A",)),
            DatabaseFacts("DB2", 6, False, "FULL", ("/mp/A",), ("VG01,A",))), (), "", False,
            ("VG01,A",))
        rejected(self.plan, RestoreSqlDatabases(backup_id="0000000001", resync=True,
                                                targets=("DB1",)), shared, match="DB2")

    def test_an_unknown_backup_or_a_template_mismatch_is_kavx0024(self):
        error = rejected(decide.plan_sql_restore, None,
                         RestoreSqlDatabases(backup_id="0000000009", resync=True), HOST,
                         live(), SETTINGS, "w")
        assert error.message_id == "KAVX0024-E"
        rejected(self.plan, RestoreSqlDatabases(backup_id="0000000001", resync=True,
                                                template=True), match="does not exist")


class TestRecovery:
    def test_the_whole_chain_after_the_restore_completes_it(self):
        view = view_of(*CHAIN, RESTORED)
        [plan] = decide.plan_recovery(recover("/l/DB1_1.bk", "/l/DB1_2.bk", "/l/DB1_3.bk"),
                                      live(db("DB1", "LOADING")), view.sql_logs, SETTINGS)
        assert plan.finish == "ONLINE" and plan.chain_complete
        assert [r.chain_seq for r in plan.records] == [1, 2, 3]

    def test_a_missing_log_is_refused_before_anything_is_applied(self):
        view = view_of(*CHAIN, RESTORED)
        error = rejected(decide.plan_recovery, recover("/l/DB1_1.bk", "/l/DB1_3.bk"),
                         live(db("DB1", "LOADING")), view.sql_logs, SETTINGS,
                         match="missing between")
        assert "DRM-10141" in error.text

    def test_the_first_log_must_follow_the_restored_backup(self):
        view = view_of(*CHAIN, RESTORED)
        rejected(decide.plan_recovery, recover("/l/DB1_2.bk"), live(db("DB1", "LOADING")),
                 view.sql_logs, SETTINGS, match="first log backup")

    def test_an_unknown_log_file_is_refused(self):
        rejected(decide.plan_recovery, recover("/l/other.bk"), live(db("DB1", "STANDBY")),
                 view_of(*CHAIN).sql_logs, SETTINGS, match="not a log backup")

    def test_a_second_batch_continues_where_the_first_left_off(self):
        view = view_of(*CHAIN, RESTORED, logs.SqlRollForwardApplied(
            workflow_id="w", instance="default", database="DB1", files=("/l/DB1_1.bk",),
            first_lsn=100, last_lsn=200, finish="LOADING", original_id="0000000001"))
        [plan] = decide.plan_recovery(recover("/l/DB1_2.bk", "/l/DB1_3.bk"),
                                      live(db("DB1", "LOADING")), view.sql_logs, SETTINGS)
        assert plan.chain_complete
        rejected(decide.plan_recovery, recover("/l/DB1_3.bk"), live(db("DB1", "LOADING")),
                 view.sql_logs, SETTINGS, match="does not follow")

    def test_online_databases_pass_and_system_databases_are_skipped_unless_named(self):
        instance = live(db("DB1", "LOADING"), db("DB2"), db("master", system=True))
        plans = decide.plan_recovery(recover(targets=()), instance, view_of().sql_logs,
                                     SETTINGS)
        assert [p.database for p in plans] == ["DB1"]
        rejected(decide.plan_recovery, recover(targets=("master",)), instance,
                 view_of().sql_logs, SETTINGS, match="system database")

    def test_the_tool_refuses_an_online_database_and_standby_needs_undo(self):
        rejected(decide.plan_recovery, recover(tool=True), live(db("DB1")),
                 view_of().sql_logs, SETTINGS, match="ONLINE")
        rejected(decide.plan_recovery, recover(finish="standby"), live(db("DB1", "LOADING")),
                 view_of().sql_logs, SettingsFacts(), match="undo")


class TestLogBackup:
    def plan(self, instance, logs_view, targets=(), truncate=True, start=START):
        return decide.plan_log_backup("default", targets, truncate, False, instance,
                                      logs_view, SETTINGS, start)

    def test_backs_up_full_and_bulk_logged_user_databases_only(self):
        instance = live(db("DB1"), db("DB2", model="SIMPLE"), db("master", system=True),
                        db("DB3", model="BULK_LOGGED"), db("DB4", "LOADING"))
        assert self.plan(instance, view_of().sql_logs) == ("DB1", "DB3")
        rejected(self.plan, instance, view_of().sql_logs, ("DB2",), match="SIMPLE")

    def test_a_tail_log_backup_works_on_an_unconfirmed_database(self):
        instance = live(db("DB1", "UNCONFIRMED"))
        assert self.plan(instance, view_of().sql_logs, truncate=False) == ("DB1",)
        assert self.plan(instance, view_of().sql_logs) == ()

    def test_after_a_partial_roll_forward_the_next_log_backup_fails_until_a_new_backup(self):
        partial = view_of(*CHAIN, RESTORED, logs.SqlRollForwardApplied(
            workflow_id="w", instance="default", database="DB1", files=("/l/DB1_1.bk",),
            first_lsn=100, last_lsn=200, finish="ONLINE", original_id="0000000001"))
        error = rejected(self.plan, live(db("DB1")), partial.sql_logs, match="in part")
        assert "DRM-10141" in error.text
        later = StartPoint("0000000002", "0000000002", partial.seq + 1)
        assert self.plan(live(db("DB1")), partial.sql_logs, start=later) == ("DB1",)

    def test_after_the_whole_chain_was_applied_log_backups_go_on(self):
        whole = view_of(*CHAIN, RESTORED, logs.SqlRollForwardApplied(
            workflow_id="w", instance="default", database="DB1",
            files=tuple(e.path for e in CHAIN), first_lsn=100, last_lsn=400, finish="ONLINE",
            original_id="0000000001", chain_complete=True))
        assert self.plan(live(db("DB1")), whole.sql_logs) == ("DB1",)

    def test_a_roll_forward_cut_by_a_crash_counts_as_partial(self):
        cut = view_of(*CHAIN, RESTORED, logs.SqlRollForwardRequested(
            workflow_id="w", instance="default", database="DB1",
            files=tuple(e.path for e in CHAIN), finish="ONLINE"))
        rejected(self.plan, live(db("DB1")), cut.sql_logs, match="in part")

    def test_without_a_backup_a_log_backup_needs_no_cat(self):
        error = rejected(self.plan, live(db("DB1")), view_of().sql_logs, (), True, None)
        assert error.message_id == "KAVX0024-E"
        assert decide.plan_log_backup("default", (), True, True, live(db("DB1")),
                                      view_of().sql_logs, SETTINGS, None) == ("DB1",)


def test_log_information_of_one_backup_is_deleted_and_others_kept():
    view = view_of(*CHAIN, log_backup("/l/DB1_9.bk", 400, 500, 1, original_id="0000000002"),
                   logs.SqlLogInfoDeleted(original_id="0000000001", instance="DEFAULT",
                                          databases=("DB1",), files=3))
    assert [r.path for r in view.sql_logs.chain("default", "DB1")] == ["/l/DB1_9.bk"]


def test_a_database_the_latest_backup_does_not_hold_has_no_chain_to_log_to():
    start = StartPoint("0000000001", "0000000001", 1, frozenset({"db1"}))
    instance = live(db("DB1"), db("DB2"))
    assert decide.plan_log_backup("default", (), True, False, instance, view_of().sql_logs,
                                  SETTINGS, start) == ("DB1",)
    rejected(decide.plan_log_backup, "default", ("DB2",), True, False, instance,
             view_of().sql_logs, SETTINGS, start, match="does not hold DB2")
