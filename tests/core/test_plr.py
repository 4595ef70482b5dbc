"""The Personal Learning Record. DOMAIN.md "Personal Learning Record" (§5: the eight fields,
sorting across all pages, events under a data challenge, §5.4 report in date order; Appendix E
privacy: ability to share 0, sensitive events; the desk's looks audited)."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from factories import EMPTY, LINKED, NOT_SHARED, SIAN, audit_log, plr_learners
from pypdf import PdfReader

from lrs_core.actor import Actor
from lrs_core.domain.plr import PlrView, filter_events, sort_events
from lrs_core.errors import NotFound, ValidationError
from lrs_core.reports.plr_pdf import ReportFileError
from lrs_core.services import Services
from lrs_core.services.plr import ReasonRequired

REASON = "Caller from Northgate College asking why a GCSE is missing"


@pytest.fixture
def plrs(services: Services) -> dict[str, list[int]]:
    with services.db.transaction() as session:
        return plr_learners(session)


@pytest.mark.usefixtures("plrs")
def test_the_organisation_view_hides_sensitive_events(services: Services, agent: Actor) -> None:
    plr = services.plr.open(agent, SIAN, PlrView.ORGANISATION)
    assert [e.subject for e in plr.events] == [
        "Cymraeg Iaith Gyntaf", "Mathematics", "Health and Social Care",
    ]  # fmt: skip
    assert plr.hidden == 1 and "sensitive" in plr.explanation
    entry = audit_log(services, limit=1)[0]
    assert (entry.action, entry.detail["view"], entry.detail["events_shown"]) == (
        "view-plr",
        "org",
        3,
    )


@pytest.mark.usefixtures("plrs")
def test_the_organisation_view_shows_nothing_without_the_privacy_notice(
    services: Services, agent: Actor
) -> None:
    plr = services.plr.open(agent, NOT_SHARED, PlrView.ORGANISATION)
    assert plr.events == () and plr.hidden == 1
    assert "Privacy Notice" in plr.empty_message


@pytest.mark.usefixtures("plrs")
@pytest.mark.parametrize("uln", [SIAN, NOT_SHARED])
def test_the_desk_needs_a_reason_for_a_restricted_record_and_audits_it(
    services: Services, agent: Actor, uln: str
) -> None:
    with pytest.raises(ReasonRequired) as caught:
        services.plr.open(agent, uln, PlrView.DESK)
    assert caught.value.restrictions
    # Issue 9 item 6: the refused look is audited (who, which record, refused), and says
    # nothing of what makes the record restricted.
    refused = audit_log(services, limit=1)[0]
    assert (refused.actor, refused.action, refused.subject_id, refused.outcome) == (
        agent.username, "view-plr", uln, "denied",
    )  # fmt: skip
    assert refused.detail == {"outcome": "refused: no reason given for a restricted record"}
    with pytest.raises(ValidationError, match="Reason"):
        services.plr.open(agent, uln, PlrView.DESK, reason="because")
    short = audit_log(services, limit=1)[0]
    assert (short.action, short.outcome, short.detail["field"]) == ("view-plr", "failed", "Reason")
    assert "because" not in str(short)  # a reason refused is not kept
    plr = services.plr.open(agent, uln, PlrView.DESK, reason=REASON)
    assert plr.hidden == 0 and len(plr.events) >= 1
    entry = audit_log(services, limit=1)[0]
    assert (entry.detail["view"], entry.detail["reason"]) == ("desk", REASON)


@pytest.mark.usefixtures("plrs")
def test_a_learner_flagged_sensitive_is_restricted(services: Services, agent: Actor) -> None:
    from sqlalchemy import update

    from lrs_core.db.models import Learner

    with services.db.transaction() as session:
        session.execute(update(Learner).where(Learner.uln == EMPTY).values(sensitive=True))
    with pytest.raises(ReasonRequired, match="flagged sensitive"):
        services.plr.open(agent, EMPTY)


@pytest.mark.usefixtures("plrs")
def test_events_under_a_data_challenge_are_marked(services: Services, agent: Actor) -> None:
    plr = services.plr.open(agent, SIAN, PlrView.ORGANISATION)
    marked = {e.subject: e.challenge for e in plr.events}
    assert marked["Mathematics"] is not None
    assert (marked["Mathematics"].reference, marked["Mathematics"].status) == (
        f"DC-{SIAN}-0001", "open",
    )  # fmt: skip
    assert marked["Health and Social Care"] is None


@pytest.mark.usefixtures("plrs")
def test_a_linked_uln_opens_its_masters_plr_and_says_so(services: Services, agent: Actor) -> None:
    plr = services.plr.open(agent, LINKED, PlrView.ORGANISATION)
    assert plr.uln == SIAN and plr.asked_for == LINKED
    assert plr.notice == f"ULN {LINKED} was merged into {SIAN}: showing the master's PLR."


@pytest.mark.usefixtures("plrs")
def test_no_events_and_unknown_or_bad_ulns_are_plain(services: Services, agent: Actor) -> None:
    assert services.plr.open(agent, EMPTY).empty_message == (
        "This learner has no learning events on their PLR yet."
    )
    with pytest.raises(NotFound):
        services.plr.open(agent, "1000000051")
    with pytest.raises(ValidationError, match="check digit"):
        services.plr.open(agent, "1000000044")


@pytest.mark.usefixtures("plrs")
def test_every_column_sorts_both_ways_with_blanks_last(services: Services, agent: Actor) -> None:
    events = services.plr.open(agent, SIAN, reason=REASON).events
    by_level = [e.level for e in sort_events(events, "level")]
    assert by_level == ["Entry", "Level 2", "Level 2", "Level 3"]
    awarded = [e.award_date for e in sort_events(events, "award_date", descending=True)]
    assert awarded == [date(2023, 3, 1), date(2022, 8, 25), date(2021, 8, 20), None]
    credits = [e.credits for e in sort_events(events, "credits")]
    assert credits == [60, None, None, None]
    assert [e.subject for e in filter_events(events, source="NPD", text="maths")] == []
    assert [e.subject for e in filter_events(events, text="cymraeg")] == ["Cymraeg Iaith Gyntaf"]
    assert [e.subject for e in filter_events(events, level="Level 3")] == ["Health and Social Care"]


@pytest.mark.usefixtures("plrs")
@pytest.mark.parametrize("typed", ["25/8/22", "25/08/2022", "25 Aug 2022", "2022-08-25"])
def test_the_filter_takes_a_date_as_people_type_it(
    services: Services, agent: Actor, typed: str
) -> None:
    # Issue 10 item 2: the PLR's filter reads dates with the core's one parser (values.parse_date)
    events = services.plr.open(agent, SIAN, reason=REASON).events
    found = filter_events(events, text=typed, today=date(2026, 11, 23))
    assert [e.award_date for e in found] == [date(2022, 8, 25)]
    assert filter_events(events, text="26 Aug 2022", today=date(2026, 11, 23)) == []


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.usefixtures("plrs")
def test_the_report_holds_exactly_the_ticked_events_in_date_order(
    services: Services, agent: Actor, plrs: dict[str, list[int]], tmp_path: Path
) -> None:
    maths, welsh, care, sensitive = plrs["sian"]
    out = tmp_path / "plr.pdf"
    result = services.plr.report(agent, SIAN, out=out, exclude=[sensitive], reason=REASON)
    assert (result.path, result.events) == (out, 3)
    text = pdf_text(out)
    order = [text.index(s) for s in ("Cymraeg Iaith Gyntaf", "Mathematics", "Health and Social")]
    assert order == sorted(order)
    assert "Substance misuse" not in text
    assert "Siân Ó Súilleabháin" in text and "Date of birth 2 Apr 2006" in text and SIAN in text
    assert "OFFICIAL" in text and "Produced by kim.lee" in text
    entry = audit_log(services, limit=1)[0]
    assert (entry.action, entry.detail["events"]) == ("plr-report", [welsh, maths, care])


@pytest.mark.usefixtures("plrs")
def test_the_report_never_overwrites_and_needs_an_event(
    services: Services, agent: Actor, plrs: dict[str, list[int]], tmp_path: Path
) -> None:
    out = tmp_path / "taken.pdf"
    out.write_bytes(b"someone else's file")
    with pytest.raises(ReportFileError, match="already exists"):
        services.plr.report(agent, SIAN, out=out, reason=REASON)
    assert out.read_bytes() == b"someone else's file"
    with pytest.raises(ValidationError, match="tick at least one event"):
        services.plr.report(agent, SIAN, out=tmp_path / "n.pdf", exclude=plrs["sian"],
                            reason=REASON)  # fmt: skip
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file where a folder should be")
    with pytest.raises(ReportFileError, match="cannot write"):
        services.plr.report(agent, NOT_SHARED, out=not_a_folder / "x.pdf", reason=REASON)
    assert list(tmp_path.glob("*.pdf")) == [out]


def _file_in_place_of_a_folder(tmp: Path) -> Path:
    (tmp / "notes.txt").write_text("a file where a folder should be")
    return tmp / "notes.txt" / "plr.pdf"


def _folder_as_the_file(tmp: Path) -> Path:
    (tmp / "chosen").mkdir()
    return tmp / "chosen"


# (where the operator asked for the report, what the refusal must say)
UNWRITABLE = [
    pytest.param(
        lambda tmp: tmp / "no-such-folder" / "plr.pdf",
        "the folder {tmp}/no-such-folder does not exist",
        id="missing-folder",
    ),
    pytest.param(
        lambda tmp: tmp / "typo" / "reports" / "plr.pdf",
        "the folder {tmp}/typo does not exist",  # the first folder missing, by name
        id="missing-folders",
    ),
    pytest.param(
        _file_in_place_of_a_folder, "{tmp}/notes.txt is a file, not a folder", id="not-a-folder"
    ),
    pytest.param(_folder_as_the_file, "{tmp}/chosen is a folder", id="a-folder"),
    pytest.param(lambda tmp: tmp / ("x" * 300 + ".pdf"), "File name too long", id="too-long"),
]


@pytest.mark.parametrize(("where", "says"), UNWRITABLE)
@pytest.mark.usefixtures("plrs")
def test_the_report_is_refused_where_it_cannot_go_naming_the_reason(
    services: Services, agent: Actor, tmp_path: Path, where: Callable[[Path], Path], says: str
) -> None:
    # Issue 10 item 6: a report of a minor's personal data never lands in a folder made by
    # a typo; the refusal names the missing folder or the operating system's real reason.
    out = where(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(ReportFileError) as refused:
        services.plr.report(agent, NOT_SHARED, out=out, reason=REASON)
    assert says.format(tmp=tmp_path) in str(refused.value)
    assert "nothing was written" in str(refused.value)
    assert sorted(tmp_path.rglob("*")) == before  # no folder made, no file left behind
    entry = audit_log(services, limit=1)[0]
    assert (entry.action, entry.outcome) == ("plr-report", "failed")


@pytest.mark.parametrize(
    "error", [errno.EACCES, errno.EROFS], ids=["permission-denied", "read-only"]
)
@pytest.mark.usefixtures("plrs")
def test_an_unwritable_folder_is_named_with_the_real_reason(
    services: Services,
    agent: Actor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: int,
) -> None:
    # The tests run as root, who may write anywhere: the refusal is the system's own.
    def refuse(**_: object) -> tuple[int, str]:
        raise OSError(error, os.strerror(error), str(tmp_path))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(ReportFileError) as refused:
        services.plr.report(agent, NOT_SHARED, out=tmp_path / "plr.pdf", reason=REASON)
    assert str(refused.value) == (
        f"cannot write to {tmp_path}: {os.strerror(error)} (nothing was written)"
    )


@pytest.mark.usefixtures("plrs")
def test_the_default_report_folder_is_the_desks_own_and_is_made(
    services: Services, agent: Actor
) -> None:
    # The one folder LRS Desk makes for a report is its own reports folder (0700).
    default = services.plr.default_report_path(NOT_SHARED, services.plr.clock())
    assert not services.plr.reports_dir.exists()
    result = services.plr.report(agent, NOT_SHARED, out=default, reason=REASON)
    assert result.path == default and default.exists()
    assert services.plr.reports_dir.stat().st_mode & 0o777 == 0o700


@pytest.mark.usefixtures("plrs")
def test_the_report_renders_names_beyond_latin_1(
    services: Services, agent: Actor, tmp_path: Path
) -> None:
    out = tmp_path / "lukasz.pdf"
    services.plr.report(agent, NOT_SHARED, out=out, reason=REASON)
    assert "Łukasz Zoë-Nowak" in pdf_text(out)


def test_every_page_of_a_long_report_carries_the_marking_and_the_header(
    services: Services, agent: Actor, tmp_path: Path
) -> None:
    from factories import learner

    from lrs_core.db.models import LearningEvent

    with services.db.transaction() as session:
        person = learner("1174112637", "Zoë", "Łukasiewicz")
        session.add(person)
        session.flush()
        session.add_all(
            LearningEvent(learner_id=person.id, subject=f"Unit {n:03d}", source="ILR",
                          participation_start_date=date(2015, 1, 1) + timedelta(days=n),
                          date_loaded=date(2024, 1, 1))
            for n in range(120)
        )  # fmt: skip
    out = tmp_path / "long.pdf"
    services.plr.report(agent, "1174112637", out=out)
    pages = [page.extract_text() for page in PdfReader(out).pages]
    assert len(pages) >= 3
    for number, text in enumerate(pages, 1):
        assert text.count("OFFICIAL") == 2  # top and bottom
        assert "ULN 1174112637" in text and "Zoë Łukasiewicz" in text
        assert f"Page {number}/{len(pages)}" in text
    units = [line for text in pages for line in text.splitlines() if line.startswith("Unit ")]
    assert [u.split()[1] for u in units] == [f"{n:03d}" for n in range(120)]
