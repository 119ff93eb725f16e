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
from tests.core.test_settings import (
    ENV_EXAMPLE,
    ENV_PRODUCTION_EXAMPLE,
    documented_names,
    env_file,
    settings_reads,
)

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ("web", "worker", "beat")
REDIS_SERVICES = ("redis-broker", "redis-cache")
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
    assert {"db", *REDIS_SERVICES, *APP_SERVICES} <= set(services)
    assert set(MAIL_CATCHERS) & set(services), "no mail catcher"
    assert services["db"]["image"].startswith("postgres:16")
    for name in REDIS_SERVICES:
        assert services[name]["image"].startswith("redis:7")


def environment(service: dict, environ: dict[str, str] | None = None) -> dict[str, str]:
    """A service's environment as compose would hand it over, given the --env-file values."""
    return {
        key: interpolate(str(value), environ or {}) for key, value in service["environment"].items()
    }


def test_web_worker_and_beat_share_one_definition(compose, services):
    shared = ("build", "image", "env_file")
    definitions = [{key: services[name].get(key) for key in shared} for name in APP_SERVICES]
    assert all(d == definitions[0] for d in definitions), definitions
    assert definitions[0]["build"] and definitions[0]["image"]
    # One environment, but for how long a statement may run.
    environments = [
        {k: v for k, v in services[name]["environment"].items() if k != "DB_STATEMENT_TIMEOUT"}
        for name in (*APP_SERVICES, "migrate")
    ]
    assert all(e == environments[0] for e in environments), environments
    # One anchored definition, not three copies kept equal by hand.
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert re.search(r"^x-app: &app$", text, re.MULTILINE)
    for name in APP_SERVICES:
        assert re.search(rf"^  {name}:\n    <<: \*app$", text, re.MULTILINE), name


