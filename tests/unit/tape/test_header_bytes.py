"""The tape writer builds the common member header itself (``tar_format.header``): its bytes
must be exactly ``tarfile``'s (``PAX_FORMAT``) for every member, fast path or not."""
from __future__ import annotations

import stat
import tarfile
from types import SimpleNamespace

from hypothesis import given, settings, strategies as st

from adapters.tape.tar_format import header, member_name
from tests.fuzzing import examples

NAMES = st.one_of(
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e, exclude_characters="/"),
            min_size=1, max_size=120),
    st.text(min_size=1, max_size=30).filter(lambda n: "/" not in n and "\x00" not in n),
    st.sampled_from(["a" * 99, "b" * 100, "c" * 101, "dir/" + "d" * 96, "é", "\udcff"]))
BIG = st.sampled_from([0, 1, 8 ** 7 - 1, 8 ** 7, 8 ** 11 - 1, 8 ** 11, 2 ** 40])


def tarfile_bytes(rel, kind, st_, size, link):
    info = tarfile.TarInfo(member_name(rel, kind))
    info.mode, info.uid, info.gid = stat.S_IMODE(st_.st_mode), st_.st_uid, st_.st_gid
    info.size = size
    seconds, nanos = divmod(st_.st_mtime_ns, 1_000_000_000)
    info.mtime = seconds
    if nanos:
        info.pax_headers = {"mtime": f"{seconds}.{nanos:09d}"}
    info.type = {"d": tarfile.DIRTYPE, "f": tarfile.REGTYPE, "l": tarfile.SYMTYPE,
                 "h": tarfile.LNKTYPE}[kind]
    info.linkname = link
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


@settings(max_examples=examples(300), deadline=None)
@given(rel=NAMES, kind=st.sampled_from("dflh"), mode=st.integers(0, 0o177777),
       uid=st.one_of(st.integers(0, 70000), BIG), gid=st.one_of(st.integers(0, 70000), BIG),
       size=st.one_of(st.integers(0, 1 << 34), BIG),
       seconds=st.one_of(st.integers(0, 2 ** 34), BIG), nanos=st.integers(0, 10 ** 9 - 1),
       whole=st.booleans(), link=st.one_of(st.just(""), NAMES))
def test_the_header_is_tarfiles_byte_for_byte(rel, kind, mode, uid, gid, size, seconds, nanos,
                                              whole, link):
    st_ = SimpleNamespace(st_mode=mode, st_uid=uid, st_gid=gid,
                          st_mtime_ns=seconds * 10 ** 9 + (0 if whole else nanos))
    link = link if kind in "lh" else ""
    size = size if kind == "f" else 0
    assert header(rel, kind, st_, size=size, link=link) == tarfile_bytes(rel, kind, st_, size,
                                                                       link)
