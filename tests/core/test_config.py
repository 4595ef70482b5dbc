"""Configuration: every tunable in config/lrs-desk.toml, overridable from the environment;
secrets from the keyring or, with no keyring backend, the environment only."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrs_core import secrets
from lrs_core.config import SHIPPED_CONFIG, load_settings
from lrs_core.errors import ConfigurationError


def test_shipped_file_gives_the_domain_defaults() -> None:
    settings = load_settings(env={}, path=SHIPPED_CONFIG)
    # DOMAIN.md "Accounts": lockout 3 by default (a choice), expiry 44 days (§2.3.1).
    assert settings.accounts.lockout_threshold == 3
    assert settings.accounts.password_expiry_days == 44
    assert settings.accounts.idle_lock_minutes == 15
    # DOMAIN.md "Service levels": desk hours 08:00-18:00, P4 = 360 support hours.
    assert settings.sla.desk_opens == "08:00" and settings.sla.priority_4_hours == 360
    assert settings.integrations.email_enabled is False
    assert settings.database_url.startswith("sqlite:///")


def test_weaker_candidates_have_a_floor_under_the_plausible_score() -> None:
    # Issue 10 item 10: weaker candidates (never a match) from [search] weaker_floor up.
    assert load_settings(env={}, path=SHIPPED_CONFIG).search.weaker_floor == 0.5
    env = {"LRS_SEARCH_WEAKER_FLOOR": "0.45"}
    assert load_settings(env=env, path=SHIPPED_CONFIG).search.weaker_floor == 0.45
    for bad, words in (("0.7", "must not be above search.plausible_score"), ("0", "from 0.05")):
        with pytest.raises(ConfigurationError, match=words):
            load_settings(env={"LRS_SEARCH_WEAKER_FLOOR": bad}, path=SHIPPED_CONFIG)


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    env = {
        "LRS_ACCOUNTS_LOCKOUT_THRESHOLD": "10",
        "LRS_INTEGRATIONS_EMAIL_ENABLED": "yes",
        "LRS_DATABASE_URL": "postgresql+psycopg://desk@db/lrs",
        "LRS_DATA_DIR": str(tmp_path),
    }
    settings = load_settings(env=env, path=SHIPPED_CONFIG)
    assert settings.accounts.lockout_threshold == 10
    assert settings.integrations.email_enabled is True
    assert settings.database_url == "postgresql+psycopg://desk@db/lrs"


def test_default_database_lives_in_the_data_dir(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LRS_DATA_DIR", str(tmp_path))
    assert load_settings(path=SHIPPED_CONFIG).database_url == (
        f"sqlite:///{tmp_path / 'lrs-desk.sqlite3'}"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "[accounts]\nlockout_threshold = 'many'\n",
            "accounts.lockout_threshold must be a whole number",
        ),
        ("[accounts]\nlockout_threshold = 0\n", "from 1 to 100"),
        ("[accounts]\nlockout_threshold = 3.7\n", "whole number"),
        ("[accounts]\nlockout_threshold = true\n", "whole number"),
        ("[accounts]\nidle_lock_minutes = nan\n", "must be a number"),
        ("[accounts]\nidle_lock_minutes = inf\n", "must be a number"),
        ("[accounts]\npassword_expiry_days = -1\n", "from 1 to 3650"),
        ("accounts = 5\n", "must be a table"),
        ("[sla]\ndesk_opens = 'eight'\n", "time such as 08:00"),
        ("[acounts]\n", "unknown section"),
        ("[accounts]\nlockout = 3\n", "unknown setting"),
        ("[accounts\n", "not valid TOML"),
    ],
)
def test_bad_configuration_is_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=message):
        load_settings(env={}, path=path)


def test_bad_environment_value_is_named() -> None:
    with pytest.raises(ConfigurationError, match="LRS_ACCOUNTS_IDLE_LOCK_MINUTES"):
        load_settings(env={"LRS_ACCOUNTS_IDLE_LOCK_MINUTES": "soon"}, path=SHIPPED_CONFIG)


def test_fractional_idle_minutes_are_kept() -> None:
    settings = load_settings(env={"LRS_ACCOUNTS_IDLE_LOCK_MINUTES": "0.5"}, path=SHIPPED_CONFIG)
    assert settings.accounts.idle_lock_minutes == 0.5


def test_unreadable_config_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_settings(env={"LRS_CONFIG": str(tmp_path)})
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe[accounts]")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings(env={}, path=binary)


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        load_settings(env={"LRS_CONFIG": str(tmp_path / "nope.toml")})


def test_secret_falls_back_to_environment_without_a_keyring(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(secrets, "keyring_available", lambda: False)
    env = {"LRS_SECRET_DATABASE_PASSWORD": "s3cret-value"}
    found = secrets.lookup("database-password", env)
    assert found.source == "environment" and found.value == "s3cret-value"
    assert "s3cret-value" not in repr(found)
    assert secrets.lookup("database-password", {}).source == "missing"


def test_keyring_wins_over_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(secrets, "keyring_available", lambda: True)
    monkeypatch.setattr(
        secrets.keyring, "get_password", lambda service, name: f"from-keyring-{service}-{name}"
    )
    found = secrets.lookup("intake-key", {"LRS_SECRET_INTAKE_KEY": "from-env"})
    assert found.source == "keyring"
    assert found.value == "from-keyring-lrs-desk-intake-key"


def test_database_password_comes_from_secrets(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from lrs_core.db.database import parse_url, redact

    monkeypatch.setattr(secrets, "keyring_available", lambda: False)
    monkeypatch.setenv("LRS_SECRET_DATABASE_PASSWORD", "pg-pass-1")
    url = parse_url("postgresql://desk@db:5432/lrs")
    assert url.password == "pg-pass-1"
    assert url.drivername == "postgresql+psycopg"
    assert "pg-pass-1" not in redact(url.render_as_string(hide_password=False))
