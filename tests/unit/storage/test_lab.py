"""Loading lab files: the example, Appendix A horcm.conf files, and every kind of bad input."""
import pytest

from adapters.lab.example import example_toml
from adapters.lab.horcm import lab_from_horcm_dir, parse_horcm
from adapters.lab.loader import LabError, load_lab

BASE = """\
name = "t"
[[hosts]]
name = "FSServer"
role = "FS"
  [[hosts.mounts]]
  path = "mnt/fs1"
  array = 1
  ldev = 1
[[arrays]]
serial = 1
  [[arrays.ldevs]]
  id = 1
  size = "4MiB"
  [[arrays.ldevs]]
  id = 2
  size = "{svol_size}"
[[arrays]]
serial = 2
  [[arrays.ldevs]]
  id = 1
  size = "4MiB"
[[copy_groups]]
group = "VG01"
device = "VOL01"
copy_type = "{copy_type}"
mu = {mu}
pvol = {{ array = 1, ldev = 1 }}
svol = {{ array = {svol_array}, ldev = {svol_ldev} }}
{extra}
"""


def lab_text(svol_size="4MiB", copy_type="SI", mu="0", svol_array=1, svol_ldev=2, extra=""):
    return BASE.format(svol_size=svol_size, copy_type=copy_type, mu=mu, svol_array=svol_array,
                       svol_ldev=svol_ldev, extra=extra)


def load_text(tmp_path, text):
    path = tmp_path / "lab.toml"
    path.write_text(text)
    return load_lab(path)


def error_of(tmp_path, text) -> str:
    with pytest.raises(LabError) as error:
        load_text(tmp_path, text)
    return str(error.value)


def test_loads_a_sound_lab(tmp_path):
    lab = load_text(tmp_path, lab_text())
    assert lab.copy_groups[0].generation_name == "local_0"


def test_example_lab_loads(tmp_path):
    lab = load_text(tmp_path, example_toml())
    assert [c.generation_name for c in lab.copy_groups] == [
        "local_0", "local_1", "local_2"] + ["local_0"] * 2 + ["local_1"] * 2 + ["local_2"] * 2 + [
        "remote_0"]  # FSServer's VG01..VG03, DBServer's SI01..SI03 (two volumes), TC01
    assert lab.tape_library.name == "LIB01"


class TestBadInput:
    def test_unknown_key_names_file_line_and_key(self, tmp_path):
        text = lab_text().replace('role = "FS"', 'role = "FS"\ncolour = "blue"')
        message = error_of(tmp_path, text)
        assert "lab.toml:5: hosts[0].colour: unknown key" in message

    def test_duplicate_copy_group(self, tmp_path):
        extra = ('[[copy_groups]]\ngroup = "VG01"\ndevice = "VOL01"\ncopy_type = "SI"\nmu = 1\n'
                 "pvol = { array = 1, ldev = 1 }\nsvol = { array = 1, ldev = 2 }\n")
        message = error_of(tmp_path, lab_text(extra=extra))
        assert "duplicate copy group VG01,VOL01" in message and "copy_groups[1].device" in message
        assert "lab.toml:35:" in message

    def test_svol_smaller_than_pvol(self, tmp_path):
        message = error_of(tmp_path, lab_text(svol_size="1MiB"))
        assert "copy_groups[0].svol" in message and "smaller" in message and "lab.toml:28:" in message

    def test_local_pair_across_arrays(self, tmp_path):
        message = error_of(tmp_path, lab_text(svol_array=2, svol_ldev=1))
        assert "copy_groups[0].copy_type" in message and "local copy" in message

    def test_pair_marked_local_between_arrays(self, tmp_path):
        text = lab_text(copy_type="TC", mu='""', svol_array=2, svol_ldev=1, extra='generation = "local_0"')
        message = error_of(tmp_path, text)
        assert "copy_groups[0].generation" in message and "marked local" in message

    def test_remote_pair_within_one_array(self, tmp_path):
        assert "remote copy" in error_of(tmp_path, lab_text(copy_type="TC", mu='""'))

    def test_mu_out_of_range(self, tmp_path):
        message = error_of(tmp_path, lab_text(mu="3"))
        assert "lab.toml:26: copy_groups[0].mu:" in message and "0..2" in message

    def test_truecopy_with_a_mu_number(self, tmp_path):
        assert "no MU#" in error_of(tmp_path, lab_text(copy_type="TC", mu="0", svol_array=2, svol_ldev=1))

    def test_invalid_toml(self, tmp_path):
        assert "invalid TOML" in error_of(tmp_path, "name = \n")


