"""Find learners by personal details. DOMAIN.md "Learners and ULNs" (§4.2.1 search, §4.2.2.2
too many, Appendix B search tips) and "Formats and codes" (WSRC outcome codes)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from factories import audit_log, learner

from lrs_core.actor import Actor
from lrs_core.db.models import LearnerPreviousValue
from lrs_core.domain import matching
from lrs_core.domain.kinds import LearnerStatus
from lrs_core.domain.values import OutcomeCode, permuted_uln
from lrs_core.errors import InvalidFields
from lrs_core.services import Services
from lrs_core.services.search import (
    CHANCE_REASON,
    MAX_RESULTS,
    DemographicQuery,
    Frequencies,
    SearchResult,
)

JOSEPH = "8414908070"
CHLOE = "5595248156"  # Joseph's twin
EMMA = "1000000043"
CALLUM = "9276308686"
OLIVIA = "1174112637"


def _uln(n: int) -> str:
    uln = permuted_uln(n)
    assert uln
    return uln


MARIA, ALFRED, STEPHEN, CZAJKA, LINKED, MASTER = (_uln(n) for n in range(101, 107))
KYRA, HANNAH = _uln(107), _uln(108)


@pytest.fixture
def people(services: Services) -> None:
    with services.db.transaction() as session:
        add = session.add
        add(
            learner(
                JOSEPH,
                "Joseph",
                "Czaja",
                date_of_birth=date(2005, 10, 15),
                gender=1,
                postcode="M14 4GT",
                middle_other_name="Adam",
                preferred_given_name="Joe",
            )
        )
        add(
            learner(
                CHLOE,
                "Chloe",
                "Czaja",
                date_of_birth=date(2005, 10, 15),
                gender=2,
                postcode="M14 4GT",
            )
        )
        emma = learner(
            EMMA,
            "Emma",
            "Taylor",
            date_of_birth=date(1990, 4, 7),
            gender=2,
            postcode="LS6 2AB",
            previous_family_name="Hughes",
        )
        add(emma)
        add(
            learner(
                CALLUM,
                "Callum",
                "McDonald",
                date_of_birth=date(2004, 3, 2),
                gender=1,
                postcode="G12 8QQ",
            )
        )
        add(
            learner(
                OLIVIA, "Olivia", "Smith-Jones", date_of_birth=date(2007, 5, 9), postcode="CF10 3AT"
            )
        )
        add(
            learner(MARIA, "Maria", "De Souza", date_of_birth=date(2003, 11, 20), postcode="N1 9GU")
        )
        add(
            learner(
                ALFRED,
                "Alfred",
                "Baker",
                date_of_birth=date(2006, 7, 8),
                gender=1,
                postcode="BS1 4DJ",
            )
        )
        add(
            learner(
                STEPHEN,
                "Stephen",
                "Phillips",
                date_of_birth=date(2002, 2, 14),
                gender=1,
                postcode="SA1 1NW",
            )
        )
        add(
            learner(
                CZAJKA,
                "Joseph",
                "Czajka",
                date_of_birth=date(2005, 10, 15),
                gender=1,
                postcode="B15 2TS",
            )
        )
        master = learner(
            MASTER, "Grace", "Okafor", date_of_birth=date(2001, 6, 30), postcode="E8 1DY"
        )
        add(master)
        session.flush()
        add(
            learner(
                LINKED,
                "Gracie",
                "Okafor",
                date_of_birth=date(2001, 6, 30),
                postcode="E5 0LL",
                status=LearnerStatus.LINKED,
                master_learner_id=master.id,
            )
        )
        # Issue 10's examples: found with the names swapped and misspelt; married and moved.
        add(learner(KYRA, "Kyra", "George", date_of_birth=date(2007, 3, 14), postcode="LS6 3HN"))
        add(
            learner(
                HANNAH, "Hannah", "Whitfield", date_of_birth=date(1994, 6, 21), postcode="BD7 2QR"
            )
        )
        at = datetime(2020, 1, 1, tzinfo=UTC)
        add(
            LearnerPreviousValue(
                learner_id=emma.id, kind="family_name", value="Hughes", recorded_at=at
            )
        )
        add(
            LearnerPreviousValue(
                learner_id=emma.id, kind="postcode", value="LS1 1AA", recorded_at=at
            )
        )
        # A crowd: Mohammed Khan spelt many ways, all born 1 January at the default postcode.
        for n, given in enumerate(
            (
                "Mohammed",
                "Muhammad",
                "Mohammad",
                "Mohamed",
                "Muhammed",
                "Mohammod",
                "Mohamad",
                "Mahomed",
                "Muhamed",
                "Mohammud",
                "Mohamud",
                "Mehmet",
            )
        ):
            add(
                learner(
                    _uln(n + 1),
                    given,
                    "Khan",
                    date_of_birth=date(2001, 1, 1),
                    gender=1,
                    postcode="ZZ99 9ZZ",
                )
            )


def find(services: Services, actor: Actor, given: str, family: str, dob: str, gender: str,
         postcode: str, **optional: str) -> SearchResult:  # fmt: skip
    query = DemographicQuery(given, family, dob, gender, postcode, **optional)
    return services.learners.find_by_details(actor, query)


JOSEPH_AS_TYPED = ("Joseph", "Czaja", "2005-10-15", "1", "M14 4GT")


@pytest.mark.usefixtures("people")
def test_exact_match_scores_one_and_shows_the_twin_apart(services: Services, agent: Actor) -> None:
    # §4.2.1 outcome WSRC0004; twins (same family name, DOB, postcode) are both shown and
    # never as one learner (§4.2.2.1 possible match: a twin or sibling).
    result = find(services, agent, *JOSEPH_AS_TYPED)
    assert result.outcome is OutcomeCode.EXACT_MATCH
    top, *others = result.candidates
    assert (top.uln, top.score, top.exact) == (JOSEPH, 1.0, True)
    assert [c.uln for c in others] == [CHLOE]
    assert others[0].score < 1 and not others[0].exact
    assert "exact: given name, family name, date of birth, gender, postcode" in top.reasons()
    assert not result.widened


@pytest.mark.usefixtures("people")
def test_the_twin_is_found_as_herself(services: Services, agent: Actor) -> None:
    result = find(services, agent, "Chloe", "Czaja", "2005-10-15", "2", "M14 4GT")
    assert [c.uln for c in result.candidates[:2]] == [CHLOE, JOSEPH]
    assert result.outcome is OutcomeCode.EXACT_MATCH


@pytest.mark.usefixtures("people")
def test_an_exact_lookup_never_shows_strangers(services: Services, agent: Actor) -> None:
    # Exact first, widen only when that finds nobody good (the PDS approach).
    exact = find(services, agent, *JOSEPH_AS_TYPED)
    assert CZAJKA not in {c.uln for c in exact.candidates}
    # The near-namesake born the same day does appear once the search must widen.
    widened = find(services, agent, "Joseph", "Czajk", "2005-10-15", "1", "ZZ99 9ZZ")
    assert widened.widened
    assert {JOSEPH, CZAJKA} <= {c.uln for c in widened.candidates}


APPENDIX_B = [
    # (query, the learner it must find first, words in its reasons)
    (("Emma", "Hughes", "1990-04-07", "2", "LS6 2AB"), EMMA, "previous family name"),
    (("Czaja", "Joseph", "2005-10-15", "1", "M14 4GT"), JOSEPH, "given and family name swapped"),
    (("Adam", "Czaja", "2005-10-15", "1", "M14 4GT"), JOSEPH, "middle name used as given name"),
    (("Joe", "Czaja", "2005-10-15", "1", "M14 4GT"), JOSEPH, "preferred given name"),
    (("Alfie", "Baker", "2006-07-08", "1", "BS1 4DJ"), ALFRED, "nickname or formal name"),
    (("Steven", "Philips", "2002-02-14", "1", "SA1 1NW"), STEPHEN, "sounds alike"),
    (("Joseph", "Chiah", "2005-10-15", "1", "M14 4GT"), JOSEPH, "date of birth and postcode"),
    (("Callum", "MacDonald", "2004-03-02", "1", "G12 8QQ"), CALLUM, "Mc/Mac"),
    (("Olivia", "Smith Jones", "2007-05-09", "2", "CF10 3AT"), OLIVIA, "exact: given name, family"),
    (("Olivia", "Jones", "2007-05-09", "2", "CF10 3AT"), OLIVIA, "double-barrelled"),
    (("Maria", "Souza", "2003-11-20", "2", "N1 9GU"), MARIA, "without the prefix"),
    (("Emma", "Taylor", "1990-07-04", "2", "LS6 2AB"), EMMA, "day and month of birth swapped"),
    (("Joseph", "Czaja", "2005-10-01", "1", "M14 4GT"), JOSEPH, "1st of the month"),
    (("Joseph", "Czaja", "2005-01-01", "1", "M14 4GT"), JOSEPH, "1 January"),
    (("Emma", "Taylor", "1990-04-07", "2", "LS1 1AA"), EMMA, "previous postcode"),
    (("Joseph", "Czaja", "2005-10-15", "1", "ZZ99 9ZZ"), JOSEPH, "default postcode"),
    # Two mistakes at once: a nickname and the 1st of the month at the default postcode.
    (("Joe", "Czaja", "2005-10-01", "1", "ZZ99 9ZZ"), JOSEPH, "1st of the month"),
]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(("query", "expected", "reason"), APPENDIX_B)
def test_every_appendix_b_variant_finds_the_learner_first_and_says_how(
    services: Services, agent: Actor, query: tuple[str, ...], expected: str, reason: str
) -> None:
    result = find(services, agent, *query)
    assert result.outcome in (OutcomeCode.POSSIBLE_MATCH, OutcomeCode.EXACT_MATCH)
    top = result.candidates[0]
    assert top.uln == expected
    assert 0 < top.score <= 1
    assert reason in " | ".join(top.reasons())


@pytest.mark.parametrize(("stored", "typed"), [("McDonald", "MacDonald"), ("MacLeod", "McLeod")])
def test_mc_and_mac_find_each_other_when_nothing_else_leads_there(
    services: Services, agent: Actor, stored: str, typed: str
) -> None:
    # Appendix B: "with/without prefix and Mc/Mac variants", both ways (issue 14 item 3). The
    # date of birth is a digit out and the postcode the default, so only the family-name
    # variant lifts the learner over the line: drop either direction and this fails.
    with services.db.transaction() as session:
        session.add(
            learner(CALLUM, "Callum", stored, date_of_birth=date(2004, 3, 2), postcode="G12 8QQ")
        )
    result = find(services, agent, "Callum", typed, "2004-03-12", "1", "ZZ99 9ZZ")
    assert [c.uln for c in result.candidates] == [CALLUM]
    assert "Mc/Mac" in " | ".join(result.candidates[0].reasons())


@pytest.mark.usefixtures("people")
def test_a_variant_scores_below_an_exact_match(services: Services, agent: Actor) -> None:
    exact = find(services, agent, *JOSEPH_AS_TYPED).candidates[0].score
    nickname = find(services, agent, "Joe", "Czaja", "2005-10-15", "1", "M14 4GT")
    two_errors = find(services, agent, "Joe", "Czaja", "2005-10-01", "1", "ZZ99 9ZZ")
    assert exact == 1.0 > nickname.candidates[0].score > two_errors.candidates[0].score


@pytest.mark.usefixtures("people")
def test_a_linked_uln_leads_to_its_master(services: Services, agent: Actor) -> None:
    # §4.2.3: a ULN merged into another is shown as its master.
    result = find(services, agent, "Gracie", "Okafor", "2001-06-30", "2", "E5 0LL")
    top = result.candidates[0]
    assert (top.uln, top.via_linked_uln) == (MASTER, LINKED)
    assert LINKED not in {c.uln for c in result.candidates}


@pytest.mark.usefixtures("people")
def test_no_match(services: Services, agent: Actor) -> None:
    result = find(services, agent, "Zebedee", "Quill", "1999-09-09", "1", "TR1 1AA")
    assert (result.outcome, result.candidates) == (OutcomeCode.NO_MATCH, ())


@pytest.mark.usefixtures("people")
def test_more_than_ten_plausible_says_what_would_narrow_it(
    services: Services, agent: Actor
) -> None:
    # §4.2.2.2: at most 10 learners; typical causes a 1 January DOB and a generic postcode.
    result = find(services, agent, "Mohammod", "Kahn", "2001-01-01", "1", "ZZ99 9ZZ")
    assert result.outcome is OutcomeCode.TOO_MANY_MATCHES
    assert len(result.candidates) == 10 and result.plausible_count > 10
    hints = " ".join(result.narrow_by)
    assert "1 January" in hints and "ZZ99 9ZZ" in hints and "UPN" in hints
    assert result.candidates[0].given_name == "Mohammod"


@pytest.mark.usefixtures("people")
def test_the_exact_name_in_a_crowd_is_an_exact_match(services: Services, agent: Actor) -> None:
    result = find(services, agent, "Mohammed", "Khan", "2001-01-01", "1", "ZZ99 9ZZ")
    assert result.outcome is OutcomeCode.EXACT_MATCH
    assert result.candidates[0].given_name == "Mohammed"


def test_missing_mandatory_fields_are_named(services: Services, agent: Actor) -> None:
    with pytest.raises(InvalidFields) as caught:
        find(services, agent, "Joseph", "", "", "1", "")
    error = caught.value
    assert error.field == "Family name"
    assert "also missing: Date of birth, Postcode" in error.message
    assert "ZZ99 9ZZ" in error.message


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        (("Robert'); DROP TABLE learner;--", "Smith", "2005-01-02", "1", "M1 1AA"),
         "Given name", "only letters"),
        (("A" * 200, "Smith", "2005-01-02", "1", "M1 1AA"), "Given name", "at most 35"),
        (("   ", "Smith", "2005-01-02", "1", "M1 1AA"), "Given name", "required"),
        (("Ann", "Smith", "02/13/2005", "1", "M1 1AA"), "Date of birth", "day first"),
        (("Ann", "Smith", "2005-01-02", "7", "M1 1AA"), "Gender", "must be one of"),
        (("Ann", "Smith", "2005-01-02", "1", "NOT A CODE"), "Postcode", "not a valid UK"),
        (("Ann", "Smith", "2099-01-02", "1", "M1 1AA"), "Date of birth", "in the future"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_the_rule(
    services: Services, agent: Actor, query: tuple[str, ...], field: str, words: str
) -> None:
    with pytest.raises(InvalidFields) as caught:
        find(services, agent, *query)
    assert caught.value.field == field
    assert words in caught.value.message


@pytest.mark.usefixtures("people")
def test_non_latin_and_sql_looking_text_is_data(services: Services, agent: Actor) -> None:
    result = find(services, agent, "伟", "张", "2005-10-15", "1", "M14 4GT")
    assert result.outcome in (OutcomeCode.NO_MATCH, OutcomeCode.POSSIBLE_MATCH)
    result = find(services, agent, "Joseph", "Czaja", "2005-10-15", "1", "M14 4GT",
                  email="x'or'1'='1@example.com")  # fmt: skip
    assert result.candidates[0].uln == JOSEPH


@pytest.mark.usefixtures("people")
def test_every_search_is_audited_with_the_ulns_shown(services: Services, agent: Actor) -> None:
    result = find(services, agent, *JOSEPH_AS_TYPED)
    entry = audit_log(services, limit=1)[0]
    assert (entry.actor, entry.action) == ("kim.lee", "find-by-details")
    assert entry.detail["shown"] == [c.uln for c in result.candidates]
    assert entry.detail["outcome"] == "WSRC0004"
    assert "Czaja" not in str(entry.detail)  # the criteria typed are not copied into the trail


def test_rare_names_weigh_more_than_common_ones() -> None:
    assert matching.rarity(1, 1_000_000) > matching.rarity(10_000, 1_000_000)
    assert 0.5 <= matching.rarity(500_000, 1_000_000) <= matching.rarity(0, 1_000_000) <= 1.5


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (date(1990, 4, 7), {date(1990, 4, 7), date(1990, 7, 4), date(1990, 4, 1), date(1990, 1, 1)}),  # noqa: E501
        (date(2005, 10, 15), {date(2005, 10, 15), date(2005, 10, 1), date(2005, 1, 1)}),
        (date(2001, 1, 1), {date(2001, 1, 1)}),
    ],
)  # fmt: skip
def test_date_of_birth_variants(typed: date, expected: set[date]) -> None:
    # Appendix B: day and month swapped only when both <= 12; the 1st; 1 January.
    assert set(matching.dob_variants(typed)) == expected


def test_family_name_variants() -> None:
    assert set(matching.family_variants("McDonald")) == {"mcdonald", "macdonald"}
    assert set(matching.family_variants("MacDonald")) == {"macdonald", "mcdonald"}
    assert set(matching.family_variants("De Souza")) == {"desouza", "souza"}
    assert set(matching.family_variants("Smith-Jones")) == {"smithjones", "smith", "jones"}
    assert set(matching.family_variants("St John")) >= {"stjohn", "saintjohn", "john"}


def test_nicknames_come_from_the_package_and_the_uk_supplement() -> None:
    from lrs_core.domain.nicknames import are_related

    assert are_related("Alfie", "Alfred")  # UK supplement
    assert are_related("Bill", "William")  # the nicknames package
    assert are_related("Sasha", "Alexander")
    assert are_related("Gosia", "Małgorzata")  # ł folds to l, as callers type it
    assert not are_related("Chloe", "Joseph")


def test_letters_without_accents_fold_too() -> None:
    from lrs_core.domain.names import name_key

    assert name_key("Łukasz") == name_key("Lukasz") == "lukasz"
    assert name_key("Søren Ærø") == "sorenaero"


# --- Issue 10: harder data (items 9-13) ---------------------------------------------------------

SWAPPED_WITH_A_TYPO = [
    ("Georte", "Kyra", "LS6 3HN"),  # her family name misspelt, typed as the given name
    ("George", "Kira", "LS6 3HN"),  # her given name misspelt, typed as the family name
    ("Georte", "Kyra", "ZZ99 9ZZ"),  # and with the postcode unknown
]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(("given", "family", "postcode"), SWAPPED_WITH_A_TYPO)
def test_names_swapped_with_a_typo_are_a_possible_match_that_says_swapped(
    services: Services, agent: Actor, given: str, family: str, postcode: str
) -> None:
    # Appendix B: given/family swapped, with a near spelling on top (DOMAIN.md "Learners and
    # ULNs"): each typed name is compared with both of the learner's names.
    result = find(services, agent, given, family, "2007-03-14", "2", postcode)
    assert result.outcome is OutcomeCode.POSSIBLE_MATCH
    top = result.candidates[0]
    assert top.uln == KYRA
    reasons = " | ".join(top.reasons())
    assert "given and family name swapped, near spelling" in reasons


def test_the_better_reading_of_the_names_is_kept() -> None:
    # Swapped levels are worth a little less than the same levels read straight.
    given, family = matching.compare_names_swapped("Georte", "Kyra", "Kyra", "George")
    assert (given.label, family.label) == (
        "given and family name swapped, near spelling",
        "given and family name swapped",
    )
    assert 0 < given.value < family.value < 1
    # Previous family names and nicknames count the other way round too.
    given, family = matching.compare_names_swapped(
        "Hughes", "Emma", "Emma", "Taylor", previous=["Hughes"]
    )
    assert "previous family name" in given.label and family.value == 0.9
    given, family = matching.compare_names_swapped("Baker", "Alfie", "Alfred", "Baker")
    assert family.label == "given and family name swapped, nickname or formal name"


@pytest.mark.usefixtures("people")
def test_the_straight_reading_stays_when_it_weighs_more(services: Services, agent: Actor) -> None:
    result = find(services, agent, "Kyra", "Georte", "2007-03-14", "2", "LS6 3HN")
    reasons = " | ".join(result.candidates[0].reasons())
    assert "family name (near spelling)" in reasons and "swapped" not in reasons


# Hannah Whitfield married and moved; neither is recorded yet (and the caller's gender is not
# specified, which keeps her under the plausible score however rare "Hannah" is).
MARRIED_AND_MOVED = ("Hannah", "Okoro", "1994-06-21", "9", "M14 5RT")


@pytest.mark.usefixtures("people")
def test_weaker_candidates_come_apart_when_nothing_is_plausible(
    services: Services, agent: Actor
) -> None:
    # Appendix B leaves "previous family name" and "previous or parent's postcode" to the
    # human: the desk shows who they would decide, never as a match (WSRC0001 stays).
    result = find(services, agent, *MARRIED_AND_MOVED)
    assert result.outcome is OutcomeCode.NO_MATCH
    assert result.candidates == () and result.plausible_count == 0
    assert [c.uln for c in result.weaker] == [HANNAH]
    settings = services.settings.search
    assert settings.weaker_floor <= result.weaker[0].score < settings.plausible_score
    assert "Weaker candidates \u2014 not a match: ask the caller for " in result.message
    assert {"a previous family name", "a previous postcode"} <= set(result.ask_caller)
    reasons = " | ".join(result.weaker[0].reasons())
    assert "exact: given name, date of birth" in reasons
    assert "different: family name, postcode" in reasons


@pytest.mark.usefixtures("people")
def test_no_weaker_candidate_without_a_name_in_common(services: Services, agent: Actor) -> None:
    # A birthday, a gender and a street are what strangers share: a caller who knows them but
    # no name must not be shown who lives there (the band is for a name the register nearly
    # holds, DOMAIN.md "Learners and ULNs", Appendix B).
    result = find(services, agent, "Xanthe", "Quorn", "1994-06-21", "2", "BD7 2QR")
    assert (result.outcome, result.candidates, result.weaker) == (OutcomeCode.NO_MATCH, (), ())
    assert "Weaker" not in result.message


@pytest.mark.usefixtures("people")
def test_a_look_at_weaker_candidates_is_audited_with_them(services: Services, agent: Actor) -> None:
    find(services, agent, *MARRIED_AND_MOVED)
    entry = audit_log(services, limit=1)[0]
    assert (entry.action, entry.subject_id) == ("find-by-details", HANNAH)
    assert (entry.detail["shown"], entry.detail["weaker"]) == ([], [HANNAH])
    assert "Okoro" not in str(entry.detail)


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    "query",
    [
        ("Hannah", "Whitfield", "1994-06-21", "2", "M14 5RT"),  # plausible: moved only
        ("Joseph", "Czaja", "2005-10-15", "1", "M14 4GT"),  # exact, with weaker others about
    ],
)
def test_no_weaker_candidates_beside_a_plausible_answer(
    services: Services, agent: Actor, query: tuple[str, ...]
) -> None:
    result = find(services, agent, *query)
    assert result.candidates and result.weaker == () and result.ask_caller == ()


@pytest.mark.usefixtures("people")
def test_the_weaker_floor_is_configurable(services: Services, agent: Actor) -> None:
    search = dataclasses.replace(services.settings.search, weaker_floor=0.6)
    off = Services(services.db, dataclasses.replace(services.settings, search=search))
    result = find(off, agent, *MARRIED_AND_MOVED)
    assert (result.outcome, result.weaker) == (OutcomeCode.NO_MATCH, ())
    assert "Weaker" not in result.message


@pytest.mark.usefixtures("people")
def test_the_default_postcode_and_a_placeholder_birthday_weigh_nothing(
    services: Services, agent: Actor
) -> None:
    # §4.2.2.2's typical causes of too many results, a DOB of 1 January and the generic
    # postcode ZZ99 9ZZ ("Formats and codes": the unknown-postcode value), are no evidence
    # when both sides hold them: a stranger no longer matches the Khans born that day.
    result = find(services, agent, "Mo", "Smyth", "2001-01-01", "1", "ZZ99 9ZZ")
    assert result.candidates == ()
    for candidate in result.weaker:
        assert "postcode" not in candidate.reasons()[0]
    exact = find(services, agent, "Mohammed", "Khan", "2001-01-01", "1", "ZZ99 9ZZ")
    top = exact.candidates[0]
    assert top.exact and top.score == 1.0  # still an exact match on every field given
    assert top.reasons()[:2] == [
        "exact: given name, family name, gender",
        "not weighed: date of birth (1 January on both: a common placeholder),"
        " postcode (ZZ99 9ZZ on both: unknown)",
    ]
    # One learner born on a 1 January is no placeholder: that date still counts.
    with services.db.transaction() as session:
        session.add(learner(_uln(109), "Ruth", "Ellis", date_of_birth=date(2003, 1, 1)))
    ruth = find(services, agent, "Ruth", "Ellis", "2003-01-01", "2", "SW1A 1AA").candidates[0]
    assert ruth.reasons()[0] == "exact: given name, family name, date of birth, gender, postcode"


@pytest.mark.parametrize(
    ("on_the_day", "in_the_year", "placeholder"),
    [
        (12, 14, True),  # the crowd: nearly everyone born that year
        (6, 1000, True),  # 2.2 times chance (1000/365 = 2.7)
        (5, 1000, False),  # 1.8 times chance
        (2, 2, False),  # too few to tell
        (0, 0, False),
    ],
)
def test_a_1_january_is_a_placeholder_when_the_register_shows_it(
    on_the_day: int, in_the_year: int, placeholder: bool
) -> None:
    assert matching.placeholder_new_year(on_the_day, in_the_year) is placeholder


@pytest.mark.parametrize(
    "spelling", ["Mohammed", "Muhammad", "Mohammad", "Mohamed", "Mohamad", "Mahomed"]
)
def test_a_nickname_of_a_spelling_of_the_formal_name_is_a_nickname(spelling: str) -> None:
    # Appendix B: preferred/nick name, and phonetic spelling, together.
    assert matching.compare_given("Mo", spelling) == matching.NICKNAME_MATCH
    assert matching.compare_given(spelling, "Mo") == matching.NICKNAME_MATCH
    assert matching.compare_given("Mo", "Morgan") == matching.DIFFERENT
    # Only to a close spelling: Nollie is short for Noel and for Olivia, Lanna for Eleanor
    # and Anna, Alfie for Alfred (but Aled is not Alfred).
    for typed, given in (("Noël", "Olivia"), ("Eleanor", "Anna"), ("Aled", "Alfie")):
        assert matching.compare_given(typed, given).label != "nickname or formal name"


@pytest.mark.usefixtures("people")
def test_mo_scores_every_spelling_of_mohammed_alike(services: Services, agent: Actor) -> None:
    result = find(services, agent, "Mo", "Khan", "2001-01-01", "1", "ZZ99 9ZZ")
    scores = {c.given_name: c.score for c in result.candidates}
    assert {"Mohamed", "Mohamad", "Mahomed"} & set(scores)
    assert len({scores[g] for g in scores if g != "Mehmet"}) == 1
    for candidate in result.candidates:
        assert "given name (nickname or formal name)" in " | ".join(candidate.reasons())


@pytest.mark.usefixtures("people")
def test_an_exact_match_in_a_crowd_says_how_many_more_and_what_narrows_them(
    services: Services, agent: Actor
) -> None:
    # §4.2.1: at most 10 learners; §4.2.2.2: what narrows a search that returns too many.
    result = find(services, agent, "Mohammed", "Khan", "2001-01-01", "1", "ZZ99 9ZZ")
    assert result.outcome is OutcomeCode.EXACT_MATCH
    assert len(result.candidates) == MAX_RESULTS < result.plausible_count
    others = result.plausible_count - 1
    assert (
        f"{others} others resemble the learner (the best {MAX_RESULTS - 1} below" in result.message
    )
    hints = " ".join(result.narrow_by)
    assert "1 January" in hints and "ZZ99 9ZZ" in hints and "UPN" in hints
    assert all(hint in result.message for hint in result.narrow_by)


# --- Issue 10 item 14: a likeness the register shows by chance is not a match ------------------


# A register of a million learners: about 55 share a birthday, 20 a postcode, 3,000 a
# district, 5,000 a given name and 2,000 a family name (Muhammad and Patel-Parker apart).
MILLION = {"*": 1_000_000, "given": 5_000, "family": 2_000, "born on": 55, "born in": 20_000,
           "postcode": 20, "district": 3_000}  # fmt: skip
MILLION_NAMES = {("given", "muhammad"): 20_000, ("family", "patelparker"): 3}


class MillionLearners(Frequencies):
    """The counts the search asks for, as a million learners' would be."""

    def _cached(self, key: tuple[str, str], count: object) -> int:
        return MILLION_NAMES.get(key, MILLION[key[0]])


