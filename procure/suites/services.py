"""Writes to suites: validated uploads become immutable, content-hashed versions."""

import io
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max

from evals.spec import MaterialisedSuite
from evals.suites import materialise_suite, validate_suite
from evals.suites.report import SuiteRefused
from procure.accounts.models import Organization
from procure.audit.models import Action
from procure.audit.services import audit_record

from .models import Suite, SuiteVersion


@dataclass(frozen=True)
class UploadResult:
    version: SuiteVersion
    created: bool  # False when identical content was already the suite's version


@transaction.atomic
def suite_upload(
    *,
    organization: Organization,
    name: str,
    files: Mapping[str, bytes],
    user: User | None = None,
    domain: str = "",
    description: str = "",
) -> UploadResult:
    """Validate an upload and store it as the suite's next version.

    Raises `SuiteRefused` (listing every problem with file, line and key) and saves nothing when
    the upload is not acceptable. Uploading content identical to an existing version of the
    suite returns that version instead of making a new one.
    """
    report = validate_suite(files)
    if not report.ok:
        raise SuiteRefused(report.problems)
    suite, _ = Suite.objects.get_or_create(
        organization=organization,
        name=name,
        defaults={"domain": domain, "description": description},
    )
    # Lock the suite row: two uploads at once must not both take the same version number.
    suite = Suite.objects.select_for_update().get(pk=suite.pk)
    existing = suite.versions.filter(content_hash=report.content_hash).first()
    if existing is not None:
        return UploadResult(version=existing, created=False)
    bundle = pack_files(files)
    latest = suite.versions.aggregate(latest=Max("number"))["latest"] or 0
    version = SuiteVersion.objects.create(
        suite=suite,
        number=latest + 1,
        content_hash=report.content_hash,
        bundle=bundle,
        size_bytes=sum(len(data) for data in files.values()),
        tasks=[
            {
                "name": task.name,
                "output_type": task.output_type,
                "n_docs": task.n_docs,
                "primary_metric": task.primary_metric,
                "primary_filter": task.primary_filter,
            }
            for task in report.tasks
        ],
        uploaded_by=user,
    )
    suite.save(update_fields=["updated_at"])
    audit_record(
        organization=organization,
        action=Action.SUITE_UPLOADED,
        target=version,
        changes={"version": version.number, "content_hash": version.content_hash},
    )
    return UploadResult(version=version, created=True)


def pack_files(files: Mapping[str, bytes]) -> bytes:
    """A deterministic tar of the files: same content, same bytes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mtime = 0
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(files[name]))
    return buffer.getvalue()


def unpack_files(bundle: bytes) -> dict[str, bytes]:
    """The files of a bundle we wrote ourselves (never an uploaded archive: see evals.suites)."""
    files = {}
    with tarfile.open(fileobj=io.BytesIO(bundle), mode="r") as tar:
        for member in tar.getmembers():
            stream = tar.extractfile(member)
            if stream is not None:
                files[member.name] = stream.read()
    return files


def suite_version_materialise(version: SuiteVersion, root: Path | None = None) -> MaterialisedSuite:
    """Write the version's tasks (our own YAML, absolute data paths) under the data directory.

    Keyed by content hash, so every worker process and every run of the same content share one
    directory, and writing it again is a no-op.
    """
    root = root or Path(settings.DATA_DIR) / "suites"
    return materialise_suite(unpack_files(bytes(version.bundle)), root / version.content_hash)
