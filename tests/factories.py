"""Synthetic records for tests: one place to build a valid learner row."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lrs_core.db.models import Learner
from lrs_core.domain.kinds import LearnerStatus
from lrs_core.domain.names import name_key


def learner(uln: str, given: str, family: str, **extra: object) -> Learner:
    """A valid active learner; ``extra`` overrides or adds any column."""
    fields: dict[str, object] = {
        "uln": uln,
        "given_name": given,
        "family_name": family,
        "given_key": name_key(given),
        "family_key": name_key(family),
        "postcode": "SW1A 1AA",
        "date_of_birth": date(2008, 3, 14),
        "gender": 2,
        "ability_to_share": 1,
        "verification_type": 2,
        "status": LearnerStatus.ACTIVE,
        "created_at": datetime(2024, 9, 1, tzinfo=UTC),
        "created_by": "Northgate College",
    }
    return Learner(**(fields | extra))
