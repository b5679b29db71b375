"""Timeframes of real action plans (the IASC protection follow-up matrix and French plans) into
milestones: one per dated component, periods at their last day, never an invented date."""

from __future__ import annotations

import datetime as dt

import pytest

from models.timeframes import (
    EVENT,
    PERIOD,
    RANGE,
    RECURRING,
    UNDATED,
    YEAR_FROM_REFERENCE,
    YEAR_FROM_TEXT,
    parse_timeframes,
)

REFERENCE = dt.date(2016, 1, 15)  # the matrix's own date: year-less dates take 2016
D = dt.date

# (text, [(due date or None, flags of the first reading), ...]); one tuple per milestone.
PHRASINGS: list[tuple[str, list[tuple[dt.date | None, tuple[str, ...]]]]] = [
    # The IASC matrix's own phrasings.
    ("by 31 March 2016", [(D(2016, 3, 31), ())]),
    (
        "1st draft by 24 February, endorsement by 31 March",
        [(D(2016, 2, 24), (YEAR_FROM_REFERENCE,)), (D(2016, 3, 31), (YEAR_FROM_REFERENCE,))],
    ),
    (
        "1st draft by 24 February, endorsement by 31 March 2017",
        [(D(2017, 2, 24), (YEAR_FROM_TEXT,)), (D(2017, 3, 31), ())],
    ),
    ("End of 2017", [(D(2017, 12, 31), (PERIOD,))]),
    ("(by end of April 2016)", [(D(2016, 4, 30), (PERIOD,))]),
    ("end of April 2016", [(D(2016, 4, 30), (PERIOD,))]),
    ("in March/April 2016", [(D(2016, 4, 30), (RANGE,))]),
    ("after WHS", [(None, (EVENT,))]),
    ("post 90th WG meeting", [(None, (EVENT,))]),
    ("include in semi-annual reporting", [(None, (RECURRING,))]),
    ("before the 90th WG meeting", [(None, (EVENT,))]),
    ("following endorsement by the Principals", [(None, (EVENT,))]),
    ("Ongoing", [(None, (RECURRING,))]),
    ("annual reporting to the Working Group", [(None, (RECURRING,))]),
    ("TBD", [(None, (UNDATED,))]),
    ("Agenda 2030 alignment", [(None, (UNDATED,))]),
    ("", []),
    # Days, months and years in English.
    ("March 31, 2026", [(D(2026, 3, 31), ())]),
    ("31st March 2026", [(D(2026, 3, 31), ())]),
    ("by 30 Sept. 2026", [(D(2026, 9, 30), ())]),
    ("end April 2016", [(D(2016, 4, 30), (PERIOD,))]),
    ("June 2026", [(D(2026, 6, 30), (PERIOD,))]),
    ("by April", [(D(2016, 4, 30), (PERIOD, YEAR_FROM_REFERENCE))]),
    ("by the end of the year", [(D(2016, 12, 31), (PERIOD, YEAR_FROM_REFERENCE))]),
    ("between March and June 2026", [(D(2026, 6, 30), (RANGE,))]),
    ("15-20 March 2016", [(D(2016, 3, 20), (RANGE,))]),
    ("Q3 2026", [(D(2026, 9, 30), (PERIOD,))]),
    ("2026 Q4", [(D(2026, 12, 31), (PERIOD,))]),
    ("Q1-Q2 2026", [(D(2026, 6, 30), (RANGE,))]),
    ("third quarter of 2026", [(D(2026, 9, 30), (PERIOD,))]),
    ("H1 2027", [(D(2027, 6, 30), (PERIOD,))]),
    ("second half of 2026", [(D(2026, 12, 31), (PERIOD,))]),
    ("mid-2026", [(D(2026, 6, 30), (PERIOD,))]),
    ("mid-March 2026", [(D(2026, 3, 15), (PERIOD,))]),
    ("by 2018", [(D(2018, 12, 31), (PERIOD,))]),
    ("late 2026", [(D(2026, 12, 31), (PERIOD,))]),
    ("2026-03-31", [(D(2026, 3, 31), ())]),
    ("31/03/2026", [(D(2026, 3, 31), ())]),
    ("31.03.26", [(D(2026, 3, 31), ())]),
    ("after 31 March 2016", [(None, (EVENT,))]),
    ("December 2016 (pending funding)", [(D(2016, 12, 31), (PERIOD,))]),
    ("quarterly from Q1 2017", [(D(2017, 3, 31), (PERIOD, RECURRING))]),
    ("Draft; consult; adopt by 30 June 2026", [(None, (UNDATED,)), (None, (UNDATED,)), (D(2026, 6, 30), ())]),
    ("31 February 2026", [(None, (UNDATED,))]),
    # French.
    ("d'ici fin mars 2026", [(D(2026, 3, 31), (PERIOD,))]),
    ("T2 2026", [(D(2026, 6, 30), (PERIOD,))]),
    ("1er trimestre 2026", [(D(2026, 3, 31), (PERIOD,))]),
    ("deuxième trimestre 2026", [(D(2026, 6, 30), (PERIOD,))]),
    ("premier semestre 2026", [(D(2026, 6, 30), (PERIOD,))]),
    ("S2 2026", [(D(2026, 12, 31), (PERIOD,))]),
    ("1er avril 2026", [(D(2026, 4, 1), ())]),
    ("le 15 décembre 2026", [(D(2026, 12, 15), ())]),
    ("fin 2026", [(D(2026, 12, 31), (PERIOD,))]),
    ("fin de l'année", [(D(2016, 12, 31), (PERIOD, YEAR_FROM_REFERENCE))]),
    ("mi-mars 2026", [(D(2026, 3, 15), (PERIOD,))]),
    ("septembre 2026", [(D(2026, 9, 30), (PERIOD,))]),
    ("avant fin févr. 2026", [(D(2026, 2, 28), (PERIOD,))]),
    ("après la réunion du groupe de travail", [(None, (EVENT,))]),
    ("rapport semestriel", [(None, (RECURRING,))]),
    ("en continu", [(None, (RECURRING,))]),
    ("à déterminer", [(None, (UNDATED,))]),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS, ids=[text or "empty" for text, _ in PHRASINGS])
def test_timeframe_phrasings(text: str, expected: list[tuple[dt.date | None, tuple[str, ...]]]) -> None:
    parsed = parse_timeframes(text, REFERENCE)
    assert [(m.due_date, m.flags) for m in parsed] == expected


def test_the_table_covers_at_least_forty_real_phrasings() -> None:
    assert len(PHRASINGS) >= 40


def test_each_component_keeps_its_own_words_and_the_original_text() -> None:
    draft, endorsement = parse_timeframes("1st draft by 24 February, endorsement by 31 March 2016")
    assert (draft.title, draft.text) == ("1st draft", "1st draft by 24 February")
    assert (endorsement.title, endorsement.text) == ("endorsement", "endorsement by 31 March 2016")
    assert "later in the text" in draft.note


def test_a_year_less_date_without_reference_stays_undated() -> None:
    (milestone,) = parse_timeframes("by 31 March")
    assert milestone.due_date is None
    assert milestone.flags == (UNDATED,)
    assert milestone.text == "by 31 March"


def test_flagged_timeframes_explain_themselves() -> None:
    (event,) = parse_timeframes("after WHS")
    (recurring,) = parse_timeframes("include in semi-annual reporting")
    (ranged,) = parse_timeframes("in March/April 2016")
    assert event.note == "date depends on an event"
    assert recurring.note == "recurring"
    assert "range" in ranged.note
