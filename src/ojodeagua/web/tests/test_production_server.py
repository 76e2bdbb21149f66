"""With the production settings, Gunicorn serves the app: /health/, a page and a static file.

The way the README and the Dockerfile run it: migrate, collectstatic, then
``gunicorn -c python:ojodeagua.gunicorn_conf ojodeagua.wsgi``, on a free port of this machine,
with a fresh SQLite database and no DEBUG.
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time

HOST = "agua.example.org"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(var_dir, port: int) -> dict[str, str]:
    left_out = {
        "PYTEST_VERSION",
        "DEBUG",
        "DATABASE_URL",
        "REDIS_URL",
        "CACHE_URL",
        "CELERY_BROKER_URL",
        "LOG_FORMAT",
    }
    environment = {key: value for key, value in os.environ.items() if key not in left_out}
    environment.update(
        SECRET_KEY="a-long-production-secret-" + "k3y" * 20,
        ALLOWED_HOSTS=HOST,
        OJODEAGUA_VAR_DIR=str(var_dir),
        BEHIND_TLS_PROXY="1",
        PORT=str(port),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    return environment


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_gunicorn_serves_health_pages_and_compressed_static_files(tmp_path):
    port = free_port()
    environment = production_environment(tmp_path / "var", port)
    command = [sys.executable, "-m", "ojodeagua"]
    # Both at once (each takes seconds); collectstatic leaves out the admin's and DRF's files,
    # which no page here names, to stay quick.
    preparing = [
        subprocess.Popen(
            [*command, "migrate", "--noinput", "-v", "0"],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
        subprocess.Popen(
            [
                *command,
                "collectstatic",
                "--noinput",
                "-v",
                "0",
                "-i",
                "admin",
                "-i",
                "rest_framework",
            ],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
    ]
    for step in preparing:
        output, _ = step.communicate(timeout=180)
        assert step.returncode == 0, output
    manifest = json.loads((tmp_path / "var" / "static" / "staticfiles.json").read_text())
    hashed_css = manifest["paths"]["ojodeagua/site.css"]
    assert hashed_css != "ojodeagua/site.css"

    log = tmp_path / "stdout.log"
    with open(log, "w") as stdout, open(tmp_path / "stderr.log", "w") as stderr:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:ojodeagua.gunicorn_conf",
                "ojodeagua.wsgi",
            ],
            env=environment,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "stderr.log").read_text() + log.read_text()
            try:
                status, headers, body = get(port, "/health/")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
                time.sleep(0.2)
        # Over plain HTTP and by address, as a load balancer asks.
        assert status == 200, body
        # No broker in its environment: the jobs run in-process, and the queue says so.
        assert json.loads(body) == {
            "status": "ok",
            "database": "ok",
            "cache": "ok",
            "queue": "eager",
        }

        # The rest of the site goes to HTTPS…
        status, headers, _ = get(port, "/entrar/", Host=HOST)
        assert status == 301
        assert headers["Location"] == f"https://{HOST}/entrar/"
        # …and behind the TLS proxy serves the page, with its policy and hashed static names.
        status, headers, body = get(
            port, "/entrar/?next=/cuentas/", Host=HOST, **{"X-Forwarded-Proto": "https"}
        )
        assert status == 200
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert f"/static/{hashed_css}" in body.decode()

        status, headers, body = get(
            port,
            f"/static/{hashed_css}",
            Host=HOST,
            **{"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"},
        )
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"]
        assert re.search(r"max-age=\d{8,}", headers["Cache-Control"])
    finally:
        server.terminate()
        server.wait(timeout=30)

    # Standard output is JSON lines only: Gunicorn's own and the app's request log.
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    requests = [e for e in entries if e["logger"] == "ojodeagua.requests"]
    assert [(e["method"], e["path"], e["status"]) for e in requests] == [
        ("GET", "/entrar/", 301),
        ("GET", "/entrar/", 200),
        ("GET", f"/static/{hashed_css}", 200),
    ]
    assert all(isinstance(e["duration_ms"], float) for e in requests)
    assert "cuentas" not in log.read_text()
    assert any(e["logger"] == "gunicorn.error" for e in entries)
