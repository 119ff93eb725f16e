"""docker-compose.yml, the Dockerfile and `python -m coopcenter.stack` name real code.

No Docker here: the files are read as data, and every module they start is imported, so a
renamed module or a setting the containers lack fails this suite instead of a deployment.
"""

import importlib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from django.conf import settings
from gunicorn.config import Config

from coopcenter import stack
from coopcenter.core.logredact import GunicornLogger

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ("web", "worker", "beat")
MAIL_CATCHERS = ("mailpit", "mailhog", "smtp4dev")
# What `${NAME:?message}` stands for when the check runs: the real value is a secret.
REQUIRED_PLACEHOLDER = "compose-check-placeholder-value-that-is-long-enough-0123456789"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def interpolate(value: str, environ: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}` forms."""

    def replace(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if environ.get(name):
            return environ[name]
        if op == ":-":
            return arg
        if op == ":?":
            return REQUIRED_PLACEHOLDER
        return ""

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", replace, value)


def argv_of(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(a) for a in command]


def program(argv: list[str]) -> tuple[str, list[str]]:
    """The program an argv runs and its arguments, looking through `python -m`."""
    if len(argv) > 2 and argv[1] == "-m":
        return argv[2], argv[3:]
    return Path(argv[0]).name, argv[1:]


def gunicorn_target(args: list[str]) -> tuple[str, str]:
    """The WSGI module and callable of gunicorn's arguments, parsed by gunicorn itself."""
    parsed = Config(prog="gunicorn").parser().parse_args(args)
    assert len(parsed.args) == 1, f"gunicorn {args} names {parsed.args}"
    module, _, attribute = parsed.args[0].partition(":")
    return module, attribute or "application"


def celery_app_argument(args: list[str]) -> str:
    for i, arg in enumerate(args):
        if arg in ("-A", "--app"):
            return args[i + 1]
        if arg.startswith("--app="):
            return arg.split("=", 1)[1]
    raise AssertionError(f"no -A in celery {args}")


def gunicorn_logger_class(args: list[str]) -> type:
    """The logger class gunicorn would load from these arguments."""
    parsed = Config(prog="gunicorn").parser().parse_args(args)
    config = Config()
    if parsed.logger_class:
        config.set("logger_class", parsed.logger_class)
    return config.logger_class


def assert_runs_project_code(argv: list[str], expected: str) -> None:
    name, args = program(argv)
    assert name == expected, argv
    if name == "gunicorn":
        module, attribute = gunicorn_target(args)
        assert module == "coopcenter.wsgi"
        assert callable(getattr(importlib.import_module(module), attribute))
        # Its access log redacts the tokens of tracking and survey URLs.
        assert gunicorn_logger_class(args) is GunicornLogger, argv
    else:
        # Resolved the way `celery -A` resolves it.
        assert isinstance(find_app(celery_app_argument(args)), Celery)


# --- docker-compose.yml ----------------------------------------------------------------


def test_every_service_is_there(services):
    assert {"db", "redis", *APP_SERVICES} <= set(services)
    assert set(MAIL_CATCHERS) & set(services), "no mail catcher"
    assert services["db"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")


def test_web_worker_and_beat_share_one_definition(compose, services):
    shared = ("build", "image", "env_file", "environment")
    definitions = [{key: services[name].get(key) for key in shared} for name in APP_SERVICES]
    assert all(d == definitions[0] for d in definitions), definitions
    assert definitions[0]["build"] and definitions[0]["image"]
    # One anchored definition, not three copies kept equal by hand.
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert re.search(r"^x-app: &app$", text, re.MULTILINE)
    for name in APP_SERVICES:
        assert re.search(rf"^  {name}:\n    <<: \*app$", text, re.MULTILINE), name


def test_app_environment_points_at_the_services(services):
    env = services["web"]["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "coopcenter.settings.production"
    assert "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    catcher = next(name for name in MAIL_CATCHERS if name in services)
    assert env["EMAIL_HOST"] == catcher
    assert str(env["EMAIL_PORT"]) == "1025"


@pytest.mark.parametrize(
    ("service", "program_name"), [("web", "gunicorn"), ("worker", "celery"), ("beat", "celery")]
)
def test_app_commands_name_project_modules(services, service, program_name):
    argv = argv_of(services[service]["command"])
    assert_runs_project_code(argv, program_name)
    if program_name == "celery":
        assert argv[argv.index("-A") + 2] == service, argv


def test_the_containers_environment_loads_the_settings(services):
    """The settings module, WSGI application and Celery app load with what compose sets."""
    compose_env = {
        key: interpolate(str(value), {}) for key, value in services["web"]["environment"].items()
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.update(compose_env)
    code = (
        "import django, json; django.setup();"
        "from django.conf import settings;"
        "from coopcenter.wsgi import application;"
        "from celery.app.utils import find_app;"
        "app = find_app('coopcenter');"
        "print(json.dumps({'debug': settings.DEBUG, 'broker': app.conf.broker_url,"
        " 'eager': app.conf.task_always_eager, 'email': settings.EMAIL_HOST,"
        " 'db': settings.DATABASES['default']['HOST']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {
        "debug": False,
        "broker": compose_env["REDIS_URL"],
        "eager": False,
        "email": compose_env["EMAIL_HOST"],
        "db": "db",
    }


def test_services_are_healthchecked_or_wait_for_what_they_need(services):
    probed = {
        name
        for name, service in services.items()
        if service.get("healthcheck") and not service["healthcheck"].get("disable")
    }
    web = services["web"]
    if "healthcheck" not in web and web.get("build") in (".", {"context": "."}):
        probed.add("web")  # the image's HEALTHCHECK, tested with the Dockerfile below
    assert {"db", "redis", "web", "worker"} <= probed
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on without conditions"
        if name not in probed:
            assert depends_on, f"{name} has neither a healthcheck nor dependencies"
        for target, rule in depends_on.items():
            condition = rule["condition"]
            if condition == "service_healthy":
                assert target in probed, f"{name} waits for {target}, which has no healthcheck"
            elif condition == "service_completed_successfully":
                assert services[target].get("restart") == "no", f"{target} is not one-shot"
    for name in APP_SERVICES:
        needs = services[name]["depends_on"]
        assert needs["db"]["condition"] == needs["redis"]["condition"] == "service_healthy"


def test_migrations_run_once_before_the_processes(services):
    migrating = [
        name for name, s in services.items() if "migrate" in argv_of(s.get("command") or [])
    ]
    assert migrating, "nothing runs migrate"
    (migrate,) = migrating
    assert services[migrate]["image"] == services["web"]["image"]
    for name in APP_SERVICES:
        condition = services[name]["depends_on"][migrate]["condition"]
        assert condition == "service_completed_successfully"


def test_named_volumes_are_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    used = set()
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume["source"]
            if not source.startswith((".", "/", "~")):
                used.add(source)
    assert used, "no named volume"
    assert used == declared
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["db"]["volumes"])


def test_beat_keeps_its_schedule_in_a_volume(services):
    argv = argv_of(services["beat"]["command"])
    schedule = argv[argv.index("--schedule") + 1]
    mounts = [v.split(":", 1)[1] for v in services["beat"].get("volumes", [])]
    assert any(schedule.startswith(mount + "/") for mount in mounts), (schedule, mounts)


# --- Dockerfile -------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", "", "\n".join(lines))
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in joined.splitlines()
        if line.strip()
    ]


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


def test_image_runs_gunicorn_on_the_wsgi_module_as_a_plain_user():
    stage = final_stage()
    assert stage[0][1].startswith("python:3.11-slim")
    users = [arg for op, arg in stage if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    (cmd,) = [json.loads(arg) for op, arg in stage if op == "CMD"]
    assert_runs_project_code(cmd, "gunicorn")


def test_image_probes_healthz_with_valid_python():
    (probe,) = [arg for op, arg in final_stage() if op == "HEALTHCHECK"]
    argv = shlex.split(probe.split(" CMD ", 1)[1])
    assert argv[:2] == ["python", "-c"]
    compile(argv[2], "HEALTHCHECK", "exec")
    assert "/healthz" in argv[2]
    assert "X-Forwarded-Proto" in argv[2]


def test_image_build_compiles_messages_and_collects_static():
    runs = " ".join(arg for op, arg in dockerfile_instructions() if op == "RUN")
    assert "gettext" in runs
    assert "compilemessages" in runs
    assert re.search(r"DJANGO_SECRET_KEY=\S+ .*collectstatic", runs)
    assert "pip install" in runs


# --- python -m coopcenter.stack ---------------------------------------------------------


def test_stack_runs_the_same_modules_as_compose(services):
    commands = dict(stack.build_commands({"STACK_BIND": "127.0.0.1:9999"}))
    assert list(commands) == ["web", "worker", "beat"]
    assert_runs_project_code(commands["web"], "gunicorn")
    assert_runs_project_code(commands["worker"], "celery")
    assert_runs_project_code(commands["beat"], "celery")
    assert "127.0.0.1:9999" in commands["web"]
    for name in ("worker", "beat"):
        ours = celery_app_argument(program(commands[name])[1])
        theirs = celery_app_argument(program(argv_of(services[name]["command"]))[1])
        assert ours == theirs
    assert gunicorn_target(program(commands["web"])[1]) == gunicorn_target(
        program(argv_of(services["web"]["command"]))[1]
    )
    beat = commands["beat"]
    assert Path(beat[beat.index("--schedule") + 1]).parent.name == "var"


def test_stack_schedule_can_move_for_a_second_stack():
    beat = dict(stack.build_commands({"STACK_BEAT_SCHEDULE": "elsewhere/schedule"}))["beat"]
    assert beat[beat.index("--schedule") + 1] == "elsewhere/schedule"


def test_stack_binds_locally_by_default():
    web = dict(stack.build_commands({}))["web"]
    assert web[web.index("--bind") + 1] == "127.0.0.1:8001"


def test_stack_environment_defaults_to_production_with_a_fresh_key():
    env, notes = stack.stack_environment({"DATABASE_URL": "x", "REDIS_URL": "y"})
    again, _ = stack.stack_environment({})
    assert env["DJANGO_SETTINGS_MODULE"] == "coopcenter.settings.production"
    assert env["DJANGO_ALLOWED_HOSTS"] == "127.0.0.1,localhost"
    assert len(env["DJANGO_SECRET_KEY"]) >= 50
    assert env["DJANGO_SECRET_KEY"] != again["DJANGO_SECRET_KEY"]
    assert any("DJANGO_SECRET_KEY" in note for note in notes)


def test_stack_never_runs_the_laptop_settings():
    env, _ = stack.stack_environment({"DJANGO_SETTINGS_MODULE": "coopcenter.settings.local"})
    assert env["DJANGO_SETTINGS_MODULE"] == "coopcenter.settings.production"


def test_stack_keeps_what_the_environment_says():
    given = {
        "DJANGO_SETTINGS_MODULE": "coopcenter.settings.test",
        "DJANGO_SECRET_KEY": "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "OUTBOX_ENCRYPTION_KEYS": "k" * 44,
    }
    env, notes = stack.stack_environment(given)
    assert {k: env[k] for k in given} == given
    assert notes == []


def test_stack_needs_both_urls():
    assert stack.missing_settings({}) == ["DATABASE_URL", "REDIS_URL"]
    assert stack.missing_settings({"DATABASE_URL": "postgres://x/y"}) == ["REDIS_URL"]


def test_stack_exit_status_is_never_success():
    assert stack.exit_status(0) == 1
    assert stack.exit_status(3) == 3
    assert stack.exit_status(-15) == 143


def run_stack(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    base.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "coopcenter.stack"],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_stack_refuses_without_urls():
    result = run_stack({})
    assert result.returncode == 2
    assert "DATABASE_URL and REDIS_URL must be set" in result.stderr
    # What `python -m` really runs with, after the coopcenter package has been imported.
    assert "settings coopcenter.settings.production" in result.stderr


def test_stack_refuses_services_that_do_not_answer():
    # Port 9 (discard) is closed on any sane machine: both connections are refused at once.
    result = run_stack(
        {"DATABASE_URL": "postgres://nobody@127.0.0.1:9/none", "REDIS_URL": "redis://127.0.0.1:9/0"}
    )
    assert result.returncode == 2
    assert "database at DATABASE_URL does not answer" in result.stderr
    assert "Redis at REDIS_URL does not answer" in result.stderr
