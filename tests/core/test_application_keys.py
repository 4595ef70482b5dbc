"""LRS Desk's own keys (audit-key, totp-key): set like any secret in a deployment, made on
first use for the embedded database, never shown (issue 9 items 5 and 8)."""

from __future__ import annotations

import os
import stat

import pytest

from lrs_core import secrets
from lrs_core.errors import ConfigurationError


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in secrets.APPLICATION_KEYS:
        monkeypatch.delenv(secrets.env_name(name))


@pytest.mark.usefixtures("no_keys")
def test_the_embedded_database_makes_a_missing_key_once_in_an_owner_only_file() -> None:
    made = secrets.application_key("audit-key", create=True)
    assert made.created and made.source == "file"
    path = secrets.key_file("audit-key")
    assert made.where == str(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    again = secrets.application_key("audit-key", create=True)
    assert again.key == made.key and not again.created and again.source == "file"
    assert "made for the embedded database" in secrets.describe("audit-key")


@pytest.mark.usefixtures("no_keys")
def test_a_deployment_without_the_key_is_told_where_to_set_it() -> None:
    with pytest.raises(ConfigurationError, match=r"\$LRS_SECRET_TOTP_KEY"):
        secrets.application_key("totp-key", create=False)
    assert not secrets.key_file("totp-key").exists()


def test_the_environment_sets_a_key_and_each_key_is_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LRS_SECRET_AUDIT_KEY", "one secret")
    monkeypatch.setenv("LRS_SECRET_TOTP_KEY", "one secret")
    audit = secrets.application_key("audit-key", create=False)
    totp = secrets.application_key("totp-key", create=False)
    assert audit.source == "environment" and len(audit.key) == 32
    assert audit.key != totp.key  # one secret set for both still gives two keys
    assert "one secret" not in repr(audit) and audit.key.hex() not in repr(audit)