ELLA, LUCIA, HARRY = _uln(110), _uln(111), _uln(112)


@pytest.fixture
def million(services: Services) -> None:
    """Three learners, searched as if among a million."""
    with services.db.transaction() as session:
        for uln, given, family, born, gender, postcode in (
            (ELLA, "Ella", "Taylor", date(1969, 4, 7), 2, "RG1 5XA"),
            (LUCIA, "Lucía", "Palmer", date(2012, 3, 3), 2, "BT9 0XH"),
            (HARRY, "Harry", "Patel-Parker", date(1972, 2, 23), 1, "LL57 3TT"),
        ):
            session.add(learner(uln, given, family, date_of_birth=born, gender=gender,
                                postcode=postcode))  # fmt: skip
    services.learners.search.frequencies = MillionLearners()


CHANCE_LIKENESSES = [
    # A nickname (Helen ~ Ella), the date of birth and the postcode district; no family name.
    (("Helen", "Stewart", "1969-04-07", "2", "RG1 2ND"), ELLA),
    # Family name, date of birth and gender, another given name: ~55 share the birthday.
    (("Ivy", "Palmer", "2012-03-03", "2", "AB24 6EL"), LUCIA),
    # A sibling: the household's family name and postcode, another given name and birthday.
    (("Muhammad", "Patel-Parker", "2008-04-03", "1", "LL57 3TT"), HARRY),
]


