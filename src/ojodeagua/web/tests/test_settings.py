"""Production settings come from the environment and pass Django's deployment checks."""

import os
import subprocess
import sys


def run_command(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "PYTEST_VERSION",
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "ojodeagua", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_command(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-production-secret-" + "k3y" * 20,
        ALLOWED_HOSTS="agua.example.org",
        OJODEAGUA_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_command("check", ALLOWED_HOSTS="x", OJODEAGUA_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "Falta SECRET_KEY" in result.stderr


def test_the_demo_generates_its_secret_key_once_under_var(tmp_path):
    first = run_command("check", DEBUG="1", OJODEAGUA_VAR_DIR=str(tmp_path))
    key = (tmp_path / "secret_key").read_text()
    second = run_command("check", DEBUG="1", OJODEAGUA_VAR_DIR=str(tmp_path))
    assert first.returncode == 0 and second.returncode == 0, first.stderr
    assert len(key) > 40
    assert (tmp_path / "secret_key").read_text() == key
    # The README's commands, run as written (no DEBUG) in that checkout, use the same key.
    as_written = run_command("check", OJODEAGUA_VAR_DIR=str(tmp_path))
    assert as_written.returncode == 0, as_written.stderr


def test_the_default_database_is_sqlite_in_wal_mode_with_immediate_transactions(tmp_path):
    probe = (
        "from django.db import connection as c; cur = c.cursor(); "
        "cur.execute('PRAGMA journal_mode'); print(cur.fetchone()[0]); "
        "cur.execute('PRAGMA busy_timeout'); print(cur.fetchone()[0]); "
        "print(c.settings_dict['OPTIONS']['transaction_mode'])"
    )
    result = run_command(
        "shell", "--no-imports", "-c", probe, DEBUG="1", OJODEAGUA_VAR_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000", "IMMEDIATE"]
    assert (tmp_path / "ojodeagua.sqlite3").exists()
