"""Run the fault suite on a PostgreSQL and a Redis of its own: `python -m tests.fault [ARGS]`.

The suite restarts its database and broker and SIGKILLs workers; on private servers (see
tests/support/private_services.py) that disturbs nobody else. ARGS go to pytest. `make test`
runs this before the main suite.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.private_services import PrivateServices

ROOT = Path(__file__).resolve().parents[2]

# How fast the fault suite expects recoveries: housekeeping every 2 s, a queued run whose
# message was lost is re-sent after 6 s, a rate-limited run tries 3 times.
RECOVERY = {
    "RUN_HOUSEKEEPING_SECONDS": "2",
    "RUN_REQUEUE_AFTER_SECONDS": "6",
    "RUN_MAX_ATTEMPTS": "3",
    # A campaign's report, comparison or e-mail whose message was lost is sent again after 3 s.
    "RECONCILE_AFTER_SECONDS": "3",
}


def main(argv: list[str]) -> int:
    # A SIGTERM (an interrupted `make test`) still stops the servers, through `finally`.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    state_dir = ROOT / "var" / "fault-services"
    services = PrivateServices.for_checkout(state_dir)
    print(
        f"[fault] private PostgreSQL on 127.0.0.1:{services.postgres.port}, "
        f"Redis on 127.0.0.1:{services.redis.port}",
        flush=True,
    )
    services.start()
    try:
        env = {
            **os.environ,
            **services.environment(),
            **RECOVERY,
            "DJANGO_SETTINGS_MODULE": "procure.settings.test",
        }
        command = [sys.executable, "-m", "pytest", "-m", "fault", "tests/fault", *argv]
        return subprocess.call(command, cwd=ROOT, env=env)
    finally:
        services.stop()
        services.discard(keep_logs_in=state_dir)
        (state_dir / "last").unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