@pytest.mark.usefixtures("million")
@pytest.mark.parametrize(("query", "stranger"), CHANCE_LIKENESSES)
def test_a_likeness_a_large_register_shows_by_chance_is_not_plausible(
    services: Services, agent: Actor, query: tuple[str, ...], stranger: str
) -> None:
    # DOMAIN.md "Learners and ULNs" (§4.2.2.1): a possible match is someone who may be the
    # learner; among a million learners these likenesses are what strangers show.
    result = find(services, agent, *query)
    assert stranger not in {c.uln for c in result.candidates}
    for candidate in result.weaker:  # shown apart at most, saying why
        assert CHANCE_REASON in candidate.reasons()


@pytest.mark.usefixtures("million")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (("Ella", "Taylor", "1969-04-07", "2", "RG1 2ND"), ELLA),  # moved within the district
        (("Lucia", "Palmer", "2012-03-03", "2", "ZZ99 9ZZ"), LUCIA),  # postcode unknown
        (("Harry", "Patel-Parker", "1972-02-03", "1", "LL57 3TT"), HARRY),  # a digit out
        (("Helen", "Taylor", "1969-04-07", "2", "RG1 5XA"), ELLA),  # formal name given
    ],
)
def test_the_learner_with_one_slip_stays_plausible_among_a_million(
    services: Services, agent: Actor, query: tuple[str, ...], expected: str
) -> None:
    result = find(services, agent, *query)
    assert result.candidates and result.candidates[0].uln == expected
    assert CHANCE_REASON not in result.candidates[0].reasons()


@pytest.mark.parametrize("odds", [-20.0, -1.0, 0.0, 0.99, 1.0, 5.0])
def test_a_plausible_score_means_better_odds_than_chance(odds: float) -> None:
    score, by_chance = matching.calibrated(0.8, odds, 0.6)
    assert (score >= 0.6) is (odds >= matching.PLAUSIBLE_ODDS)
    assert by_chance is (score < 0.8)


def test_the_same_likeness_counts_for_less_in_a_larger_register() -> None:
    fields = [
        ("given name", matching.DIFFERENT),
        ("family name", matching.EXACT),
        ("date of birth", matching.EXACT),
        ("gender", matching.EXACT),
        ("postcode", matching.DIFFERENT),
    ]

    def chance(population: int) -> matching.Chance:
        per = population // 1000  # the same shares of each register
        return matching.Chance.of(
            population, date(2012, 3, 3), 5 * per, 2 * per, per // 20, per // 50, 3 * per
        )

    small, large = (matching.log_odds(fields, chance(n)) for n in (50_000, 1_000_000))
    assert small > large
