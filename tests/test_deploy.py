"""The deployment files (Procfile, Dockerfile, docker-compose.yml, systemd units) name
only things that exist. Docker is not run here: these tests read the files."""

import configparser
import contextlib
import importlib
import json
import os
import re
import shlex
import signal
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml
from celery.app.utils import find_app
from django.core.management import get_commands

from config.celery import app as celery_app
from tests.helpers import BASE_DIR, free_port, wait_for

APP_SERVICES = {"migrate", "web", "worker", "beat"}


def check_command(argv: list[str]) -> None:
    """Fail unless `argv` runs gunicorn, celery or a Python script of this project that exists."""
    program, *args = argv
    program = Path(program).name
    if program == "gunicorn":
        assert (BASE_DIR / args[args.index("-c") + 1]).is_file()
        module, _, attribute = args[-1].partition(":")
        assert callable(getattr(importlib.import_module(module), attribute or "application"))
    elif program == "celery":
        assert args[0] == "-A" and find_app(args[1]) is celery_app
        assert args[2] in {"worker", "beat", "inspect"}
    elif program == "python":
        assert (BASE_DIR / args[0]).is_file()
        if args[0] == "manage.py":
            assert args[1] in get_commands()
    else:
        pytest.fail(f"unexpected program {program!r} in {argv}")


def procfile() -> dict[str, list[str]]:
    lines = (BASE_DIR / "Procfile").read_text().splitlines()
    return {name: shlex.split(command) for name, _, command in (line.partition(": ") for line in lines if line)}


def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_procfile_runs_web_worker_and_beat_from_this_project():
    processes = procfile()
    assert processes.keys() == {"web", "worker", "beat"}
    for argv in processes.values():
        check_command(argv)


def test_compose_runs_postgresql_redis_and_the_app_from_one_image():
    services = compose()["services"]
    assert services.keys() == {"postgres", "redis"} | APP_SERVICES
    assert services["postgres"]["image"] == "postgres:15" and services["redis"]["image"] == "redis:7"
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"], name
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == "." and service["image"] == "sprechzeit"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        check_command(service["command"])
        if name != "migrate":
            assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["command"][1:3] == ["manage.py", "migrate"]
    assert services["web"]["healthcheck"]["test"][1:] == ["python", "deploy/healthcheck.py"]
    check_command(services["web"]["healthcheck"]["test"][1:])
    check_command(shlex.split(services["worker"]["healthcheck"]["test"][1]))


def test_dockerfile_builds_a_non_root_image_that_serves_with_gunicorn():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    assert re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE) == ["sprechzeit"]
    assert "pip install -r requirements.txt" in dockerfile
    assert re.search(r"^polib==", (BASE_DIR / "requirements-dev.txt").read_text(), re.MULTILINE)
    assert "python scripts/catalogs.py compile" in dockerfile and (BASE_DIR / "scripts/catalogs.py").is_file()
    assert "python manage.py collectstatic --noinput" in dockerfile
    (command,) = re.findall(r"^CMD (.+)$", dockerfile, re.MULTILINE)
    check_command(json.loads(command))
    assert json.loads(command) == compose()["services"]["web"]["command"] == procfile()["web"]
    ignored = (BASE_DIR / ".dockerignore").read_text().splitlines()
    assert {".env", ".venv", ".git", "var"} <= set(ignored)


@pytest.mark.parametrize("unit", ["web", "worker", "beat"])
def test_systemd_units_run_this_project_as_its_own_user(unit):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(BASE_DIR / "deploy" / "systemd" / f"sprechzeit-{unit}.service")
    service = parser["Service"]
    assert service["User"] == "sprechzeit" and service["WorkingDirectory"] == "/opt/sprechzeit"
    assert service["EnvironmentFile"] == "/etc/sprechzeit/sprechzeit.env"
    argv = shlex.split(service["ExecStart"])
    assert argv[0].startswith("/opt/sprechzeit/.venv/bin/")
    check_command(argv)
    assert parser["Install"]["WantedBy"] == "multi-user.target"


def test_the_systemd_environment_file_sets_the_production_settings():
    lines = (BASE_DIR / "deploy" / "systemd" / "sprechzeit.env").read_text().splitlines()
    names = {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}
    assert {"DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DATABASE_URL", "REDIS_URL"} <= names


# --- manage.py check --deploy ------------------------------------------------------------

GATEWAY = "scheduler.channels.threema.GatewayBackend"


