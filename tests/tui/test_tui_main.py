"""`python -m lrs_tui`: a database that cannot be used is one line on stderr, exit 2."""

from __future__ import annotations

import pytest

from lrs_tui.app import main


def test_an_unmigrated_database_is_reported_without_starting_the_app(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The autouse fixture points LRS_DATA_DIR at an empty directory: nothing is migrated.
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("lrs-desk: the database at sqlite:///")
    assert "needs migrating: run `lrs-desk db upgrade`" in err
    assert err.count("\n") == 1


def test_a_broken_configuration_is_reported(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRS_ACCOUNTS_IDLE_LOCK_MINUTES", "soon")
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("lrs-desk: setting LRS_ACCOUNTS_IDLE_LOCK_MINUTES must be a")
    assert "'soon'" in err
