"""A PostgreSQL cluster and a Redis server of the fault suite's own, on free loopback ports.

The fault suite restarts its database and its broker on purpose. Doing that to the machine's
servers would break whatever else uses them (a developer's running demo, another test run), so
the suite gets servers nobody else knows about, started before pytest (the test database must
exist before Django configures itself) and stopped after it.

Their files live in a fresh directory under the system's temporary directory, not in the
checkout: PostgreSQL refuses to run as root, so as root its server runs as the `postgres` user,
which cannot enter a checkout inside a folder only its owner may enter (`mktemp -d`, a home
directory of mode 700). As an ordinary user both servers simply run as that user. The checkout
only keeps `var/fault-services/last`, naming the directory of the latest run, so that a run
killed before it could clean up has its servers stopped by the next one, and copies of the
servers' logs.

Both are described to the test process through the environment (`PrivateServices.from_env`), so
a test can stop and restart them with the same commands that started them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ENV_DIR = "PROCURE_FAULT_SERVICES_DIR"
ENV_PG_PORT = "PROCURE_FAULT_PG_PORT"
ENV_REDIS_PORT = "PROCURE_FAULT_REDIS_PORT"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(check: object, what: str, timeout: float = 30.0) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} after {timeout:.0f} s")
        time.sleep(0.1)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (make services installs it).")
    return path


def _as_postgres(argv: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; on these machines the tests run as root. An ordinary
    # user runs it as themselves.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _open_to_others(path: Path) -> bool:
    """Whether a user who owns none of `path` and its parents may enter it (o+x all the way)."""
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in (path, *path.parents))


def services_directory() -> Path:
    """A new directory for one run's servers, which the PostgreSQL server's user can reach.

    Under the system's temporary directory, unless TMPDIR points somewhere `postgres` cannot
    enter while we are root: then /tmp, which every user may enter.
    """
    base = Path(tempfile.gettempdir())
    if os.geteuid() == 0 and not _open_to_others(base):
        base = Path("/tmp")
    directory = Path(tempfile.mkdtemp(prefix="procure-fault-", dir=base))
    if os.geteuid() == 0:
        # mkdtemp gives mode 700; postgres needs to enter it to reach its data directory.
        shutil.chown(directory, "postgres", "postgres")
    return directory


@dataclass(frozen=True)
class PrivatePostgres:
    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "pg"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/procure"

    def create(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")  # left running by a fault run that was killed
        if self.data.exists():
            shutil.rmtree(self.data)
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        subprocess.run(
            _as_postgres(
                [_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=self.directory,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres(
                [
                    _pg_bin("pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.data / "server.log"),
                    "-o",
                    options,
                    "-w",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=self.directory,  # the server user may not enter the caller's directory
        )
        wait_until(lambda: listening(self.port), "PostgreSQL is not listening")

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            check=False,
            cwd=self.directory if self.directory.is_dir() else None,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def restart(self) -> None:
        """A real server restart: every connection is cut, in-flight transactions roll back."""
        self.stop("fast")
        self.start()


@dataclass(frozen=True)
class PrivateRedis:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop_leftover(self) -> None:
        """Stop a server that a killed fault run left behind in this directory."""
        pidfile = self.directory / "redis.pid"
        # No file, or no such process any more: nothing to stop.
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        pidfile.unlink(missing_ok=True)

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        # Like the machine's Redis: nothing kept on disk, so a restart loses every queued message.
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--dir",
                str(self.directory),
                "--pidfile",
                str(self.directory / "redis.pid"),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            check=True,
        )
        wait_until(lambda: listening(self.port), "Redis is not listening")

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: not listening(self.port), "Redis did not stop")

    def restart(self) -> None:
        self.stop()
        self.start()


@dataclass(frozen=True)
class PrivateServices:
    postgres: PrivatePostgres
    redis: PrivateRedis

    @classmethod
    def new(cls, directory: Path) -> PrivateServices:
        return cls(PrivatePostgres(directory, free_port()), PrivateRedis(directory, free_port()))

    @classmethod
    def for_checkout(cls, state_dir: Path) -> PrivateServices:
        """Servers in a new reachable directory; `state_dir` (in the checkout) remembers it.

        Servers that a killed earlier run left in the directory named there are stopped and
        their files removed first.
        """
        state_dir.mkdir(parents=True, exist_ok=True)
        pointer = state_dir / "last"
        if pointer.is_file():
            leftover = Path(pointer.read_text().strip())
            if leftover.is_dir():
                cls(PrivatePostgres(leftover, 0), PrivateRedis(leftover, 0)).discard()
        services = cls.new(services_directory())
        pointer.write_text(f"{services.postgres.directory}\n")
        return services

    @classmethod
    def from_env(cls) -> PrivateServices | None:
        if ENV_DIR not in os.environ:
            return None
        directory = Path(os.environ[ENV_DIR])
        return cls(
            PrivatePostgres(directory, int(os.environ[ENV_PG_PORT])),
            PrivateRedis(directory, int(os.environ[ENV_REDIS_PORT])),
        )

    def start(self) -> None:
        self.redis.stop_leftover()
        self.postgres.create()
        self.postgres.start()
        self.redis.start()

    def stop(self) -> None:
        self.redis.stop()
        self.postgres.stop()

    def discard(self, keep_logs_in: Path | None = None) -> None:
        """Stop both servers if running, keep copies of their logs, remove their directory."""
        self.redis.stop_leftover()
        if (self.postgres.data / "postmaster.pid").exists():
            self.postgres.stop("immediate")
        if keep_logs_in is not None:
            keep_logs_in.mkdir(parents=True, exist_ok=True)
            logs = {
                "postgres.log": self.postgres.data / "server.log",
                "redis.log": self.redis.directory / "redis.log",
            }
            for name, log in logs.items():
                if log.is_file():
                    shutil.copyfile(log, keep_logs_in / name)
        shutil.rmtree(self.postgres.directory, ignore_errors=True)

    def environment(self) -> dict[str, str]:
        return {
            ENV_DIR: str(self.postgres.directory),
            ENV_PG_PORT: str(self.postgres.port),
            ENV_REDIS_PORT: str(self.redis.port),
            "DATABASE_URL": self.postgres.url,
            "CELERY_BROKER_URL": self.redis.url,
            "CELERY_RESULT_BACKEND": self.redis.url,
        }
