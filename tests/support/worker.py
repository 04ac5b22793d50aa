"""A real `celery worker` process for tests: started, watched, SIGKILLed, restarted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import kombu.exceptions
import redis
from django.conf import settings

from procure.celery import app

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """A URL for the database this test process uses (the test database, once set up)."""
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


class WorkerProcess:
    """One `celery -A procure worker` child process pointed at the test database and broker."""

    def __init__(
        self,
        log_path: Path,
        *,
        queues: str = "eval_cpu,eval_api,housekeeping",
        concurrency: int = 1,
        name: str = "test",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.log_path = log_path
        self.queues = queues
        self.concurrency = concurrency
        self.hostname = f"{name}-{os.getpid()}@localhost"
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> WorkerProcess:
        self.launch()
        self.wait_ready(timeout)
        return self

    def launch(self) -> None:
        """Start the process without waiting for it to answer (to start several at once)."""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "procure.settings.test",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            **self.extra_env,
        }
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "procure",
                "worker",
                "-Q",
                self.queues,
                "--concurrency",
                str(self.concurrency),
                "-n",
                self.hostname,
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own process group: a SIGKILL to the group takes the pool children down too, the
            # way a host crash would.
            start_new_session=True,
        )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"worker exited early; see {self.log_path}")
            # A connection of its own each time: after a broker restart (the fault suite does
            # that) pooled connections are dead, and the broadcast of a ping does not retry.
            try:
                with app.connection_for_write() as connection:
                    if app.control.ping(
                        destination=[self.hostname], timeout=0.5, connection=connection
                    ):
                        return
            except (OSError, kombu.exceptions.OperationalError, redis.RedisError):
                time.sleep(0.5)  # the broker is not back yet
        raise TimeoutError(f"worker not ready after {timeout}s; see {self.log_path}")

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until this worker runs nothing and its queues are empty (seen twice in a row).

        A test's rows are truncated when it ends; a worker still writing then (a report made
        after the campaign the test waited for) deadlocks against the truncation or fails on
        rows that vanished under it. Returns False if the worker was still busy at `timeout`.
        """
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        queues = [queue for queue in self.queues.split(",") if queue]
        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline and self.alive:
            try:
                with app.connection_for_write() as connection:
                    inspect = app.control.inspect(
                        [self.hostname], timeout=0.5, connection=connection
                    )
                    active = (inspect.active() or {}).get(self.hostname, [])
                    reserved = (inspect.reserved() or {}).get(self.hostname, [])
                waiting = sum(int(broker.llen(queue)) for queue in queues)
                busy = bool(active or reserved or waiting)
            except (OSError, kombu.exceptions.OperationalError, redis.RedisError):
                busy = True  # the broker is restarting: ask again
            quiet = 0 if busy else quiet + 1
            if quiet >= 2:
                return True
            time.sleep(0.2)
        return not self.alive

    def kill(self) -> None:
        """SIGKILL the whole worker process tree: no chance to ack, requeue or clean up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