APPENDIX_A_HORCM1 = """\
HORCM_MON
#ip_address  service  poll(10ms)  timeout(10ms)
localhost    horcm1   6000        3000
HORCM_CMD
#dev_name            dev_name  dev_name
\\\\.\\PHYSICALDRIVE1
HORCM_DEV
#dev_group  dev_name  port#  TargetID  LU#  MU#
""" + "".join(f"VG0{g}  VOL{g}{v}  CL2-A  16  {18 + v}  {g - 1}\n" for g in (1, 2, 3) for v in (1, 2, 3, 4)) + """\
HORCM_INST
#dev_group  ip_address  service
VG01  localhost  horcm2
VG02  localhost  horcm2
VG03  localhost  horcm2
"""
SVOL_LUS = [18, 19, 20, 21, 22, 23, 24, 25, 44, 45, 46, 47]
APPENDIX_A_HORCM2 = APPENDIX_A_HORCM1.replace("horcm1   6000", "horcm2   6000").replace(
    "localhost  horcm2", "localhost  horcm1").split("HORCM_DEV")[0] + "HORCM_DEV\n" + "".join(
    f"VG0{g}  VOL{g}{v}  CL2-B  15  {SVOL_LUS[(g - 1) * 4 + v - 1]}\n" for g in (1, 2, 3) for v in (1, 2, 3, 4)
) + "HORCM_INST\n" + "".join(f"VG0{g}  localhost  horcm1\n" for g in (1, 2, 3))

HOSTS = """\
[[hosts]]
name = "DBServerA"
role = "DB"
[[hosts]]
name = "BKServer"
role = "BK"
[[arrays]]
serial = 410001
""" + "".join(f'  [[arrays.ldevs]]\n  id = {lu}\n  size = "1GiB"\n  port = "CL2-A"\n  target = 16\n'
              for lu in (19, 20, 21, 22)) + "".join(
    f'  [[arrays.ldevs]]\n  id = {100 + lu}\n  lu = {lu}\n  size = "1GiB"\n  port = "CL2-B"\n  target = 15\n'
    for lu in SVOL_LUS)


def test_parses_appendix_a_horcm_conf():
    conf = parse_horcm(APPENDIX_A_HORCM1, 1)
    assert conf.service == "horcm1" and conf.command_devices == ["\\\\.\\PHYSICALDRIVE1"]
    assert len(conf.devs) == 12 and conf.devs[4].mu == "1" and conf.peers["VG01"] == ("localhost", "horcm2")
    assert parse_horcm(APPENDIX_A_HORCM2, 2).devs[0].mu == ""


def test_appendix_a_directory_loads_as_three_generations(tmp_path):
    (tmp_path / "horcm1.conf").write_text(APPENDIX_A_HORCM1)
    (tmp_path / "horcm2.conf").write_text(APPENDIX_A_HORCM2)
    (tmp_path / "hosts.toml").write_text(HOSTS)
    lab = lab_from_horcm_dir(tmp_path)
    assert len(lab.copy_groups) == 12
    h_drive = [c for c in lab.copy_groups if c.pvol.ldev == 19]
    assert [(c.name, c.mu, c.generation_name, c.svol.ldev) for c in h_drive] == [
        ("VG01,VOL11", "0", "local_0", 118), ("VG02,VOL21", "1", "local_1", 122), ("VG03,VOL31", "2", "local_2", 144)]


def test_bad_horcm_line_names_file_and_line(tmp_path):
    with pytest.raises(LabError) as error:
        parse_horcm("HORCM_DEV\nVG01 VOL11 CL2-A sixteen 19 0\n", 1, "horcm1.conf")
    assert "horcm1.conf:2:" in str(error.value)
