"""docs/api.md's example (the README links to it), run verbatim with bash against a live server
and a real Celery worker: register, upload, profile, launch, wait, download the PDF."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from procure.accounts.models import Role
from procure.accounts.services import token_create
from procure.runs.models import Campaign, CampaignStatus
from tests import factories as f
from tests.support.evalkit import tiny_checkpoint

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
MARKER = "<!-- api-example:"


def readme_example() -> str:
    """The first ```bash block after the marker comment in docs/api.md."""
    readme = (ROOT / "docs" / "api.md").read_text()
    after = readme[readme.index(MARKER) :]
    match = re.search(r"```bash\n(.*?)```", after, re.DOTALL)
    assert match, "docs/api.md lost its API example"
    return match.group(1)


def test_the_readme_api_example_runs_verbatim(live_server, celery_worker, tmp_path):
    membership = f.MembershipFactory(role=Role.EDITOR)
    token = token_create(user=membership.user, name="README").key
    # The example runs from the repository root; a link keeps its outputs out of the tree.
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    env = {
        **os.environ,
        "BASE": live_server.url,
        "TOKEN": token,
        "ORG": membership.organization.slug,
        "MODEL_DIR": str(tiny_checkpoint()),
    }

    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_example()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    campaign = Campaign.objects.get(organization=membership.organization)
    assert campaign.status == CampaignStatus.SUCCEEDED
    assert f"campaign {campaign.pk} succeeded" in result.stdout
    assert '"runs_to_queue": 1' in result.stdout
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
