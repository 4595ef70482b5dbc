"""Issue 9 item 11: the embedded database was world-readable (-rw-r--r-- in a drwxr-xr-x
folder). Its folder is made 0700, the database, its WAL and shared memory, and every export
0600; what an older version left open is tightened when next opened, with a warning."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from factories import SIAN, plr_learners
from sqlalchemy import text

from lrs_cli.main import main
from lrs_core.actor import Actor
from lrs_core.config import data_dir, default_sqlite_url
from lrs_core.db.database import Database
from lrs_core.services import Services

REASON = "Learner asked by phone"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> object:
    """The usual umask (022), which gave the old files their -rw-r--r--."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("open_umask")
def test_a_new_embedded_database_its_wal_and_folder_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRS_DATA_DIR", str(tmp_path / "share" / "lrs-desk"))
    db = Database(default_sqlite_url())
    db.upgrade()
    with db.engine.connect() as connection:  # open: the WAL and shared memory exist now
        connection.execute(text("CREATE TABLE scratch (n INTEGER)"))
        connection.commit()
        files = sorted(p.name for p in data_dir().iterdir())
        assert files == ["lrs-desk.sqlite3", "lrs-desk.sqlite3-shm", "lrs-desk.sqlite3-wal"]
        assert {p.name: mode(p) for p in data_dir().iterdir()} == dict.fromkeys(files, 0o600)
    db.dispose()
    assert mode(data_dir()) == 0o700


@pytest.mark.usefixtures("open_umask")
def test_what_an_older_version_left_open_is_tightened_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "lrs-desk"
    monkeypatch.setenv("LRS_DATA_DIR", str(folder))
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    database = folder / "lrs-desk.sqlite3"
    Database(f"sqlite:///{database}").upgrade()
    os.chmod(folder, 0o755)  # as an older LRS Desk left them
    for path in (database, folder / "lrs-desk.sqlite3-wal"):
        path.touch()
        os.chmod(path, 0o644)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="lrs_core"):
        db = Database(default_sqlite_url())
        db.schema_state()
        db.dispose()
    assert (mode(folder), mode(database)) == (0o700, 0o600)
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 3
    assert all("readable by others" in line for line in said)
    assert any(str(folder) in line and "755" in line for line in said)


@pytest.mark.usefixtures("open_umask")
def test_a_folder_the_operator_chose_is_theirs_but_the_file_is_private(tmp_path: Path) -> None:
    # LRS Desk never changes a folder that is not its own data directory (it may be shared).
    chosen = tmp_path / "shared"
    chosen.mkdir(mode=0o755)
    os.chmod(chosen, 0o755)
    Database(f"sqlite:///{chosen / 'desk.sqlite3'}").upgrade()
    assert (mode(chosen), mode(chosen / "desk.sqlite3")) == (0o755, 0o600)
    missing = tmp_path / "new" / "desk.sqlite3"
    Database(f"sqlite:///{missing}").upgrade()
    assert (mode(missing.parent), mode(missing)) == (0o700, 0o600)


@pytest.mark.usefixtures("open_umask")
def test_plr_reports_are_private(services: Services, agent: Actor, tmp_path: Path) -> None:
    with services.db.transaction() as session:
        plr_learners(session)
    default = services.plr.report(agent, SIAN, reason=REASON).path
    assert (mode(default), mode(default.parent)) == (0o600, 0o700)
    # A folder the operator chose is theirs: the report in it is private, the folder untouched.
    (tmp_path / "chosen").mkdir()
    (tmp_path / "chosen").chmod(0o755)
    chosen = services.plr.report(agent, SIAN, out=tmp_path / "chosen" / "plr.pdf", reason=REASON)
    assert (mode(chosen.path), mode(chosen.path.parent)) == (0o600, 0o755)


@pytest.mark.usefixtures("open_umask")
def test_the_cli_says_what_it_tightened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LRS_DATA_DIR", str(tmp_path))
    assert main(["db", "upgrade", "--quiet"]) == 0
    os.chmod(tmp_path / "lrs-desk.sqlite3", 0o644)
    capsys.readouterr()
    assert main(["db", "status"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("lrs-desk: note: ") and "was readable by others (mode 644)" in err
    assert mode(tmp_path / "lrs-desk.sqlite3") == 0o600