def test_app_environment_points_at_the_services(services):
    env = environment(services["web"])
    assert env["DJANGO_SETTINGS_MODULE"] == "coopcenter.settings.production"
    assert "@db:5432/" in env["DATABASE_URL"]
    # Celery's queues and the cache on a Redis each.
    assert env["REDIS_URL"].startswith("redis://redis-broker:6379/")
    assert env["REDIS_CACHE_URL"].startswith("redis://redis-cache:6379/")
    catcher = next(name for name in MAIL_CATCHERS if name in services)
    assert env["EMAIL_HOST"] == catcher
    assert env["EMAIL_PORT"] == "1025"
    # The relay of .env.production replaces the catcher.
    relay = environment(services["web"], {"EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "587"})
    assert (relay["EMAIL_HOST"], relay["EMAIL_PORT"]) == ("smtp.example.org", "587")


@pytest.mark.parametrize(
    ("service", "program_name"), [("web", "gunicorn"), ("worker", "celery"), ("beat", "celery")]
)
def test_app_commands_name_project_modules(services, service, program_name):
    argv = argv_of(services[service]["command"])
    assert_runs_project_code(argv, program_name)
    if program_name == "celery":
        assert argv[argv.index("-A") + 2] == service, argv


def python_json(code: str, env: dict[str, str], *args: str):
    """What `python -c code args` prints last, as JSON, run in the project with env."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# Seconds a statement may run, per service: a page gives up fast, the worker's imports take
# longer, a migration on a big table as long as it needs.
STATEMENT_TIMEOUTS = {"web": 10, "worker": 300, "beat": 300, "migrate": 900}


@pytest.mark.parametrize("service", sorted(STATEMENT_TIMEOUTS))
def test_the_containers_environment_loads_the_settings(services, service):
    """The settings module, WSGI application and Celery app load with what compose sets."""
    compose_env = environment(services[service])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    for name in ("REDIS_URL", "REDIS_CACHE_URL", "DB_STATEMENT_TIMEOUT", "DB_CONNECT_TIMEOUT"):
        env.pop(name, None)
    env.update(compose_env)
    code = (
        "import django, json; django.setup();"
        "from django.conf import settings;"
        "from coopcenter.wsgi import application;"
        "from celery.app.utils import find_app;"
        "app = find_app('coopcenter');"
        "db = settings.DATABASES['default'];"
        "print(json.dumps({'debug': settings.DEBUG, 'broker': app.conf.broker_url,"
        " 'eager': app.conf.task_always_eager, 'email': settings.EMAIL_HOST,"
        " 'db': db['HOST'], 'options': db['OPTIONS'],"
        " 'cache': settings.CACHES['default']['LOCATION'],"
        " 'media': str(settings.MEDIA_ROOT), 'public': str(settings.PUBLIC_MEDIA_ROOT)}))"
    )
    loaded = python_json(code, env)
    assert loaded == {
        "debug": False,
        "broker": compose_env["REDIS_URL"],
        "eager": False,
        "email": compose_env["EMAIL_HOST"],
        "db": "db",
        "options": {
            "connect_timeout": 3,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUTS[service] * 1000}",
        },
        "cache": compose_env["REDIS_CACHE_URL"],
        "media": "/app/var/media",
        "public": "/app/var/public-media",
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
    assert {"db", *REDIS_SERVICES, "web", "worker"} <= probed
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
        for target in ("db", *REDIS_SERVICES):
            assert needs[target]["condition"] == "service_healthy", (name, target)


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


def redis_options(service: dict) -> dict[str, str]:
    """redis-server's --name value options, after interpolation."""
    argv = [interpolate(a, {}) for a in argv_of(service["command"])]
    assert argv[0] == "redis-server", argv
    options = {}
    for i, arg in enumerate(argv[1:], start=1):
        if arg.startswith("--"):
            following = argv[i + 1] if i + 1 < len(argv) else ""
            options[arg[2:]] = "" if following.startswith("--") else following
    return options


def test_the_broker_keeps_every_task(services):
    broker = services["redis-broker"]
    options = redis_options(broker)
    assert options["appendonly"] == "yes"
    assert options.get("maxmemory-policy", "noeviction") == "noeviction"
    assert "maxmemory" not in options, "a full broker must refuse writes, not drop tasks"
    assert any(v.endswith(":/data") for v in broker["volumes"])


def test_the_cache_is_bounded_evicts_and_keeps_nothing_on_disk(services):
    cache = services["redis-cache"]
    options = redis_options(cache)
    assert options["maxmemory"] == "256mb"
    assert options["maxmemory-policy"] == "allkeys-lru"
    assert options["save"] == ""
    assert options["appendonly"] == "no"
    assert not cache.get("volumes")
    # Sized by .env.production.
    sized = [interpolate(a, {"REDIS_CACHE_MAXMEMORY": "1gb"}) for a in argv_of(cache["command"])]
    assert sized[sized.index("--maxmemory") + 1] == "1gb"


def test_secrets_have_no_default(compose):
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for name in ("POSTGRES_PASSWORD", "DJANGO_SECRET_KEY", "OUTBOX_ENCRYPTION_KEYS"):
        uses = re.findall(rf"\$\{{{name}(:?[-?]?)", text)
        assert uses, name
        assert set(uses) == {":?"}, f"{name} has a default or may be empty: {uses}"
    env = environment(compose["services"]["db"])
    assert env["POSTGRES_PASSWORD"] == REQUIRED_PLACEHOLDER


def test_containers_read_the_production_env_file(services):
    for name in (*APP_SERVICES, "migrate"):
        assert services[name]["env_file"] == [{"path": ".env.production", "required": False}]


def mounts(service: dict) -> dict[str, str]:
    """Container path -> named volume."""
    found = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        found[target] = source
    return found


def test_web_and_worker_share_the_private_and_the_public_storage(services):
    env = environment(services["web"])
    private, public = env["MEDIA_ROOT"], env["PUBLIC_MEDIA_ROOT"]
    assert private != public
    # Beat only sends due tasks to the broker; it runs none and touches no stored file.
    assert argv_of(services["beat"]["command"])[:4] == ["celery", "-A", "coopcenter", "beat"]
    storing = ("web", "worker")
    volumes = [mounts(services[name]) for name in storing]
    for root in (private, public):
        sources = {mounted.get(root) for mounted in volumes}
        assert len(sources) == 1 and None not in sources, (root, volumes)
    assert volumes[0][private] != volumes[0][public]
    # The image creates both, the app user's to write (a new volume takes their owner).
    runs = [arg for op, arg in final_stage() if op == "RUN"]
    assert any(
        re.search(rf"mkdir -p .*{private}( |$)", run)
        and re.search(rf"mkdir -p .*{public}( |$)", run)
        and re.search(rf"chown app:app .*{private}( |$)", run)
        and re.search(rf"chown app:app .*{public}( |$)", run)
        for run in runs
    ), runs


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


# --- the env files ----------------------------------------------------------------------

# Prints every setting, after loading the env file named by argv[1] (if any) the way the
# settings load .env. A developer's own .env takes part in neither run.
SETTINGS_DUMP = """
import json, sys
import environ
if sys.argv[1:]:
    environ.Env.read_env(sys.argv[1], overwrite=False)
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: None)
import django
django.setup()
from django.conf import settings
print(json.dumps({name: repr(getattr(settings, name)) for name in dir(settings) if name.isupper()}))
"""


def local_settings(*env_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "SYSTEMROOT"}}
    env["DJANGO_SETTINGS_MODULE"] = "coopcenter.settings.local"
    return python_json(SETTINGS_DUMP, env, *map(str, env_file))


def test_a_env_copied_from_the_example_changes_nothing_locally():
    """`cp .env.example .env` keeps a laptop's mail in files, DEBUG on, no https redirect."""
    without = local_settings()
    loaded = local_settings(ENV_EXAMPLE)
    assert loaded["EMAIL_BACKEND"] == repr("django.core.mail.backends.filebased.EmailBackend")
    assert loaded["DEBUG"] == "True"
    assert loaded["SECURE_SSL_REDIRECT"] == "False"
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] == "True"
    assert "sqlite3" in loaded["DATABASES"]
    changed = {name: (without.get(name), value) for name, value in loaded.items()}
    changed = {name: pair for name, pair in changed.items() if pair[0] != pair[1]}
    assert not changed, f".env.example changes the local settings: {changed}"


def compose_variables() -> set[str]:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    return set(re.findall(r"\$\{(\w+)", text))


def test_a_env_copied_from_the_example_changes_nothing_in_compose():
    """Without --env-file, compose fills its ${...} from .env: the local example sets none."""
    assert not compose_variables() & set(env_file(ENV_EXAMPLE))


def test_every_production_value_is_read():
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for path in [ROOT / "manage.py", *(ROOT / "coopcenter").rglob("*.py")]
    )
    read = settings_reads() | compose_variables()
    unread = {
        name
        for name in documented_names(ENV_PRODUCTION_EXAMPLE)
        if name not in read and f'"{name}"' not in code
    }
    assert not unread, f".env.production.example sets what nothing reads: {sorted(unread)}"
    # What compose needs from it, and what a server must not run without.
    production = env_file(ENV_PRODUCTION_EXAMPLE)
    for name in ("DJANGO_SECRET_KEY", "OUTBOX_ENCRYPTION_KEYS", "POSTGRES_PASSWORD"):
        assert production[name] == "", f"{name}: a real value belongs in .env.production only"
    assert production["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert {"RATELIMIT_TRUSTED_PROXIES", "CLIENT_IP_HEADER", "REDIS_CACHE_MAXMEMORY"} <= set(
        production
    )
