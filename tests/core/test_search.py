"""Find learners by personal details. DOMAIN.md "Learners and ULNs" (§4.2.1 search, §4.2.2.2
too many, Appendix B search tips) and "Formats and codes" (WSRC outcome codes)."""

from __future__ import annotations

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
from lrs_core.services.search import DemographicQuery, SearchResult

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