@pytest.mark.parametrize(
    ("backend", "private_key", "warned"),
    [
        (GATEWAY, "", True),  # basic mode: Threema's server reads the text
        (GATEWAY, "private:" + "11" * 32, False),  # end-to-end
        ("scheduler.channels.threema.ConsoleBackend", "", False),  # W002 tells of this one
    ],
)
def test_check_deploy_warns_when_threema_runs_in_basic_mode(settings, backend, private_key, warned):
    from django.core import checks

    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "threema": backend}
    settings.THREEMA_GATEWAY_ID, settings.THREEMA_GATEWAY_SECRET = "*SPRECHZ", "gateway-secret"
    settings.THREEMA_PRIVATE_KEY = private_key
    found = [
        message for message in checks.run_checks(include_deployment_checks=True) if message.id == "sprechzeit.W005"
    ]
    assert bool(found) is warned
    if warned:
        assert "THREEMA_PRIVATE_KEY" in found[0].hint and "can read their text" in found[0].msg


def test_make_run_serves_on_the_port_it_is_given_and_links_follow(tmp_path):
    """`PORT=8123 make run`: the web process listens on 8123, the worker's links say 8123."""
    import subprocess

    dry = subprocess.run(
        ["make", "-n", "-o", "setup", "run", "PORT=8123"], cwd=BASE_DIR, capture_output=True, text=True, check=True
    ).stdout
    honcho = next(line for line in dry.splitlines() if "honcho" in line)
    assert 'SITE_URL="http://127.0.0.1:8123"' in honcho and "start --port 8123" in honcho
    web = (BASE_DIR / "Procfile.dev").read_text().splitlines()[0]
    assert web.endswith("runserver 127.0.0.1:$PORT")
    given = subprocess.run(
        ["make", "-n", "-o", "setup", "run", "PORT=8123", "SITE_URL=https://termine.example.org"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert 'SITE_URL="https://termine.example.org"' in given


def _descendant_environments(root: int, word: str) -> list[dict]:
    """The environments of the descendants of process `root` whose command has `word`."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found = []
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, root):
            ancestor = parents.get(ancestor)
        if ancestor != root:
            continue
        with contextlib.suppress(OSError):
            if word in (Path("/proc") / str(pid) / "cmdline").read_text():
                pairs = (Path("/proc") / str(pid) / "environ").read_bytes().split(b"\0")
                found.append(dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair))
    return found


def test_make_runs_web_process_really_listens_on_the_port_with_site_url_following(tmp_path):
    """The honcho line `make run` runs (its dry run), started for real with only the web
    process: /healthz answers on the given port, and the web process has SITE_URL on it."""
    port = free_port()
    dry = subprocess.run(
        ["make", "-n", "-o", "setup", "run", f"PORT={port}"], cwd=BASE_DIR, capture_output=True, text=True, check=True
    ).stdout
    honcho = next(line for line in dry.splitlines() if "honcho" in line)
    env = {key: value for key, value in os.environ.items() if key not in ("SITE_URL", "DATABASE_URL", "REDIS_URL")}
    env["VAR_DIR"] = str(tmp_path)
    # Only the web process (`honcho start ... web`); setup's migrate is not needed for /healthz.
    process = subprocess.Popen(
        ["bash", "-c", f"{honcho} web"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        answers = []

        def answered_or_exited():
            if process.poll() is not None:
                return True  # nothing more will listen: the assertion below says so
            try:
                answers.append(httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2))
            except httpx.TransportError:
                return False
            return True

        wait_for(answered_or_exited, 60, f"the web process to listen on {port}")
        assert answers, f"nothing listens on {port} (honcho exited with {process.poll()})"
        assert answers[0].json()["database"] == "ok"
        web = _descendant_environments(process.pid, "runserver")
        assert web, "no runserver process under honcho"
        assert all(found["SITE_URL"] == f"http://127.0.0.1:{port}" for found in web)
        assert all(found["PORT"] == str(port) for found in web)
    finally:  # the whole group this test started: bash, honcho, runserver and its reloader
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_make_run_takes_site_url_from_dot_env_too(tmp_path):
    """Django reads .env but would not override the SITE_URL make gives it: make reads it too."""
    (tmp_path / ".env").write_text('SECRET_KEY=x\nSITE_URL="https://termine.example.org"\n')
    dry = subprocess.run(
        ["make", "-n", "-o", "setup", "-f", str(BASE_DIR / "Makefile"), "run", "PORT=8123"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    honcho = next(line for line in dry.splitlines() if "honcho" in line)
    assert 'SITE_URL="https://termine.example.org"' in honcho and "start --port 8123" in honcho
