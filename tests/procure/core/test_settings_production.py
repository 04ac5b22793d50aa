import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[3]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "procure.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env() -> dict[str, str]:
    return {
        "SECRET_KEY": "x7!" + "k" * 30 + "9f#Qz" + "m" * 20,
        "ALLOWED_HOSTS": "procure.example.com",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }


def test_check_deploy_prints_no_issues():
    result = run_manage("check", "--deploy", **production_env())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_it_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]

    result = run_manage("check", **env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_refuses_a_weak_secret_key():
    result = run_manage("check", **{**production_env(), "SECRET_KEY": "short"})

    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_it_refuses_to_start_without_encryption_keys():
    env = production_env()
    del env["FIELD_ENCRYPTION_KEYS"]

    result = run_manage("check", **env)

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr
