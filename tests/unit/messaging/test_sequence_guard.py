from adapters.messaging.sequence import SequenceGuard, Verdict


class TestSequenceGuard:
    def test_applies_the_next_seq_of_each_host(self):
        guard = SequenceGuard()
        assert guard.check("FSServer", 1) is Verdict.APPLY
        guard.applied("FSServer", 1)
        assert guard.check("FSServer", 2) is Verdict.APPLY
        assert guard.check("BKServer", 1) is Verdict.APPLY

    def test_drops_what_was_already_applied(self):
        guard = SequenceGuard({"FSServer": 5})
        assert guard.check("FSServer", 5) is Verdict.DUPLICATE
        assert guard.check("FSServer", 2) is Verdict.DUPLICATE

    def test_names_the_missing_range_of_a_gap(self):
        guard = SequenceGuard({"FSServer": 3})
        assert guard.check("FSServer", 7) is Verdict.GAP
        assert list(guard.missing("FSServer", 7)) == [4, 5, 6]

    def test_position_never_moves_back(self):
        guard = SequenceGuard({"FSServer": 9})
        guard.applied("FSServer", 4)
        assert guard.last["FSServer"] == 9
