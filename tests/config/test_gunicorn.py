"""gunicorn's configuration loads and takes its numbers from the environment."""

import os
import re
import subprocess
import sys

from tests.helpers import BASE_DIR


def gunicorn(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORT", "WEB_", "LOG_"))}
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", *args, "config.wsgi"],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def printed(result) -> dict[str, str]:
    assert result.returncode == 0, result.stderr
    return dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.MULTILINE))


def test_config_loads():
    result = gunicorn("--check-config")
    assert result.returncode == 0, result.stderr + result.stdout


def test_port_and_workers_come_from_the_environment():
    values = printed(gunicorn("--print-config", PORT="9123", WEB_CONCURRENCY="3", WEB_HOST="0.0.0.0"))
    assert values["bind"] == "['0.0.0.0:9123']"
    assert values["workers"] == "3"


def test_defaults_two_workers_per_core_plus_one_and_no_recycling():
    values = printed(gunicorn("--print-config"))
    # Loopback unless asked: past the proxy, nobody else reaches gunicorn.
    assert values["bind"] == "['127.0.0.1:8000']"
    assert values["workers"] == str(2 * os.cpu_count() + 1)
    assert values["preload_app"] == "False"
    # Workers recycled after N requests restart together under an even load.
    assert int(values["max_requests"]) == 0
    assert int(values["graceful_timeout"]) > 0


def test_only_the_container_listens_on_every_interface():
    """The Docker image sets WEB_HOST=0.0.0.0 on purpose (its published port is the only way
    in); no other way of running the web process binds anything but loopback."""
    assert "WEB_HOST=0.0.0.0" in (BASE_DIR / "Dockerfile").read_text()
    others = [BASE_DIR / "Procfile", BASE_DIR / "Procfile.dev", BASE_DIR / "docker-compose.yml"]
    others += sorted((BASE_DIR / "deploy").rglob("*.service"))
    for path in others:
        commands = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
        assert not any("0.0.0.0" in line for line in commands), path
