"""Files holding personal data are the operator's alone: folders 0700, files 0600.

The embedded database, its WAL and shared-memory files, and every export (the PLR report)
hold minors' personal data, so nobody else on the machine may read them. Everything LRS Desk
creates is created private (never created open and narrowed afterwards), and a folder or
file of LRS Desk's own that an older version left readable by others is tightened when it is
next opened, with a warning saying so (the CLI prints it; see ``logger``).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from lrs_core.errors import LrsError, ValidationError

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# SQLite keeps these beside the database: they hold its pages too.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")

logger = logging.getLogger("lrs_core.files")


def check_path(path: Path | str, field: str) -> Path:
    """A file name given by the operator, refused with a clear message when no file system
    could hold it (a NUL byte, which the operating system would otherwise turn into a crash)."""
    text = os.fspath(path)
    if "\x00" in text:
        raise ValidationError(field, "must not contain a NUL character")
    if not text.strip():
        raise ValidationError(field, "is required: name the file")
    return Path(text)


class FileRefused(LrsError):
    """A file cannot be written where the operator asked; the message names the real reason
    (a missing folder, a file where a folder should be, permission denied, a read-only file
    system, a name too long, a file already there)."""


def reason(error: OSError) -> str:
    """The operating system's own words for why: "Permission denied", "Read-only file
    system", "File name too long"..."""
    return error.strerror or str(error)


def new_file_path(path: Path | str, field: str) -> Path:
    """Where the operator asked for a new file, once it is sure it can go there: refused,
    with the reason, when something is already there or its folder does not exist.

    A folder is never made for a file the operator names: a mistyped folder would put a
    report of a minor's personal data where nobody looks, so the missing folder is named
    instead and the operator creates it or corrects the name. (Permission and read-only
    refusals come from the write itself, so their reason is the real one.)"""
    path = check_path(path, field)
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        pass  # nothing there: the folders are checked below
    except OSError as error:
        raise FileRefused(f"cannot write {path}: {reason(error)} (nothing was written)") from None
    else:
        if stat.S_ISDIR(info.st_mode):
            raise FileRefused(f"{path} is a folder: add the file's name (nothing was written)")
        raise FileRefused(f"{path} already exists: choose another name (nothing was written)")
    missing: Path | None = None
    for folder in (path.parent, *path.parent.parents):
        try:
            info = os.stat(folder)
        except (FileNotFoundError, NotADirectoryError):
            missing = folder
            continue
        except OSError as error:
            raise FileRefused(
                f"cannot write to {path.parent}: {folder}: {reason(error)} (nothing was written)"
            ) from None
        if not stat.S_ISDIR(info.st_mode):
            raise FileRefused(
                f"cannot write {path}: {folder} is a file, not a folder (nothing was written)"
            )
        break
    if missing is not None:
        raise FileRefused(
            f"cannot write {path}: the folder {missing} does not exist. LRS Desk does not "
            "make folders for a file: create it, or choose another folder (nothing was written)"
        )
    return path


def private_dir(folder: Path, *, tighten: bool = True) -> Path:
    """Create ``folder`` (and any missing parents) with only its owner allowed in.

    An existing folder is tightened to 0700 when ``tighten`` is set and it is ours (owned by
    this user, not a shared sticky folder such as /tmp); a folder chosen by the operator for a
    file (``tighten=False``) is left as it is: the file in it is still made 0600. Raises
    OSError when the folder cannot be made (the caller says what it was for).
    """
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if tighten:
        _tighten(folder, PRIVATE_DIR)
    return folder


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; True when it was created.
    (An empty file is a valid empty SQLite database, so SQLite keeps the mode.)"""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        return False
    return True


def private_sqlite_file(database: Path, *, tighten_folder: bool) -> None:
    """Make the SQLite file and its companions private before SQLite opens them: the folder
    0700 (if LRS Desk's own), the file created 0600 (SQLite gives its WAL and shared-memory
    files the database file's mode), and existing ones tightened."""
    private_dir(database.parent, tighten=tighten_folder)
    if not create_private_file(database):
        _tighten(database, PRIVATE_FILE)
    for suffix in SQLITE_COMPANIONS:
        companion = database.with_name(database.name + suffix)
        if companion.exists():
            _tighten(companion, PRIVATE_FILE)


def _tighten(path: Path, mode: int) -> None:
    """Take away every permission beyond ``mode`` from a file or folder of ours, saying so."""
    try:
        info = path.stat()
    except OSError:
        return
    current = stat.S_IMODE(info.st_mode)
    if current & ~mode == 0:
        return
    if info.st_uid != os.getuid() or (stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX):
        # Not ours (or a shared folder like /tmp): say so rather than change another's.
        logger.warning(
            "%s is readable by others (mode %o) and is not LRS Desk's to change: "
            "restrict it yourself",
            path,
            current,
        )
        return
    try:
        os.chmod(path, current & mode)
    except OSError as error:
        logger.warning("%s is readable by others (mode %o): %s", path, current, error.strerror)
        return
    logger.warning(
        "%s was readable by others (mode %o): now %o, for its owner only",
        path,
        current,
        current & mode,
    )
