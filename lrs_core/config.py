"""Settings: one TOML file of tunables, each overridable by an environment variable.

Lookup order for the file: ``LRS_CONFIG``, the user's config dir, the copy shipped in
``config/``. Then ``LRS_<SECTION>_<KEY>`` overrides any value, and ``LRS_DATABASE_URL``
the database URL. Secrets never come from here: see :mod:`lrs_core.secrets`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import platformdirs

from lrs_core.domain.support_hours import HOLIDAY_DIVISIONS
from lrs_core.errors import ConfigurationError
from lrs_core.permissions import OperatorRole

APP_NAME = "lrs-desk"
SHIPPED_CONFIG = Path(__file__).resolve().parent.parent / "config" / "lrs-desk.toml"


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = ""


@dataclass(frozen=True)
class AccountSettings:
    lockout_threshold: int = 3
    lockout_minutes: float = 30.0  # a lock after repeated failures lifts by itself after this
    password_expiry_days: int = 44
    idle_lock_minutes: float = 15.0
    # Roles that must sign in with a second factor (TOTP) as well as a password.
    second_factor_roles: tuple[str, ...] = ("admin",)


@dataclass(frozen=True)
class SlaSettings:
    """Support hours and SLA clocks (Service Charter; :mod:`lrs_core.domain.support_hours`)."""

    desk_opens: str = "08:00"
    desk_closes: str = "18:00"
    holiday_division: str = "england-and-wales"
    # The charter's priority 3 is "N/A": no priority_3_hours.
    priority_1_hours: int = 4
    priority_2_hours: int = 12
    priority_4_hours: int = 360
    warn_share: float = 0.8  # a clock warns once this share of its budget is used
    extra_closed_dates: tuple[str, ...] = ()  # ISO dates the desk is closed beyond bank holidays
    extra_open_dates: tuple[str, ...] = ()  # ISO dates the desk opens despite a holiday/weekend

    @property
    def opening_hours(self) -> tuple[time, time]:
        return time.fromisoformat(self.desk_opens), time.fromisoformat(self.desk_closes)

    @property
    def priority_hours(self) -> dict[int, int]:
        """Support hours per incident priority."""
        return {1: self.priority_1_hours, 2: self.priority_2_hours, 4: self.priority_4_hours}


@dataclass(frozen=True)
class IntegrationSettings:
    email_enabled: bool = False
    email_api_url: str = ""
    postcode_lookup_enabled: bool = False
    postcode_api_url: str = ""
    timeout_seconds: float = 5.0
    retries: int = 2


@dataclass(frozen=True)
class SearchSettings:
    """Scores (0-1) that shape the find-by-personal-details results."""

    plausible_score: float = 0.6  # candidates below this are not shown as possible matches
    exact_first_score: float = 0.85  # the exact look stops when someone scores this
    # When nobody reaches plausible_score, the best candidates from here up are shown apart,
    # labelled "not a match", for the operator to ask the caller one more question.
    # Equal to plausible_score: no weaker band.
    weaker_floor: float = 0.5


@dataclass(frozen=True)
class OrganisationSettings:
    # An account not signed in for this long is flagged for §3.3's housekeeping review.
    dormant_months: int = 12

    @property
    def dormant_days(self) -> int:
        return round(self.dormant_months * 30.44)


@dataclass(frozen=True)
class IntakeSettings:
    """The encrypted-passphrase intake (User Guide §1.4; issue 13)."""

    # Where the desk's mailbox delivers: a folder of .eml files or a Maildir ("" : none).
    mailbox_path: str = ""
    # Wrong passphrases before a case asks the sender for a new file.
    passphrase_tries: int = 3
    # Days a closed case's message is kept before `lrs-desk intake purge` deletes it.
    retention_days: int = 30
    # Days of an organisation's breach history the escalation ladder looks back over.
    breach_window_days: int = 365
    # Hostile files: limits on what an attachment may unpack to.
    max_members: int = 20
    max_unpacked_mb: int = 100
    max_ratio: int = 200  # unpacked size over packed size, per member
    max_rows: int = 50_000


@dataclass(frozen=True)
class DemoSettings:
    learners: int = 2000
    seed: int = 2026


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    accounts: AccountSettings = field(default_factory=AccountSettings)
    sla: SlaSettings = field(default_factory=SlaSettings)
    integrations: IntegrationSettings = field(default_factory=IntegrationSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    organisations: OrganisationSettings = field(default_factory=OrganisationSettings)
    intake: IntakeSettings = field(default_factory=IntakeSettings)
    demo: DemoSettings = field(default_factory=DemoSettings)
    source: str = "defaults"

    @property
    def database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under the user's data dir."""
        return self.database.url or default_sqlite_url()


