"""The widened demographic search finds a learner whenever any two of the four key fields
(family name, given name, date of birth, postcode) were typed right: two Appendix B mistakes
at once never hide a learner (DOMAIN.md "Learners and ULNs", Appendix B)."""

from __future__ import annotations

from datetime import date

import pytest
from factories import learner

from lrs_core.actor import Actor
from lrs_core.domain import matching
from lrs_core.domain.values import permuted_uln
from lrs_core.services import Services
from lrs_core.services import search as search_module
from lrs_core.services.search import DemographicQuery


def _uln(n: int) -> str:
    uln = permuted_uln(n)
    assert uln
    return uln


NOAH, LEO, STRANGER = _uln(201), _uln(202), _uln(203)


@pytest.fixture
def people(services: Services) -> None:
    with services.db.transaction() as session:
        session.add(
            learner(
                NOAH,
                "Noah",
                "Murphy",
                date_of_birth=date(2011, 10, 4),
                gender=1,
                postcode="BB1 2BH",
            )
        )
        session.add(
            learner(
                LEO,
                "Leo",
                "Green",
                date_of_birth=date(1986, 5, 7),
                gender=1,
                postcode="ZZ99 9ZZ",
            )
        )
        session.add(
            learner(
                STRANGER,
                "Ava",
                "Murphy",
                date_of_birth=date(1990, 2, 2),
                gender=2,
                postcode="BB1 2BH",
            )
        )


def first(services: Services, actor: Actor, *typed: str) -> str:
    result = services.learners.find_by_details(actor, DemographicQuery(*typed))
    assert result.candidates, result.message
    return result.candidates[0].uln


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # Given name misspelt and born "on the 1st": family name and postcode are right.
        (("Naah", "Murphy", "2011-10-01", "1", "BB1 2BH"), NOAH),
        # Family name misspelt and born "on 1 January": given name and postcode are right.
        (("Noah", "Murfy", "2011-01-01", "1", "BB1 2BH"), NOAH),
        # At the default postcode, which thousands share: given name with it, nearest birthday.
        (("Leo", "Gren", "1986-05-01", "1", "ZZ99 9ZZ"), LEO),
        (("Lio", "Green", "1986-01-01", "1", "ZZ99 9ZZ"), LEO),
        # Wrong date of birth and postcode: family and given name, the nearest birthday.
        (("Noah", "Murphy", "2011-01-01", "1", "ZZ99 9ZZ"), NOAH),
    ],
)
def test_two_mistakes_never_hide_the_learner(
    services: Services, agent: Actor, typed: tuple[str, ...], expected: str
) -> None:
    assert first(services, agent, *typed) == expected


def test_one_letter_out_is_a_near_spelling() -> None:
    # Cerr ~ Carr: Jaro-Winkler 0.85 and Metaphone S R ~ K R, yet one letter apart.
    assert matching.compare_family("Cerr", "Carr").label == "near spelling"
    assert matching.compare_family("Ali", "Alm").label == "different"  # too short to tell


def test_a_crowd_leaves_out_only_what_a_full_unordered_block_alone_found() -> None:
    full, ordered = search_module._FAMILY_DOB, search_module._NAMES_NEAREST[0]
    small = search_module._POSTCODE
    hits = [(0, n) for n in range(search_module.BLOCK_LIMIT)]  # block 0 is full
    hits += [(1, 5), (1, 9_999), (2, 7)]
    kept = search_module._crowd(hits, [full, small, ordered])
    assert {learner_id for _, learner_id in kept} == {5, 9_999, 7}
    # An ordered (nearest birthdays) block is never cut: its hits are the nearest.
    kept = search_module._crowd([(0, n) for n in range(search_module.NEAREST)], [ordered])
    assert len(kept) == search_module.NEAREST
