"""Every look at a learner is audited, whatever it finds (issue 9 item 6; DOMAIN.md "Security
and the encrypted intake": learners may see who accessed their record), and a PLR report of
a restricted record needs a reason, for each kind of restriction (issue 14 item 1; DOMAIN.md
"Personal Learning Record", Appendix E)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from factories import NOT_SHARED, SIAN, audit_log, desk_admin, event, learner, plr_learners

from lrs_cli import main as cli
from lrs_cli.main import EXIT_ERROR, main
from lrs_core.actor import Actor
from lrs_core.domain.plr import PlrView
from lrs_core.errors import NotFound
from lrs_core.services import Services
from lrs_core.services.plr import ReasonRequired
from lrs_core.services.search import DemographicQuery

NOBODY = "1000000051"  # a valid ULN (check digit right) that no learner has
FLAGGED = "5000000012"  # shareable, no sensitive event, but the learner is flagged sensitive
PLAIN = "9000000024"  # shareable, nothing sensitive: no restriction
REASON = "Learner on the phone asking for a copy of their record"
PASSWORD = "Desk-Shift-2026"  # the agent fixture's


@pytest.fixture
def plrs(services: Services) -> None:
    with services.db.transaction() as session:
        plr_learners(session)
        flagged = learner(FLAGGED, "Eira", "Pryce", sensitive=True)
        plain = learner(PLAIN, "Dai", "Lewis")
        session.add_all([flagged, plain])
        session.flush()
        session.add_all(
            [
                event(flagged.id, "Welsh Baccalaureate", "NPD", award_date=date(2023, 8, 1)),
                event(plain.id, "Geography", "NPD", award_date=date(2022, 8, 1)),
            ]
        )


# ability to share 0; a sensitive event; the learner flagged sensitive
RESTRICTED = [NOT_SHARED, SIAN, FLAGGED]


# --- Looks that find nobody --------------------------------------------------------------

Look = Callable[[Services, Actor], object]
LOOKS: dict[str, tuple[str, Look]] = {
    "show": ("view-learner", lambda s, a: s.learners.show(a, NOBODY)),
    "profile": ("view-learner", lambda s, a: s.learners.profile(a, NOBODY)),
    "plr desk": ("view-plr", lambda s, a: s.plr.open(a, NOBODY, PlrView.DESK)),
    "plr org": ("view-plr", lambda s, a: s.plr.open(a, NOBODY, PlrView.ORGANISATION)),
    "plr report": ("plr-report", lambda s, a: s.plr.report(a, NOBODY, reason=REASON)),
}


@pytest.mark.usefixtures("plrs")
@pytest.mark.parametrize("look", LOOKS, ids=list(LOOKS))
def test_a_look_at_a_uln_nobody_has_is_audited(services: Services, agent: Actor, look: str) -> None:
    action, call = LOOKS[look]
    before = services.audit.count()
    with pytest.raises(NotFound):
        call(services, agent)
    assert services.audit.count() == before + 1
    entry = audit_log(services, limit=1)[0]
    assert (entry.actor, entry.role, entry.action, entry.subject_id, entry.outcome) == (
        agent.username, "agent", action, NOBODY, "failed",
    )  # fmt: skip
    assert entry.detail == {"outcome": "nothing found"}
    assert services.audit.verify(desk_admin(services)).ok


@pytest.mark.usefixtures("plrs")
def test_find_by_uln_matching_nobody_is_audited_without_the_names_typed(
    services: Services, agent: Actor
) -> None:
    result = services.learners.find_by_uln(agent, NOBODY, "Gwenllian", "Ap-Rhys")
    assert result.learner is None
    entry = audit_log(services, limit=1)[0]
    assert (entry.action, entry.subject_id, entry.outcome) == ("find-by-uln", NOBODY, "ok")
    assert entry.detail == {"outcome": "WSRC0001", "asked_for": NOBODY}
    assert "Gwenllian" not in str(entry) and "Ap-Rhys" not in str(entry)


@pytest.mark.usefixtures("plrs")
def test_find_by_details_with_no_result_is_audited_without_the_details_typed(
    services: Services, agent: Actor
) -> None:
    query = DemographicQuery(
        given_name="Gwenllian",
        family_name="Ap-Rhys",
        date_of_birth="2007-02-03",
        gender="2",
        postcode="LL55 4UR",
    )
    found = services.learners.find_by_details(agent, query)
    assert found.candidates == ()
    entry = audit_log(services, limit=1)[0]
    assert (entry.action, entry.outcome, entry.detail["shown"]) == ("find-by-details", "ok", [])
    assert entry.detail["outcome"] == str(found.outcome)
    assert "given_name" in entry.detail["fields_given"]  # which fields, never their values
    for typed in ("Gwenllian", "Ap-Rhys", "2007-02-03", "LL55"):
        assert typed not in str(entry)


# --- A PLR report of a restricted record needs a reason (issue 14 item 1) ----------------


@pytest.mark.usefixtures("plrs")
@pytest.mark.parametrize("uln", RESTRICTED, ids=["not-shared", "sensitive-event", "flagged"])
def test_a_restricted_report_needs_a_reason_and_the_refusal_is_audited(
    services: Services, agent: Actor, uln: str, tmp_path: Path
) -> None:
    out = tmp_path / "plr.pdf"
    for reason in (None, "   "):
        with pytest.raises(ReasonRequired):
            services.plr.report(agent, uln, out=out, reason=reason)
        assert not out.exists()
        entry = audit_log(services, limit=1)[0]
        assert (entry.action, entry.subject_id, entry.outcome) == ("plr-report", uln, "denied")
        assert entry.detail == {"outcome": "refused: no reason given for a restricted record"}
    assert services.plr.report(agent, uln, out=out, reason=REASON).events >= 1
    assert out.exists()
    done = audit_log(services, limit=1)[0]
    assert (done.outcome, done.detail["reason"]) == ("ok", REASON)


@pytest.mark.usefixtures("plrs")
def test_an_unrestricted_report_needs_no_reason(
    services: Services, agent: Actor, tmp_path: Path
) -> None:
    assert services.plr.report(agent, PLAIN, out=tmp_path / "p.pdf").events == 1


@pytest.mark.usefixtures("plrs")
@pytest.mark.parametrize("uln", RESTRICTED, ids=["not-shared", "sensitive-event", "flagged"])
def test_the_cli_refuses_a_restricted_report_without_a_reason(
    services: Services,
    agent: Actor,
    database_url: str,
    uln: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LRS_DATABASE_URL", database_url)
    monkeypatch.setenv("LRS_OPERATOR_PASSWORD", PASSWORD)
    # The command runs on the tests' clock, as the agent's password was set on it.
    monkeypatch.setattr(
        cli.Context, "services", lambda self: Services(self.db, self.settings, services.clock)
    )
    out = tmp_path / "plr.pdf"
    argv = ["plr", "report", uln, "--out", str(out), "--operator", agent.username]
    assert main(argv) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "restricted" in err and "--reason" in err and len(err.splitlines()) == 1
    assert not out.exists()
    entry = audit_log(services, limit=1)[0]
    assert (entry.action, entry.subject_id, entry.outcome) == ("plr-report", uln, "denied")
    assert main([*argv, "--reason", REASON]) == 0
    assert out.exists()
