"""Unpacking uploads: archives and loose files, and everything odd they may hold."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest

from evals.suites import limits, read_archive, read_upload
from evals.suites.report import SuiteRefused
from tests.evals.conftest import make_tgz, make_zip

YAML = b"task: x\n"


def regular(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def special(name: str, kind: bytes, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def refusal(error: pytest.ExceptionInfo[SuiteRefused]) -> str:
    return "\n".join(str(problem) for problem in error.value.problems)


def test_it_unpacks_a_zip_and_drops_the_folder_wrapping_everything() -> None:
    data = make_zip({"suite/t.yaml": YAML, "suite/data/rows.jsonl": b"{}\n"})

    assert read_archive(data, "suite.zip") == {"t.yaml": YAML, "data/rows.jsonl": b"{}\n"}


def test_it_unpacks_a_tgz_and_skips_directories() -> None:
    folder = special("suite", tarfile.DIRTYPE)
    data = make_tgz([(folder, None), (regular("suite/t.yaml"), YAML)])

    assert read_archive(data, "suite.tgz") == {"t.yaml": YAML}
    assert read_archive(data, "SUITE.TAR.GZ") == {"t.yaml": YAML}


def test_it_ignores_readmes_and_operating_system_litter() -> None:
    data = make_zip(
        {"t.yaml": YAML, "README.md": b"# hi", "__MACOSX/._t.yaml": b"\0", ".DS_Store": b"\0"}
    )

    assert read_archive(data, "s.zip") == {"t.yaml": YAML}


def test_it_accepts_loose_files_and_a_single_archive_through_read_upload() -> None:
    assert read_upload({"t.yaml": YAML}) == {"t.yaml": YAML}
    assert read_upload({"s.zip": make_zip({"t.yaml": YAML})}) == {"t.yaml": YAML}


def test_it_refuses_an_archive_mixed_with_loose_files() -> None:
    with pytest.raises(SuiteRefused, match="either one archive or loose files"):
        read_upload({"s.zip": make_zip({"t.yaml": YAML}), "u.yaml": YAML})


@pytest.mark.parametrize("name", ["../evil.yaml", "a/../../evil.yaml", "/etc/evil.yaml"])
def test_it_refuses_zip_members_reaching_outside_the_archive(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were anything extracted from here, "../evil.yaml" would land beside the working folder.
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)

    with pytest.raises(SuiteRefused) as error:
        read_archive(make_zip({"t.yaml": YAML, name: YAML}), "s.zip")

    assert f"{name}: paths must stay inside the upload" in refusal(error)
    assert list(tmp_path.rglob("evil.yaml")) == []


def test_it_refuses_tar_members_reaching_outside_the_archive() -> None:
    data = make_tgz([(regular("../../evil.yaml"), YAML)])

    with pytest.raises(SuiteRefused, match=r"\.\./\.\./evil\.yaml: paths must stay inside"):
        read_archive(data, "s.tgz")


@pytest.mark.parametrize(
    ("kind", "target"),
    [(tarfile.SYMTYPE, "/etc/passwd"), (tarfile.LNKTYPE, "t.yaml"), (tarfile.CHRTYPE, "")],
    ids=["symlink", "hardlink", "device"],
)
def test_it_refuses_links_and_devices_in_a_tar(kind: bytes, target: str) -> None:
    data = make_tgz([(regular("t.yaml"), YAML), (special("rows.jsonl", kind, target), None)])

    with pytest.raises(SuiteRefused, match=r"rows\.jsonl: links, devices"):
        read_archive(data, "s.tgz")


def test_it_refuses_symlinks_in_a_zip() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("rows.jsonl")
        link.create_system = 3
        link.external_attr = 0o120777 << 16  # a Unix symlink
        archive.writestr(link, "/etc/passwd")

    with pytest.raises(SuiteRefused, match=r"rows\.jsonl: links, devices"):
        read_archive(buffer.getvalue(), "s.zip")


def test_it_stops_a_zip_bomb_while_decompressing() -> None:
    bomb = make_zip({"bomb.jsonl": b"\0" * (limits.MAX_FILE_BYTES + 1)})
    assert len(bomb) < limits.MAX_FILE_BYTES // 500  # it really is a bomb

    with pytest.raises(SuiteRefused, match=r"bomb\.jsonl: the file unpacks to more than"):
        read_archive(bomb, "bomb.zip")


def test_it_does_not_trust_a_zip_header_that_understates_the_size() -> None:
    bomb = bytearray(make_zip({"bomb.jsonl": b"\0" * (limits.MAX_FILE_BYTES + 1)}))
    lie = struct.pack("<I", 100)
    # Uncompressed size fields: local header at offset 22, central directory entry at +24.
    bomb[22:26] = lie
    central = bomb.rfind(b"PK\x01\x02")
    bomb[central + 24 : central + 28] = lie

    with pytest.raises(SuiteRefused, match="could not be read"):
        read_archive(bytes(bomb), "bomb.zip")


def test_it_stops_a_gzip_bomb_inside_a_tar_header(monkeypatch: pytest.MonkeyPatch) -> None:
    # A pax header is read whole into memory by tarfile: only a cap under tarfile stops it.
    # (A smaller total limit keeps the test quick; the mechanism is the same.)
    monkeypatch.setattr(limits, "MAX_TOTAL_BYTES", limits.MIB)
    bomb = io.BytesIO()
    with tarfile.open(fileobj=bomb, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        info = tarfile.TarInfo("t.yaml")
        info.pax_headers = {"comment": "x" * (limits.MAX_TOTAL_BYTES + 5 * limits.MIB)}
        info.size = len(YAML)
        archive.addfile(info, io.BytesIO(YAML))

    with pytest.raises(SuiteRefused, match="the archive unpacks to more than"):
        read_archive(bomb.getvalue(), "bomb.tgz")


def test_it_refuses_too_many_entries() -> None:
    members = {f"f{i}.yaml": YAML for i in range(limits.MAX_ARCHIVE_ENTRIES + 1)}

    with pytest.raises(SuiteRefused, match="at most 1000 entries"):
        read_archive(make_zip(members, zipfile.ZIP_STORED), "s.zip")


def test_it_refuses_too_many_files() -> None:
    with pytest.raises(SuiteRefused, match="at most 200"):
        read_upload({f"f{i}.yaml": YAML for i in range(limits.MAX_FILES + 1)})


def test_it_refuses_oversized_files_by_kind() -> None:
    big_yaml = b"#" * (limits.MAX_YAML_BYTES + 1)

    with pytest.raises(SuiteRefused, match=r"t\.yaml: the file is 256 KB; at most 256 KB"):
        read_upload({"t.yaml": big_yaml})


def test_it_refuses_other_kinds_of_files() -> None:
    with pytest.raises(SuiteRefused) as error:
        read_upload({"t.yaml": YAML, "utils.py": b"import os", "run.sh": b"rm -rf /"})

    assert "utils.py: only .yaml, .yml, .jsonl, .json and .csv files" in refusal(error)
    assert "run.sh: only" in refusal(error)


def test_it_refuses_non_utf8_text_naming_the_line() -> None:
    with pytest.raises(SuiteRefused, match=r"t\.yaml, line 2: the file is not valid UTF-8"):
        read_upload({"t.yaml": b"task: x\ndoc_to_text: \xff\xfe\n"})


def test_it_refuses_a_byte_order_mark() -> None:
    with pytest.raises(SuiteRefused, match="byte-order mark"):
        read_upload({"rows.csv": b"\xef\xbb\xbfa,b\n1,2\n"})


@pytest.mark.parametrize("name", ["a b.yaml", "tâche.yaml", "a//b.yaml", "./t.yaml"])
def test_it_refuses_unusual_file_names(name: str) -> None:
    with pytest.raises(SuiteRefused, match=r"paths must not|may only use"):
        read_upload({name: YAML})


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 not really", b"\x1f\x8b broken gzip"])
def test_it_refuses_corrupt_archives(data: bytes) -> None:
    with pytest.raises(SuiteRefused, match=r"could not be read|no files"):
        read_archive(data, "s.zip" if data.startswith(b"PK") or not data else "s.tgz")


def test_it_refuses_unknown_archive_kinds_and_oversized_archives() -> None:
    with pytest.raises(SuiteRefused, match=r"must be \.zip"):
        read_archive(b"x", "s.rar")
    with pytest.raises(SuiteRefused, match="limited to 20 MB"):
        read_archive(b"\0" * (limits.MAX_ARCHIVE_BYTES + 1), "s.zip")
