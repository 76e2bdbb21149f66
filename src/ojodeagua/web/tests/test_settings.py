"""Production settings come from the environment and pass Django's deployment checks."""

import json
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
            "REDIS_URL",
            "CACHE_URL",
            "LOG_FORMAT",
            "LOG_REQUESTS",
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


PRODUCTION = {"SECRET_KEY": "a-long-production-secret-" + "k3y" * 20, "ALLOWED_HOSTS": "x"}


def test_the_cache_is_redis_when_redis_url_is_set(tmp_path):
    probe = "from django.conf import settings; print(settings.CACHES['default'])"
    result = run_command(
        "shell",
        "--no-imports",
        "-c",
        probe,
        REDIS_URL="redis://127.0.0.1:6379/3",
        OJODEAGUA_VAR_DIR=str(tmp_path),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert "'BACKEND': 'django.core.cache.backends.redis.RedisCache'" in result.stdout
    assert "'LOCATION': 'redis://127.0.0.1:6379/3'" in result.stdout


def test_the_cache_is_each_process_memory_without_redis_url(tmp_path):
    probe = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = run_command(
        "shell", "--no-imports", "-c", probe, OJODEAGUA_VAR_DIR=str(tmp_path), **PRODUCTION
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache"


def test_a_cache_url_that_is_not_redis_is_refused(tmp_path):
    result = run_command(
        "check",
        CACHE_URL="memcached://127.0.0.1:11211",
        OJODEAGUA_VAR_DIR=str(tmp_path),
        **PRODUCTION,
    )
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


def test_production_logs_are_json_lines_on_standard_output(tmp_path):
    probe = (
        "import logging; "
        "logging.getLogger('ojodeagua.requests').info('GET /x/ 200', "
        "extra={'method': 'GET', 'path': '/x/', 'status': 200, 'duration_ms': 1.5}); "
        "logging.getLogger('ojodeagua.books').debug('not at this level')"
    )
    result = run_command(
        "shell", "--no-imports", "-c", probe, OJODEAGUA_VAR_DIR=str(tmp_path), **PRODUCTION
    )
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    entry = json.loads(line)
    assert entry["logger"] == "ojodeagua.requests"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/x/", 200)
