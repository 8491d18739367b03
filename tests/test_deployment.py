"""The image and the compose file are safe by default: pinned dependencies, a non-root user,
production secrets required from the environment (none written in the file), health checks."""

from __future__ import annotations

import re
import tomllib

import yaml

from callcenter.config import PROJECT_ROOT

SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET", "KEY", "DATABASE_URL")


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_every_dependency_is_pinned_in_the_constraints() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    pins = {}
    for line in (PROJECT_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version.strip(), f"constraints.txt: {line!r} is not pinned with =="
            pins[name.lower().replace("_", "-")] = version
    assert wanted - set(pins) == set()
    assert "callcenter" not in pins


def test_the_image_installs_with_the_constraints_and_runs_as_a_user() -> None:
    lines = [ln.strip() for ln in (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()]
    install = next(ln for ln in lines if ln.startswith("RUN pip install"))
    assert "-c constraints.txt" in install
    users = [ln.split()[1] for ln in lines if ln.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert lines.index(next(ln for ln in lines if ln.startswith("USER "))) > lines.index(install)
    assert any(ln.startswith("HEALTHCHECK") for ln in lines)


def test_compose_requires_production_secrets_and_writes_none() -> None:
    text = (PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    compose = yaml.safe_load(text)
    for name, service in compose["services"].items():
        assert "healthcheck" in service, f"service {name} has no health check"
        for var, value in (service.get("environment") or {}).items():
            if any(w in var for w in SECRET_WORDS) and value:
                # Only from the environment, and required: "${VAR:?message}".
                assert re.search(r"\$\{[A-Z_]+:\?[^}]+\}", str(value)), f"{name}.{var} = {value!r}"
                assert "callcenter:callcenter@" not in str(value)
    app = compose["services"]["app"]["environment"]
    for required in ("CALLCENTER_PUBLIC_URL", "CALLCENTER_TWILIO_ACCOUNT_SID", "CALLCENTER_TWILIO_AUTH_TOKEN",
                     "CALLCENTER_SECRET_KEY"):
        assert re.fullmatch(r"\$\{" + required + r":\?[^}]+\}", app[required]), required
    assert compose["services"]["app"]["user"].split(":")[0] not in ("root", "0")
