"""Unpacking uploads (a .zip, a .tar.gz or loose files) into memory, refusing anything odd.

Nothing is ever extracted to disk here: members are read into bytes with hard caps on what
is actually decompressed, so a zip bomb (or a gzip stream hiding one) stops at the cap
whatever its headers claim, and links or devices are refused instead of followed.
"""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from typing import IO

from evals.suites import limits
from evals.suites.files import (
    ESCAPE_MESSAGE,
    check_files,
    escapes_upload,
    is_ignored,
    normalise_name,
    strip_common_folder,
)
from evals.suites.report import Problem, SuiteRefused

ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")

_CHUNK = 64 * limits.KIB
_UNIX = 3  # ZipInfo.create_system of archives made on Unix, whose mode bits mean something
_ENCRYPTED = 0x1
# Tar headers (512 bytes each, more for long names) come on top of the file bytes.
_TAR_OVERHEAD = 4 * limits.MIB
_TOTAL_MESSAGE = f"the archive unpacks to more than {limits.MAX_TOTAL_BYTES // limits.MIB} MB"
_CORRUPT = (
    tarfile.TarError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


def is_archive_name(filename: str) -> bool:
    """Whether an uploaded file name announces an archive we unpack."""
    return filename.lower().endswith(ARCHIVE_SUFFIXES)


def read_upload(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The suite's files from an upload: loose files, or a single .zip/.tar.gz/.tgz archive.

    Raises `SuiteRefused` naming each offending file. READMEs and operating-system litter
    (`__MACOSX/`, `.DS_Store`) are dropped; a folder wrapping every file is removed.
    """
    archives = [name for name in files if is_archive_name(name)]
    if archives:
        if len(files) != 1:
            message = "upload either one archive or loose files, not both"
            raise SuiteRefused([Problem(archives[0], None, "", message)])
        return read_archive(files[archives[0]], archives[0])
    return _accept(files.items())


def read_archive(data: bytes, filename: str) -> dict[str, bytes]:
    """The suite's files from a .zip, .tar.gz or .tgz archive (chosen by `filename`).

    Refuses (with `SuiteRefused`) archives over `MAX_ARCHIVE_BYTES`, members that are links,
    devices or encrypted, paths leaving the archive, and archives unpacking to more than the
    file and total limits, counted in bytes actually decompressed.
    """
    if len(data) > limits.MAX_ARCHIVE_BYTES:
        message = f"archives are limited to {limits.MAX_ARCHIVE_BYTES // limits.MIB} MB"
        raise SuiteRefused([Problem(filename, None, "", message)])
    lowered = filename.lower()
    if lowered.endswith(".zip"):
        return _accept(_zip_members(data, filename))
    if lowered.endswith((".tar.gz", ".tgz")):
        return _accept(_tar_members(data, filename))
    message = "archives must be .zip, .tar.gz or .tgz"
    raise SuiteRefused([Problem(filename, None, "", message)])


def _accept(members: Iterable[tuple[str, bytes]]) -> dict[str, bytes]:
    problems: list[Problem] = []
    kept: dict[str, bytes] = {}
    for raw_name, data in members:
        name = normalise_name(raw_name)
        # Checked before anything is ignored: an archive reaching outside itself is hostile
        # even when the member is one we would have dropped.
        if escapes_upload(name):
            problems.append(Problem(raw_name, None, "", ESCAPE_MESSAGE))
        elif is_ignored(name):
            continue
        elif name in kept:
            problems.append(Problem(name, None, "", "the upload holds two files with this path"))
        else:
            kept[name] = data
    # Names are checked before the wrapping folder goes, so "./x" or "a//x" cannot turn into
    # acceptable names by losing their first part.
    problems += check_files(kept)
    if problems:
        raise SuiteRefused(problems)
    return strip_common_folder(kept)


def _zip_members(data: bytes, filename: str) -> Iterator[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except _CORRUPT as error:
        raise _corrupt(filename, error) from error
    _check_entry_count(len(infos), filename)
    budget = _Budget()
    for info in infos:
        if info.is_dir():
            continue
        mode = info.external_attr >> 16
        if info.create_system == _UNIX and stat.S_IFMT(mode) and not stat.S_ISREG(mode):
            raise _refuse(info.filename, "links, devices and other special files are not allowed")
        if info.flag_bits & _ENCRYPTED:
            raise _refuse(info.filename, "encrypted archive members are not allowed")
        try:
            with archive.open(info) as member:
                yield info.filename, budget.read(member, info.filename)
        except _CORRUPT as error:
            raise _corrupt(filename, error) from error


def _tar_members(data: bytes, filename: str) -> Iterator[tuple[str, bytes]]:
    # Stream mode ("r|") over a capped reader: tarfile reads long-name and pax headers whole
    # into memory, so the cap must sit under tarfile, on the decompressed stream itself.
    capped = _CappedReader(
        gzip.GzipFile(fileobj=io.BytesIO(data)),
        limits.MAX_TOTAL_BYTES + _TAR_OVERHEAD,
        filename,
    )
    budget = _Budget()
    try:
        with tarfile.open(fileobj=capped, mode="r|") as archive:
            for count, member in enumerate(archive, start=1):
                _check_entry_count(count, filename)
                if member.isdir():
                    continue
                if not member.isfile():
                    message = "links, devices and other special files are not allowed"
                    raise _refuse(member.name, message)
                if member.size > limits.MAX_FILE_BYTES:
                    raise _refuse(member.name, _too_large_message())
                extracted = archive.extractfile(member)
                assert extracted is not None  # a regular file always has contents
                yield member.name, budget.read(extracted, member.name)
    except _CORRUPT as error:
        raise _corrupt(filename, error) from error


class _Budget:
    """Caps the bytes read per member and over the whole archive, as they are decompressed."""

    def __init__(self) -> None:
        self.total = 0

    def read(self, stream: IO[bytes], name: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            self.total += len(chunk)
            if size > limits.MAX_FILE_BYTES:
                raise _refuse(name, _too_large_message())
            if self.total > limits.MAX_TOTAL_BYTES:
                raise _refuse(name, _TOTAL_MESSAGE)
            chunks.append(chunk)
        return b"".join(chunks)


class _CappedReader(io.RawIOBase):
    """A read-only stream that refuses to yield more than `cap` bytes."""

    def __init__(self, inner: io.BufferedIOBase, cap: int, name: str) -> None:
        self.inner = inner
        self.remaining = cap
        self.name = name

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        want = self.remaining + 1 if size is None or size < 0 else min(size, self.remaining + 1)
        data = self.inner.read(want)
        self.remaining -= len(data)
        if self.remaining < 0:
            raise _refuse(self.name, _TOTAL_MESSAGE)
        return data


def _check_entry_count(count: int, filename: str) -> None:
    if count > limits.MAX_ARCHIVE_ENTRIES:
        raise _refuse(filename, f"archives may hold at most {limits.MAX_ARCHIVE_ENTRIES} entries")


def _too_large_message() -> str:
    return (
        f"the file unpacks to more than {limits.MAX_FILE_BYTES // limits.MIB} MB "
        "(files are measured as they are decompressed, so a compression bomb stops here)"
    )


def _refuse(name: str, message: str) -> SuiteRefused:
    return SuiteRefused([Problem(name, None, "", message)])


def _corrupt(filename: str, error: BaseException) -> SuiteRefused:
    return _refuse(filename, f"the archive could not be read ({type(error).__name__}: {error})")
