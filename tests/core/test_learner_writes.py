"""Register and update learners, and the learner profile. DOMAIN.md "Learners and ULNs"
(§4.2.2 register, §4.2.2.1 possible match, §4.2.4 identical key data, Appendix C updating)
and "Formats and codes" (ULN check digit, WSRC0021)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from factories import audit_log, learner
from sqlalchemy import func, select

from lrs_core.actor import Actor
from lrs_core.db.models import Learner, LearnerPreviousValue
from lrs_core.domain.kinds import LearnerStatus
from lrs_core.domain.values import OutcomeCode, is_valid_uln, permuted_uln
from lrs_core.errors import IdenticalLearner, InvalidFields, StaleLearner
from lrs_core.services import Services
from lrs_core.services.learners import REGISTER_WARNING
from lrs_core.services.search import DemographicQuery

AMARA = "9276308686"
AMARA_LINKED = "1174112637"

NEW_LEARNER = {
    "given_name": "Tobias",
    "family_name": "Fairweather",
    "date_of_birth": "2008-05-17",
    "gender": "1",
    "postcode": "YO1 7HH",
    "verification_type": "2",
    "ability_to_share": "1",
}


@pytest.fixture
def amara(services: Services) -> None:
    """Amara Obi and a linked duplicate registered with her details at another postcode."""
    with services.db.transaction() as session:
        master = learner(AMARA, "Amara", "Obi", date_of_birth=date(2007, 2, 3), postcode="NG7 2RD")
        session.add(master)
        session.flush()
        session.add(
            learner(AMARA_LINKED, "Amara", "Obi", date_of_birth=date(2007, 2, 3),
                    postcode="NG1 5FT", status=LearnerStatus.LINKED, master_learner_id=master.id)
        )  # fmt: skip


def learner_count(services: Services) -> int:
    with services.db.transaction(read_only=True) as session:
        return int(session.execute(select(func.count()).select_from(Learner)).scalar_one())


def amara_like(**changes: str) -> dict[str, str]:
    fields = NEW_LEARNER | {
        "given_name": "Amara",
        "family_name": "Obi",
        "date_of_birth": "2007-02-03",
        "gender": "2",
        "postcode": "NG7 2RD",
    }
    return fields | changes


def test_register_issues_a_new_valid_uln_and_audits_it(services: Services, agent: Actor) -> None:
    result = services.learners.register(agent, NEW_LEARNER)
    assert result.learner is not None
    uln = result.learner.uln
    assert is_valid_uln(uln)
    assert (result.learner.given_name, result.learner.created_by) == ("Tobias", "kim.lee")
    entry = audit_log(services, limit=1)[0]
    assert (entry.action, entry.subject_id, entry.outcome) == ("register-learner", uln, "ok")
    second = services.learners.register(agent, NEW_LEARNER | {"given_name": "Tabitha",
                                                              "gender": "2"},
                                        confirmed_ulns={uln})  # fmt: skip
    assert second.learner is not None and second.learner.uln != uln


def test_uln_allocation_skips_a_uln_already_in_use(services: Services, agent: Actor) -> None:
    # "A new ULN is unique ... and never reused": the counter only goes up and skips taken ULNs.
    first_serial_uln = permuted_uln(50_000_000)
    assert first_serial_uln
    with services.db.transaction() as session:
        session.add(learner(first_serial_uln, "Someone", "Else"))
    result = services.learners.register(agent, NEW_LEARNER)
    assert result.learner is not None
    assert result.learner.uln not in (first_serial_uln,)
    assert is_valid_uln(result.learner.uln)


@pytest.mark.usefixtures("amara")
def test_possible_matches_need_confirmation_and_nothing_is_written(
    services: Services, agent: Actor
) -> None:
    # §4.2.2.1: a twin, sibling or similar learner may already have a ULN; §4.2.4 warning.
    before = learner_count(services)
    sister = amara_like(given_name="Adaeze")
    asked = services.learners.register(agent, sister)
    assert asked.outcome is OutcomeCode.POSSIBLE_MATCH
    assert asked.message == REGISTER_WARNING
    assert asked.learner is None
    assert AMARA in [c.uln for c in asked.possible_matches]
    assert learner_count(services) == before
    confirmed = services.learners.register(
        agent, sister, confirmed_ulns={c.uln for c in asked.possible_matches}
    )
    assert confirmed.learner is not None
    assert learner_count(services) == before + 1
    assert audit_log(services, limit=1)[0].detail["confirmed_possible_matches"] == [AMARA]


@pytest.mark.usefixtures("amara")
def test_a_confirmation_covers_only_the_learners_shown(services: Services, agent: Actor) -> None:
    sister = amara_like(given_name="Adaeze")
    asked = services.learners.register(agent, sister, confirmed_ulns={"1000000043"})
    assert asked.outcome is OutcomeCode.POSSIBLE_MATCH and asked.learner is None


@pytest.mark.usefixtures("amara")
@pytest.mark.parametrize("postcode", ["NG7 2RD", "NG1 5FT"])
def test_identical_key_data_is_refused_even_for_a_linked_learner(
    services: Services, agent: Actor, postcode: str
) -> None:
    # §4.2.4 "Register Learner not allowed" (WSRC0021), including a linked, invisible ULN.
    before = learner_count(services)
    result = services.learners.register(agent, amara_like(given_name="AMARA", postcode=postcode))
    assert result.outcome is OutcomeCode.CANNOT_REGISTER
    assert result.message.startswith("Register Learner not allowed")
    assert result.identical_uln == (AMARA if postcode == "NG7 2RD" else AMARA_LINKED)
    assert learner_count(services) == before
    entry = audit_log(services, limit=1)[0]
    assert (entry.action, entry.outcome) == ("register-learner", "failed")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"verification_type": ""}, "Verification type", "required"),
        ({"ability_to_share": "2"}, "Ability to share", "must be one of"),
        ({"verification_type": "999"}, "Other verification description", "is required"),
        ({"verification_type": "999", "other_verification_description": "ILR"},
         "Other verification description", "not an accepted description"),
        ({"email": "None"}, "Email", '"none"'),
        ({"school_at_16": "Hillside School"}, "School at 16", '"School"'),
        ({"address_line1": "HMP Leeds"}, "Address line 1", "prohibited text"),
        ({"date_of_birth": "2020-01-01"}, "Date of birth", "at least 13"),
    ],
)  # fmt: skip
def test_register_refuses_bad_fields_and_writes_nothing(
    services: Services, agent: Actor, changes: dict[str, str], field: str, words: str
) -> None:
    before = learner_count(services)
    with pytest.raises(InvalidFields) as caught:
        services.learners.register(agent, NEW_LEARNER | changes)
    assert caught.value.field == field and words in caught.value.message
    assert learner_count(services) == before


def test_register_names_every_missing_mandatory_field(services: Services, agent: Actor) -> None:
    with pytest.raises(InvalidFields) as caught:
        services.learners.register(agent, {"given_name": "Tobias"})
    assert [e.field for e in caught.value.errors] == [
        "Family name", "Postcode", "Date of birth", "Gender", "Ability to share",
        "Verification type",
    ]  # fmt: skip


# --- Update (Appendix C) ------------------------------------------------------------------


@pytest.fixture
def tobias(services: Services, agent: Actor) -> str:
    result = services.learners.register(agent, NEW_LEARNER)
    assert result.learner is not None
    return result.learner.uln


def test_a_new_family_name_keeps_the_old_as_previous(
    services: Services, agent: Actor, tobias: str
) -> None:
    opened = services.learners.show(agent, tobias)
    saved = services.learners.update(agent, opened, {"family_name": "Ashby-Fairweather"})
    assert (saved.family_name, saved.previous_family_name) == ("Ashby-Fairweather", "Fairweather")
    assert saved.amended_by == "kim.lee" and saved.row_version == opened.row_version + 1
    with services.db.transaction(read_only=True) as session:
        kinds = session.execute(select(LearnerPreviousValue.kind, LearnerPreviousValue.value)).all()
    assert ("family_name", "Fairweather") in kinds
    # The old name still finds the learner (Appendix B: previous family name).
    found = services.learners.find_by_details(
        agent, DemographicQuery("Tobias", "Fairweather", "2008-05-17", "1", "YO1 7HH")
    )
    assert found.candidates[0].uln == tobias
    assert "previous family name" in " ".join(found.candidates[0].reasons())


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"email": "none"}, "Email", '"none"'),
        ({"school_at_16": "St Mary's College"}, "School at 16", '"College"'),
        ({"address_line1": "Cell 4, prisoners' wing"}, "Address line 1", "prohibited text"),
        ({"given_name": "T0bias"}, "Given name", "only letters"),
        ({"family_name": "   "}, "Family name", "required"),
    ],
)
def test_update_refuses_bad_fields_and_changes_nothing(
    services: Services, agent: Actor, tobias: str, changes: dict[str, str], field: str, words: str
) -> None:
    opened = services.learners.show(agent, tobias)
    with pytest.raises(InvalidFields) as caught:
        services.learners.update(agent, opened, changes)
    assert caught.value.field == field and words in caught.value.message
    assert services.learners.show(agent, tobias) == dataclasses.replace(opened)


@pytest.mark.usefixtures("amara")
def test_an_update_to_identical_key_data_is_refused(
    services: Services, agent: Actor, tobias: str
) -> None:
    # §4.2.4 "Learner update not allowed" (WSRC0021).
    opened = services.learners.show(agent, tobias)
    with pytest.raises(IdenticalLearner) as caught:
        services.learners.update(agent, opened, amara_like())
    assert caught.value.uln == AMARA and str(caught.value).startswith("Learner update not allowed")
    assert services.learners.show(agent, tobias).family_name == "Fairweather"
    refusal = next(e for e in audit_log(services, limit=3) if e.action == "update-learner")
    assert refusal.outcome == "failed"


def test_a_save_from_a_stale_copy_is_refused_showing_what_changed(
    services: Services, agent: Actor, tobias: str
) -> None:
    mine = services.learners.show(agent, tobias)
    theirs = services.learners.show(agent, tobias)
    services.learners.update(agent, theirs, {"email": "tobias@example.org"})
    with pytest.raises(StaleLearner) as caught:
        services.learners.update(agent, mine, {"postcode": "YO10 5DD"})
    assert [(c.field, c.before, c.after) for c in caught.value.changes] == [
        ("Email", "", "tobias@example.org")
    ]
    kept = services.learners.show(agent, tobias)
    assert (kept.email, kept.postcode) == ("tobias@example.org", "YO1 7HH")


def test_an_unchanged_save_writes_nothing(services: Services, agent: Actor, tobias: str) -> None:
    opened = services.learners.show(agent, tobias)
    saved = services.learners.update(agent, opened, {"given_name": "Tobias"})
    assert saved.row_version == opened.row_version


def test_the_profile_shows_the_change_history_and_the_roles_actions(
    services: Services, agent: Actor, tobias: str
) -> None:
    opened = services.learners.show(agent, tobias)
    services.learners.update(agent, opened, {"middle_other_name": "James"})
    profile = services.learners.profile(agent, tobias)
    assert profile.record.middle_other_name == "James"
    assert [(c.action, c.summary) for c in profile.changes] == [
        ("update-learner", "changed Middle names"),
        ("register-learner", "registered"),
    ]
    assert [look.action for look in profile.looks][:2] == ["view-learner", "view-learner"]
    assert "Edit details" in profile.actions


def test_a_much_viewed_learners_changes_are_never_crowded_out_by_looks(
    services: Services, agent: Actor, tobias: str
) -> None:
    opened = services.learners.show(agent, tobias)
    services.learners.update(agent, opened, {"middle_other_name": "James"})
    for _ in range(5):
        services.learners.show(agent, tobias)
    profile = services.learners.profile(agent, tobias, look_limit=3)
    assert [c.action for c in profile.changes] == ["update-learner", "register-learner"]
    assert len(profile.looks) == 3
    assert not any(look.is_change for look in profile.looks)


@pytest.mark.usefixtures("amara")
def test_a_merged_uln_offers_no_edit_and_looks_are_not_changes(
    services: Services, agent: Actor
) -> None:
    from lrs_core.services.learners import ProfileAction

    linked = services.learners.profile(agent, AMARA_LINKED)
    assert ProfileAction.EDIT not in linked.actions
    assert ProfileAction.VIEW_PLR in linked.actions
    assert not linked.changes  # looks at a merged ULN are not changes to it
    assert linked.looks
    assert ProfileAction.EDIT in services.learners.profile(agent, AMARA).actions
