"""The fault suite's private servers start wherever the checkout is (in the main suite).

A checkout inside a folder only its owner may enter (`mktemp -d`, root's home) used to break
the fault suite: as root, PostgreSQL runs as `postgres`, which could not reach a data directory
under the checkout.
"""

from pathlib import Path

import psycopg
import pytest

from tests.support.private_services import PrivateServices, listening

pytestmark = pytest.mark.services


def _private_checkout(tmp_path: Path) -> Path:
    folder = tmp_path / "private"
    folder.mkdir(mode=0o700)
    folder.chmod(0o700)  # whatever the umask
    return folder / "clone" / "var" / "fault-services"


def test_it_runs_servers_for_a_checkout_only_its_owner_may_enter(tmp_path: Path) -> None:
    state_dir = _private_checkout(tmp_path)
    services = PrivateServices.for_checkout(state_dir)
    try:
        services.start()
        with psycopg.connect(services.postgres.url.replace("/procure", "/postgres")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert listening(services.redis.port)
    finally:
        services.stop()
        services.discard(keep_logs_in=state_dir)
    assert not services.postgres.directory.exists()
    assert (state_dir / "postgres.log").is_file()


def test_it_stops_the_servers_a_killed_run_left_behind(tmp_path: Path) -> None:
    state_dir = _private_checkout(tmp_path)
    killed = PrivateServices.for_checkout(state_dir)
    try:
        killed.start()  # and never stopped, as if the run had been SIGKILLed
        fresh = PrivateServices.for_checkout(state_dir)
    finally:
        killed.discard()  # a no-op when the test passes
    fresh.discard()

    assert not listening(killed.postgres.port)
    assert not listening(killed.redis.port)
    assert (state_dir / "last").read_text().strip() == str(fresh.postgres.directory)
