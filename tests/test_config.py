"""Settings: one frozen object from CALLCENTER_* variables, failing fast with a clear message."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from callcenter.config import Settings, SettingsError


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    base = {"CALLCENTER_DATA_DIR": str(tmp_path)}
    base.update({f"CALLCENTER_{k}": v for k, v in values.items()})
    return base


def test_defaults_run_on_an_embedded_sqlite_file(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path))
    assert settings.database_url == f"sqlite:///{tmp_path / 'callcenter.db'}"
    assert settings.flow == "main"
    assert settings.language == "fr-FR"
    assert settings.speech == "twilio"
    assert settings.public_url is None
    assert settings.flows_dir.name == "ivr_flows"


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path))
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.flow = "other"  # type: ignore[misc]


def test_development_credentials_are_generated_once_and_shared(tmp_path: Path) -> None:
    first = Settings.from_env(env(tmp_path))
    second = Settings.from_env(env(tmp_path))
    assert first.dev_credentials
    assert first.twilio_auth_token == second.twilio_auth_token
    assert first.twilio_account_sid.startswith("AC") and len(first.twilio_account_sid) == 34
    assert (tmp_path / "dev-secrets.json").stat().st_mode & 0o077 == 0


def test_real_credentials_are_used_as_given(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, TWILIO_ACCOUNT_SID="AC" + "f" * 32,
                                     TWILIO_AUTH_TOKEN="tok", SECRET_KEY="k"))
    assert not settings.dev_credentials
    assert settings.twilio_auth_token == "tok"
    assert not (tmp_path / "dev-secrets.json").exists()


@pytest.mark.parametrize(("values", "message"), [
    ({"DATABASE_URL": "mysql://x/y"}, "CALLCENTER_DATABASE_URL='mysql://x/y': only sqlite"),
    ({"PUBLIC_URL": "ivr.example.fr"}, "CALLCENTER_PUBLIC_URL='ivr.example.fr': expected an absolute"),
    ({"PORT": "eighty"}, "CALLCENTER_PORT='eighty': expected an integer"),
    ({"SPEECH": "cloud"}, "CALLCENTER_SPEECH='cloud': expected one of twilio, vosk"),
    ({"REQUIRE_CREDENTIALS": "perhaps"}, "expected true or false"),
    ({"REQUIRE_CREDENTIALS": "true"}, "missing CALLCENTER_TWILIO_ACCOUNT_SID"),
    ({"TWILIO_ACCOUNT_SID": "XX1", "TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s"},
     "CALLCENTER_TWILIO_ACCOUNT_SID: expected 'AC'"),
    ({"FLOWS_DIR": "/nonexistent/flows"}, "CALLCENTER_FLOWS_DIR='/nonexistent/flows': not a directory"),
    ({"LOG_LEVEL": "chatty"}, "CALLCENTER_LOG_LEVEL='CHATTY'"),
    ({"REDIS_URL": "http://x"}, "CALLCENTER_REDIS_URL='http://x'"),
    ({"FALLBACK_NUMBER": "01 40 00 00 00"}, "CALLCENTER_FALLBACK_NUMBER='01 40 00 00 00': expected a number"),
    # Twilio waits 15 s for a webhook: longer database waits would leave callers in silence.
    ({"DB_LOCK_TIMEOUT": "10"}, "CALLCENTER_DB_LOCK_TIMEOUT='10': expected seconds above 0 and at most 5"),
    ({"DB_STATEMENT_TIMEOUT": "0"}, "CALLCENTER_DB_STATEMENT_TIMEOUT='0': expected seconds"),
])
def test_bad_values_fail_fast(tmp_path: Path, values: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env(tmp_path, **values))
    assert message in info.value.message


def test_strict_booleans(tmp_path: Path) -> None:
    # "false" must mean false (a classic bug reads any non-empty string as true).
    settings = Settings.from_env(env(tmp_path, REQUIRE_CREDENTIALS="false"))
    assert settings.dev_credentials


def test_public_url_loses_its_trailing_slash(tmp_path: Path) -> None:
    settings = Settings.from_env(env(tmp_path, PUBLIC_URL="https://ivr.example.fr/"))
    assert settings.public_url == "https://ivr.example.fr"


def test_opening_hours_and_handle_time_settings(tmp_path: Path) -> None:
    bundled = Settings.from_env({"CALLCENTER_DATA_DIR": str(tmp_path)})
    assert bundled.hours_file is not None and bundled.hours_file.name == "hours.yaml"
    assert (bundled.handle_time_calls, bundled.handle_time_hours) == (20, 2.0)
    flows = tmp_path / "flows"
    flows.mkdir()
    without = Settings.from_env({"CALLCENTER_DATA_DIR": str(tmp_path), "CALLCENTER_FLOWS_DIR": str(flows)})
    assert without.hours_file is None                       # no hours beside the flows: no hours limit
    with pytest.raises(SettingsError, match="CALLCENTER_HOURS_FILE='nope.yaml': no such file"):
        Settings.from_env({"CALLCENTER_DATA_DIR": str(tmp_path), "CALLCENTER_HOURS_FILE": "nope.yaml"})
    with pytest.raises(SettingsError, match="HANDLE_TIME_HOURS"):
        Settings.from_env({"CALLCENTER_DATA_DIR": str(tmp_path), "CALLCENTER_HANDLE_TIME_HOURS": "0"})
    with pytest.raises(SettingsError, match="HANDLE_TIME_CALLS"):
        Settings.from_env({"CALLCENTER_DATA_DIR": str(tmp_path), "CALLCENTER_HANDLE_TIME_CALLS": "0"})


def test_database_fault_settings(tmp_path: Path) -> None:
    defaults = Settings.from_env(env(tmp_path))
    assert defaults.fallback_number is None
    assert defaults.db_lock_timeout + defaults.db_statement_timeout < 15
    given = Settings.from_env(env(tmp_path, FALLBACK_NUMBER="+33 1 40 00 00 00", DB_LOCK_TIMEOUT="0.5",
                                  DB_STATEMENT_TIMEOUT="3"))
    assert (given.fallback_number, given.db_lock_timeout, given.db_statement_timeout) == ("+33140000000", 0.5, 3.0)
