"""The pure pair status machine."""
import pytest

from adapters.storage.errors import CciError
from adapters.storage.pairs import (CopyType, Op, PairStatus, Work, decide, generation_name, no_operation, normalize_mu,
                                    parse_copy_type, side_status)

SI, TI, TC = CopyType.SI, CopyType.TI, CopyType.TC


class TestDecide:
    def test_create_starts_a_background_copy(self):
        assert decide(SI, PairStatus.SMPL, Op.CREATE) == decide(TC, PairStatus.SMPL, Op.CREATE)
        assert decide(SI, PairStatus.SMPL, Op.CREATE).status is PairStatus.COPY
        assert decide(SI, PairStatus.SMPL, Op.CREATE).work is Work.FORWARD_COPY

    def test_thin_image_create_is_paired_at_once(self):
        assert decide(TI, PairStatus.SMPL, Op.CREATE).status is PairStatus.PAIR

    def test_split_syncs_then_suspends(self):
        t = decide(SI, PairStatus.PAIR, Op.SPLIT)
        assert (t.status, t.work) == (PairStatus.PSUS, Work.SYNC_NOW)
        assert decide(TI, PairStatus.PAIR, Op.SPLIT).work is Work.SNAPSHOT

    def test_restore_copies_in_reverse(self):
        t = decide(SI, PairStatus.PSUS, Op.RESTORE)
        assert (t.status, t.work) == (PairStatus.RCPY, Work.REVERSE_COPY)

    def test_swap_swaps_roles_and_copies(self):
        assert decide(TC, PairStatus.PSUS, Op.SWAP).swap

    def test_swap_from_pair_syncs_the_s_vol_first(self):
        """CCI's pairresync -swaps (and horctakeover's swap) is accepted on a PAIR; the lazy
        S-VOL of the simulation is brought up to date before the roles change."""
        t = decide(TC, PairStatus.PAIR, Op.SWAP)
        assert t.swap and t.sync_first and t.status is PairStatus.COPY
        assert not decide(TC, PairStatus.PSUS, Op.SWAP).sync_first

    @pytest.mark.parametrize("status, op", [
        (PairStatus.PAIR, Op.RESYNC), (PairStatus.COPY, Op.RESYNC), (PairStatus.PSUS, Op.SPLIT),
        (PairStatus.SMPL, Op.DELETE), (PairStatus.PAIR, Op.CREATE), (PairStatus.PAIR, Op.RESTORE)])
    def test_cci_accepts_and_does_nothing_where_its_tables_say_so(self, status, op):
        assert no_operation(status, op)

    @pytest.mark.parametrize("status, op", [
        (PairStatus.PAIR, Op.SPLIT), (PairStatus.PSUS, Op.RESYNC), (PairStatus.SMPL, Op.SPLIT),
        (PairStatus.PSUE, Op.RESTORE), (PairStatus.SMPL, Op.RESYNC)])
    def test_every_other_pair_is_acted_on_or_refused(self, status, op):
        assert no_operation(status, op) is None

    @pytest.mark.parametrize("status, op", [
        (PairStatus.COPY, Op.SPLIT), (PairStatus.PAIR, Op.RESYNC), (PairStatus.PAIR, Op.RESTORE),
        (PairStatus.SMPL, Op.SPLIT), (PairStatus.PAIR, Op.CREATE), (PairStatus.PSUE, Op.RESTORE),
        (PairStatus.SMPL, Op.DELETE), (PairStatus.RCPY, Op.RESYNC)])
    def test_refuses_what_the_status_does_not_allow(self, status, op):
        with pytest.raises(CciError) as error:
            decide(SI, status, op)
        assert error.value.code == "EX_INVSTP"

    def test_thin_image_cannot_swap(self):
        with pytest.raises(CciError):
            decide(TI, PairStatus.PSUS, Op.SWAP)

    def test_delete_is_allowed_from_every_paired_status(self):
        for status in (PairStatus.COPY, PairStatus.PAIR, PairStatus.PSUS, PairStatus.RCPY, PairStatus.PSUE):
            assert decide(SI, status, Op.DELETE).status is PairStatus.SMPL

    def test_dissolving_a_pair_in_pair_status_leaves_the_svol_mirroring_the_pvol(self):
        assert decide(SI, PairStatus.PAIR, Op.DELETE).work is Work.SYNC_NOW
        assert decide(SI, PairStatus.PSUS, Op.DELETE).work is Work.NONE  # the split's content
        assert decide(SI, PairStatus.COPY, Op.DELETE).work is Work.NONE  # an unfinished copy


def test_svol_side_of_a_split_pair_shows_ssus():
    assert side_status(PairStatus.PSUS, is_svol=True) is PairStatus.SSUS
    assert side_status(PairStatus.PSUS, is_svol=False) is PairStatus.PSUS
    assert side_status(PairStatus.PAIR, is_svol=True) is PairStatus.PAIR


class TestMuNumbers:
    def test_ranges_per_copy_type(self):
        assert normalize_mu(SI, 2) == "2"
        assert normalize_mu(TC, None) == ""
        assert normalize_mu(CopyType.UR, "h1") == "h1"
        assert normalize_mu(TI, 63) == "63"

    @pytest.mark.parametrize("copy_type, mu", [(SI, 3), (SI, "x"), (TC, 0), (CopyType.UR, 0), (CopyType.UR, "h4")])
    def test_out_of_range_is_refused(self, copy_type, mu):
        with pytest.raises(CciError):
            normalize_mu(copy_type, mu)

    def test_generation_names(self):
        assert generation_name(SI, "1") == "local_1"
        assert generation_name(TC, "") == "remote_0"
        assert generation_name(CopyType.UR, "h2") == "remote_2"

    def test_copy_type_names(self):
        assert parse_copy_type("ShadowImage") is SI
        assert parse_copy_type("tc") is TC
        with pytest.raises(ValueError):
            parse_copy_type("mirror")