def data_dir() -> Path:
    """LRS Desk's own folder (the embedded database, reports): made private, 0700, by
    whoever creates it (:mod:`lrs_core.files`)."""
    return Path(os.environ.get("LRS_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def default_sqlite_url() -> str:
    return f"sqlite:///{data_dir() / 'lrs-desk.sqlite3'}"


def config_path(env: Mapping[str, str]) -> Path:
    if env.get("LRS_CONFIG"):
        return Path(env["LRS_CONFIG"])
    user_file = Path(platformdirs.user_config_dir(APP_NAME)) / "lrs-desk.toml"
    return user_file if user_file.exists() else SHIPPED_CONFIG


def _coerce(raw: Any, default: Any, name: str) -> Any:
    """Turn a TOML or environment value into the type of the field's default."""
    try:
        if isinstance(default, bool):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if isinstance(default, tuple):
            # A TOML list, or a comma-separated environment value ("admin,analyst").
            items = raw.split(",") if isinstance(raw, str) else raw
            if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
                raise ValueError(raw)
            return tuple(i.strip() for i in items if i.strip())
        if isinstance(raw, bool) or (isinstance(default, int) and isinstance(raw, float)):
            raise ValueError(raw)  # no silent true -> 1 or 3.7 -> 3
        value = type(default)(raw)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(raw)
        return value
    except (TypeError, ValueError, OverflowError):
        kind = {int: "whole number", float: "number", str: "text", tuple: "list of text"}.get(
            type(default), "value"
        )
        raise ConfigurationError(f"setting {name} must be a {kind}, not {raw!r}") from None


def _section(cls: type[Any], table: Any, prefix: str, env: Mapping[str, str]) -> Any:
    if not isinstance(table, Mapping):
        raise ConfigurationError(f"[{prefix}] must be a table of settings, not {table!r}")
    unknown = set(table) - {f.name for f in dataclasses.fields(cls)}
    if unknown:
        raise ConfigurationError(f"unknown setting(s) in [{prefix}]: {', '.join(sorted(unknown))}")
    values = {}
    for f in dataclasses.fields(cls):
        default = f.default
        name = f"{prefix}.{f.name}"
        env_name = f"LRS_{prefix}_{f.name}".upper()
        if env_name in env:
            values[f.name] = _coerce(env[env_name], default, env_name)
        elif f.name in table:
            values[f.name] = _coerce(table[f.name], default, name)
    return cls(**values)


def load_settings(env: Mapping[str, str] | None = None, path: Path | None = None) -> Settings:
    """Read the settings file and apply environment overrides."""
    env = os.environ if env is None else env
    path = path or config_path(env)
    if path == SHIPPED_CONFIG and not path.exists():
        return Settings(source="built-in defaults")  # installed without the config/ folder
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"configuration file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"configuration file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read configuration file {path}: {exc.strerror}") from None
    sections = {
        "database": DatabaseSettings,
        "accounts": AccountSettings,
        "sla": SlaSettings,
        "integrations": IntegrationSettings,
        "search": SearchSettings,
        "organisations": OrganisationSettings,
        "intake": IntakeSettings,
        "demo": DemoSettings,
    }
    unknown = set(document) - set(sections)
    if unknown:
        raise ConfigurationError(f"unknown section(s) in {path}: {', '.join(sorted(unknown))}")
    built = {key: _section(cls, document.get(key, {}), key, env) for key, cls in sections.items()}
    settings = Settings(**built, source=str(path))
    _check_ranges(settings)
    return settings


def _check_ranges(settings: Settings) -> None:
    accounts, integrations = settings.accounts, settings.integrations
    limits: list[tuple[str, float, float, float]] = [
        ("accounts.lockout_threshold", accounts.lockout_threshold, 1, 100),
        ("accounts.lockout_minutes", accounts.lockout_minutes, 1, 7 * 24 * 60),
        ("accounts.password_expiry_days", accounts.password_expiry_days, 1, 3650),
        ("accounts.idle_lock_minutes", accounts.idle_lock_minutes, 0.01, 24 * 60),
        ("integrations.timeout_seconds", integrations.timeout_seconds, 0.1, 300),
        ("integrations.retries", integrations.retries, 0, 10),
        ("demo.learners", settings.demo.learners, 0, 10_000_000),
        ("organisations.dormant_months", settings.organisations.dormant_months, 1, 120),
        ("search.plausible_score", settings.search.plausible_score, 0.05, 1),
        ("search.exact_first_score", settings.search.exact_first_score, 0.05, 1),
        ("search.weaker_floor", settings.search.weaker_floor, 0.05, 1),
        ("sla.priority_1_hours", settings.sla.priority_1_hours, 1, 100_000),
        ("sla.priority_2_hours", settings.sla.priority_2_hours, 1, 100_000),
        ("sla.priority_4_hours", settings.sla.priority_4_hours, 1, 100_000),
        ("intake.passphrase_tries", settings.intake.passphrase_tries, 1, 20),
        ("intake.retention_days", settings.intake.retention_days, 0, 3650),
        ("intake.breach_window_days", settings.intake.breach_window_days, 1, 3650),
        ("intake.max_members", settings.intake.max_members, 1, 10_000),
        ("intake.max_unpacked_mb", settings.intake.max_unpacked_mb, 1, 10_000),
        ("intake.max_ratio", settings.intake.max_ratio, 2, 100_000),
        ("intake.max_rows", settings.intake.max_rows, 1, 10_000_000),
    ]
    for name, value, low, high in limits:
        if not low <= value <= high:
            raise ConfigurationError(
                f"setting {name} must be from {low:g} to {high:g}, not {value}"
            )
    search = settings.search
    if search.weaker_floor > search.plausible_score:
        raise ConfigurationError(
            f"setting search.weaker_floor ({search.weaker_floor:g}) must not be above"
            f" search.plausible_score ({search.plausible_score:g}): weaker candidates are"
            " those below it (set it equal to turn them off)"
        )
    roles = [r.value for r in OperatorRole]
    for role in accounts.second_factor_roles:
        if role not in roles:
            raise ConfigurationError(
                f"setting accounts.second_factor_roles: {role!r} is not a role "
                f"(roles: {', '.join(roles)})"
            )
    if "admin" not in accounts.second_factor_roles:
        # Admins create super users for any organisation: a password alone is not enough.
        raise ConfigurationError("setting accounts.second_factor_roles must include admin")
    _check_sla(settings.sla)


def _check_sla(sla: SlaSettings) -> None:
    for name in ("desk_opens", "desk_closes"):
        try:
            time.fromisoformat(getattr(sla, name))
        except ValueError:
            raise ConfigurationError(f"setting sla.{name} must be a time such as 08:00") from None
    opens, closes = sla.opening_hours
    if not opens < closes:
        raise ConfigurationError(
            f"setting sla.desk_opens ({sla.desk_opens}) must be before sla.desk_closes"
            f" ({sla.desk_closes})"
        )
    if sla.holiday_division not in HOLIDAY_DIVISIONS:
        raise ConfigurationError(
            f"setting sla.holiday_division must be one of {', '.join(HOLIDAY_DIVISIONS)},"
            f" not {sla.holiday_division!r}"
        )
    if not 0 < sla.warn_share < 1:
        raise ConfigurationError(
            f"setting sla.warn_share must be above 0 and below 1 (0.8: warn at 80% of the"
            f" budget), not {sla.warn_share:g}"
        )
    dates: dict[str, set[date]] = {}
    for name in ("extra_closed_dates", "extra_open_dates"):
        dates[name] = set()
        for text in getattr(sla, name):
            try:
                dates[name].add(date.fromisoformat(text))
            except ValueError:
                raise ConfigurationError(
                    f"setting sla.{name}: {text!r} is not a date such as 2026-12-24"
                ) from None
    both = dates["extra_closed_dates"] & dates["extra_open_dates"]
    if both:
        raise ConfigurationError(
            "settings sla.extra_closed_dates and sla.extra_open_dates both name "
            + ", ".join(d.isoformat() for d in sorted(both))
        )
