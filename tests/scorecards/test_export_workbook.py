"""The comparison workbook, read back with openpyxl and with calamine: same figures as the scorecard
JSON, real types, and the features an analyst expects (colour scale, frozen header, filter, chart)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from models.caller import SYSTEM
from models.engine import fetch
from models.words import speaking
from scorecards.donor_matrix import expectation_matrix
from scorecards.exports import comparison_export, comparison_file
from scorecards.service import comparison, comparison_mapping
from scorecards.summary_columns import summary_columns
from scorecards.workbook import styles
from tests.conftest import TODAY
from tests.scorecards.workbooks import (
    DONOR_SHEETS,
    SHEETS,
    as_json,
    calamine_rows,
    openpyxl_rows,
    summary_matches_json,
    xml_parts,
)

PUBLISHED = "2026-H1"  # the demo's latest published cycle


async def workbook(audience: str, cycle: str = PUBLISHED, peer_type: str | None = None) -> bytes:
    return (await comparison_file(SYSTEM, cycle, audience, peer_type, "xlsx", today=TODAY)).content


async def scorecard_json(audience: str, cycle: str = PUBLISHED, peer_type: str | None = None) -> dict:
    return as_json(comparison_mapping(await comparison(cycle, audience, peer_type, TODAY)))


@pytest.mark.parametrize(
    ("audience", "peer_type"), [("donor", None), ("peer", None), ("internal", None), ("donor", "ngo")]
)
async def test_summary_equals_the_scorecard_json_cell_for_cell(
    demo, audience: str, peer_type: str | None
) -> None:
    expected = await scorecard_json(audience, peer_type=peer_type)
    assert expected["items"], "the demo publishes this cycle"
    data = await workbook(audience, peer_type=peer_type)
    export = await comparison_export(SYSTEM, PUBLISHED, audience, peer_type, TODAY, summary_only=True)
    headers = {column.key: column.header for column in export.summary_columns}
    assert list(headers) == expected["columns"]
    summary_matches_json(data, expected["items"], headers)


async def test_workbook_has_the_six_sheets_and_a_read_me_that_says_what_it_is(demo) -> None:
    data = await workbook("donor")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == DONOR_SHEETS
    facts = {row[0]: row[1] for row in wb["Read me"].iter_rows(values_only=True) if row[0]}
    assert facts["Cycle"] == PUBLISHED
    assert facts["Audience"].startswith("donor.")
    assert facts["Organizations"] == 14
    assert isinstance(facts["Generated (UTC)"], dt.datetime)
    assert "Method" in facts and "Level" in facts
    legend = [row for row in wb["Read me"].iter_rows(values_only=True) if row[0] in (0, 1, 2, 3, 4)]
    assert [row[1].split(":")[0] for row in legend] == [
        "Not started",
        "Committed",
        "In progress",
        "In place",
        "Institutionalized",
    ]
    assert wb.properties.creator == "CoP Tracker"
    assert wb.properties.title == f"CoP comparison {PUBLISHED} (donor)"


@pytest.mark.parametrize(
    ("lang", "audience", "label", "read_me", "row"),
    [
        ("en", "donor", "donor", "Read me", "Audience"),
        ("fr", "donor", "bailleur de fonds", "Lisez-moi", "Public visé"),
        ("fr", "internal", "interne", "Lisez-moi", "Public visé"),
    ],
)
async def test_the_workbook_names_its_audience_in_the_readers_language(
    demo, lang: str, audience: str, label: str, read_me: str, row: str
) -> None:
    # The document's title and keywords and the Read me's Audience row give the audience's label
    # (models/words.py AUDIENCE_LABELS), never its code inside a translated sentence.
    with speaking(lang):
        wb = load_workbook(io.BytesIO(await workbook(audience)))
    assert wb.properties.title.endswith(f"{PUBLISHED} ({label})")
    assert wb.properties.keywords == f"CoP; {PUBLISHED}; {label}"
    facts = {cells[0]: cells[1] for cells in wb[read_me].iter_rows(values_only=True) if cells[0]}
    assert facts[row].startswith(f"{label}. ")
    if lang != "en":
        assert audience not in f"{wb.properties.title} {wb.properties.keywords} {facts[row]}".lower()


async def test_summary_has_a_colour_scale_on_levels_a_frozen_header_and_an_autofilter(demo) -> None:
    data = await workbook("donor")
    ws = load_workbook(io.BytesIO(data))["Summary"]
    assert ws.freeze_panes == "D2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}15"
    header = [cell.value for cell in ws[1]]
    ranges = {
        str(rng.sqref): [rule.type for rule in rules]
        for rng, rules in ws.conditional_formatting._cf_rules.items()
    }
    policy = header.index("Policy: level") + 1
    letter = ws.cell(1, policy).column_letter
    assert ranges[f"{letter}2:{letter}15"] == ["colorScale"]
    index = ws.cell(1, header.index("Index (0-100)") + 1).column_letter
    assert ranges[f"{index}2:{index}15"] == ["colorScale"]
    assert ws.column_dimensions["C"].width >= 20  # organization names are readable


async def test_trend_sheet_has_the_index_per_cycle_and_a_native_line_chart(demo) -> None:
    data = await workbook("donor")
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Trend"]
    assert [cell.value for cell in ws[1]] == ["Organization", "2025-H2", PUBLISHED, "Organization type"]
    assert len(ws._charts) == 1
    assert ws.freeze_panes == "B2" and "TrendTable" in ws.tables
    charts = [name for name in xml_parts(data) if name.startswith("xl/charts/chart")]
    assert len(charts) == 1 and b"lineChart" in xml_parts(data)[charts[0]]
    # The exported cycle's column is the Summary's index, organization by organization.
    summary = {row["Organization"]: row["Index (0-100)"] for row in openpyxl_rows(data, "Summary")}
    trend = {row["Organization"]: row[PUBLISHED] for row in calamine_rows(data, "Trend")}
    assert trend == summary
    earlier = await comparison("2025-H2", "donor", None, TODAY)
    assert {r.name: r.index for r in earlier.frame.itertuples()} == {
        row["Organization"]: row["2025-H2"] for row in openpyxl_rows(data, "Trend")
    }


async def test_record_sheets_have_real_dates_and_numbers_and_defined_tables(demo) -> None:
    data = await workbook("peer")
    wb = load_workbook(io.BytesIO(data))
    commitments = openpyxl_rows(data, "Commitments")
    assert len(commitments) == (await fetch("SELECT COUNT(*) AS n FROM commitment"))[0]["n"]
    first = commitments[0]
    assert isinstance(first["Next due"], dt.datetime) and isinstance(first["Milestones done"], int)
    assert isinstance(first["Level (self-assessed, latest in the cycle)"], int)
    milestones = calamine_rows(data, "Milestones")
    assert milestones and all(isinstance(row["Due"], dt.datetime) for row in milestones)
    assert {row["State"] for row in milestones} <= {"overdue", "due soon"}
    horizon = dt.datetime.combine(TODAY + dt.timedelta(days=90), dt.time())
    assert all(row["Due"] <= horizon for row in milestones)
    assert all(
        (row["State"] == "overdue") == (row["Days overdue (+) or to go (-)"] > 0) for row in milestones
    )
    expectations = openpyxl_rows(data, "Donor expectations")
    assert len(expectations) == 14 * 3 and {row["Met"] for row in expectations} == {"met", "not met"}
    assert all(isinstance(row["Since"], dt.datetime) for row in expectations if row["Met"] == "met")
    assert "Commitments" in wb["Commitments"].tables and "Milestones" in wb["Milestones"].tables
    assert "DonorExpectations" in wb["Donor expectations"].tables


async def test_donor_expectations_sheet_agrees_with_the_summary_count(demo) -> None:
    data = await workbook("donor")
    met: dict[str, int] = {}
    for row in openpyxl_rows(data, "Donor expectations"):
        met[row["Acronym"]] = met.get(row["Acronym"], 0) + (row["Met"] == "met")
    assert met == {row["Acronym"]: row["Donor expectations met"] for row in openpyxl_rows(data, "Summary")}


async def test_formula_looking_text_comes_back_as_plain_text(demo) -> None:
    hostile = {
        "title": '=HYPERLINK("http://x","y")',
        "milestone": "=cmd|' /C calc'!A0",
        "expectation": "@SUM(1+1)*cmd|' /C calc'!A0",
    }
    await fetch(
        "UPDATE commitment SET title = {} WHERE id = (SELECT MIN(id) FROM commitment)", hostile["title"]
    )
    await fetch(
        "UPDATE milestone SET title = {} WHERE status = 'in_progress' AND id = "
        "(SELECT MIN(id) FROM milestone WHERE status = 'in_progress')",
        hostile["milestone"],
    )
    await fetch("UPDATE donor_expectation SET text = {} WHERE id = (SELECT MIN(id) FROM donor_expectation)",
                hostile["expectation"])  # fmt: skip
    # The internal workbook reads live rows (a donor's reads the copies frozen at publishing), but
    # its Commitments and Milestones sheets of a closed cycle the copies too: the open cycle's are live.
    data = await workbook("internal")
    open_cycle = await workbook("internal", "2026-H2")
    for reader in (openpyxl_rows, calamine_rows):
        assert hostile["title"] in {row["Commitment"] for row in reader(open_cycle, "Commitments")}
        assert hostile["milestone"] in {row["Milestone"] for row in reader(open_cycle, "Milestones")}
        assert hostile["expectation"] in {row["Expectation"] for row in reader(data, "Donor expectations")}
    for written in (data, open_cycle):
        parts = xml_parts(written).items()
        sheets = {name: part for name, part in parts if name.startswith("xl/worksheets/sheet")}
        assert len(sheets) == 7
        for name, part in sheets.items():  # no cell holds a formula (the chart's ranges are formulas)
            assert b"<f>" not in part and b"<f " not in part, name


async def test_summary_columns_cover_every_column_of_the_comparison_frame(demo) -> None:
    result = await comparison(PUBLISHED, "donor", None, TODAY)
    areas = [(a.key, a.name, float(a.weight)) for a in result.areas.itertuples()]
    columns = summary_columns(result.frame, areas)
    assert [c.key for c in columns] == list(result.frame.columns)
    headers = [c.header for c in columns]
    assert len(set(headers)) == len(headers)
    assert "Policy: level" in headers and "Organization type" in headers and "Rank" in headers


async def test_a_comparison_without_organizations_gives_an_empty_well_formed_workbook(demo) -> None:
    """No organization of the type asked for: every sheet has its header row and nothing else."""
    await fetch("UPDATE organization SET org_type = 'ngo' WHERE org_type = 'other'")
    data = await workbook("internal", cycle="2026-H2", peer_type="other")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == SHEETS
    for sheet in SHEETS[1:]:
        assert openpyxl_rows(data, sheet) == [] and calamine_rows(data, sheet) == []
        assert wb[sheet].max_row == 1 and wb[sheet]["A1"].value
    assert wb["Trend"]._charts == []
    facts = {row[0]: row[1] for row in wb["Read me"].iter_rows(values_only=True) if row[0]}
    assert facts["Organizations"] == 0 and facts["Peer type"] == "Other"


async def test_a_correction_after_publishing_changes_the_internal_level_not_what_donors_saw(demo) -> None:
    original = (
        await fetch(
            "SELECT pu.id, pu.commitment, pu.self_level, pu.cycle, c.title, o.acronym FROM progress_update pu "
            "JOIN commitment c ON c.id = pu.commitment JOIN organization o ON o.id = c.organization "
            "WHERE pu.cycle = (SELECT id FROM cycle WHERE name = {}) ORDER BY pu.id LIMIT 1",
            PUBLISHED,
        )
    )[0]
    corrected = (original["self_level"] + 2) % 5
    await fetch(
        "INSERT INTO progress_update (commitment, author, cycle, self_level, narrative, visibility, supersedes, "
        "created_at) VALUES ({}, NULL, {}, {}, 'Correction', 'internal', {}, {})",
        original["commitment"],
        original["cycle"],
        corrected,
        original["id"],
        dt.datetime.combine(TODAY, dt.time(9), tzinfo=dt.UTC),
    )

    def level(data: bytes) -> int:
        rows = openpyxl_rows(data, "Commitments")
        [row] = [
            r for r in rows if r["Acronym"] == original["acronym"] and r["Commitment"] == original["title"]
        ]
        return row["Level (self-assessed, latest in the cycle)"]

    assert level(await workbook("internal")) == corrected
    assert level(await workbook("donor")) == original["self_level"]
    assert level(await workbook("peer")) == original["self_level"]


async def test_a_workbook_fit_to_hand_out_labels_a_safe_palette_and_print_setup(demo) -> None:
    data = await workbook("internal")
    wb = load_workbook(io.BytesIO(data))
    assert {row["Status"] for row in openpyxl_rows(data, "Commitments")} >= {"Active"}
    statuses = {row["Status"] for row in openpyxl_rows(data, "Milestones")}
    assert "In progress" in statuses and not {s for s in statuses if "_" in (s or "")}
    summary = wb["Summary"]
    rules = [rule for rules in summary.conditional_formatting._cf_rules.values() for rule in rules]
    colours = {colour.rgb[-6:] for rule in rules for colour in rule.colorScale.color}
    assert colours == set(styles.SCALE_COLOURS)  # cividis steps, no red-green
    readme = wb["Read me"]
    legend = {
        row[0].value: row[0].fill.fgColor.rgb[-6:] for row in readme.iter_rows() if row[0].value in range(5)
    }
    assert legend[0] == styles.SCALE_COLOURS[0] and legend[4] == styles.SCALE_COLOURS[-1]
    assert readme.page_setup.fitToHeight == 1 and readme.page_setup.fitToWidth == 1
    for ws in wb.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth == 1 and int(ws.page_setup.paperSize) == 9, ws.title
        if ws.title != "Read me":
            assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1", ws.title


async def test_the_donor_workbook_holds_the_expectation_answers_of_the_donor_matrix(demo) -> None:
    matrix = await expectation_matrix(PUBLISHED, "donor")
    rows = openpyxl_rows(await workbook("donor"), "Expectation answers")
    assert [row["Expectation"] for row in rows] == [item["text"] for item in matrix["expectations"]]
    for row, item in zip(rows, matrix["expectations"], strict=True):
        assert row["Organizations meeting it"] == item["counts"]["met"]
        assert {row[o["acronym"]] for o in matrix["organizations"]} <= {
            "Met",
            "Partly",
            "Not yet",
            "Not applicable",
            "Awaiting confirmation",
            "Not answered",
        }
    assert "Expectation answers" not in load_workbook(io.BytesIO(await workbook("peer"))).sheetnames


async def never_published_organization(milestone_due: dt.date) -> None:
    """NVP, an organization that has published no cycle, with one commitment and one milestone."""
    from models.services import commitments, milestones, organizations

    never = await organizations.create_organization(
        SYSTEM, {"name": "Never Published", "acronym": "NVP", "org_type": "ngo"}
    )
    commitment = await commitments.create_commitment(
        SYSTEM, int(never["id"]), {"area": "policy", "title": "Unpublished commitment"}
    )
    await milestones.create_milestone(
        SYSTEM, int(commitment["id"]), {"title": "Live milestone of NVP", "due_date": milestone_due}
    )


async def test_a_closed_cycles_milestones_sheet_shows_them_as_published_for_the_secretariat_too(demo) -> None:
    """The internal workbook of a closed cycle lists the milestones frozen when each organization
    published it, like the peers' and donors' workbooks; an organization that has not published the
    cycle is read live; the open cycle's internal workbook stays live."""

    before = openpyxl_rows(await workbook("internal"), "Milestones")
    assert before
    first = before[0]
    changed = (
        await fetch(
            "SELECT m.id, m.commitment FROM milestone m JOIN commitment c ON c.id = m.commitment "
            "JOIN organization o ON o.id = c.organization WHERE o.acronym = {} AND m.title = {}",
            first["Acronym"],
            first["Milestone"],
        )
    )[0]
    await fetch(
        "UPDATE milestone SET title = {}, status = 'done', completed_on = {} WHERE id = {}",
        "Renamed after publishing",
        TODAY,
        changed["id"],
    )
    await fetch(
        "INSERT INTO milestone (commitment, title, due_date, status, drop_reason, version, timeframe_text, "
        "date_flags, derived_state, created_at) VALUES ({}, 'Added after publishing', {}, 'planned', '', 1, "
        "'', '', '', {})",
        changed["commitment"],
        dt.date(2026, 11, 1),
        dt.datetime.combine(TODAY, dt.time(9), tzinfo=dt.UTC),
    )
    await never_published_organization(dt.date(2026, 12, 1))

    data = await workbook("internal")
    after = openpyxl_rows(data, "Milestones")
    titles = {row["Milestone"] for row in after}
    assert "Renamed after publishing" not in titles and "Added after publishing" not in titles
    assert [row for row in after if row["Acronym"] != "NVP"] == before
    assert [row["Milestone"] for row in after if row["Acronym"] == "NVP"] == ["Live milestone of NVP"]
    donor = openpyxl_rows(await workbook("donor"), "Milestones")
    assert [row for row in after if row["Acronym"] in {r["Acronym"] for r in donor}] == donor
    readme = " ".join(
        str(c)
        for row in load_workbook(io.BytesIO(data))["Read me"].iter_rows(values_only=True)
        for c in row
        if c
    )
    assert (
        "The cycle is closed: commitments and milestones as each organization published the cycle" in readme
    )
    # The open cycle's internal sheet is live.
    live = {row["Milestone"] for row in openpyxl_rows(await workbook("internal", "2026-H2"), "Milestones")}
    assert "Added after publishing" in live and "Renamed after publishing" not in live


async def test_a_closed_cycles_commitments_sheet_shows_them_as_published_for_the_secretariat_too(
    demo,
) -> None:
    """As the Milestones sheet: a commitment renamed after publishing keeps its published title in
    the closed cycle's internal workbook; an organization that has not published is read live; the
    open cycle's internal workbook shows the new title."""
    from models.services import commitments, organizations

    before = openpyxl_rows(await workbook("internal"), "Commitments")
    first = before[0]
    [changed] = await fetch(
        "SELECT c.id FROM commitment c JOIN organization o ON o.id = c.organization "
        "WHERE o.acronym = {} AND c.title = {}",
        first["Acronym"],
        first["Commitment"],
    )
    renamed = "ZQXRENAMEDAFTERPUBLISHING commitment"
    await fetch("UPDATE commitment SET title = {} WHERE id = {}", renamed, changed["id"])
    never = await organizations.create_organization(
        SYSTEM, {"name": "Never Published", "acronym": "NVP", "org_type": "ngo"}
    )
    await commitments.create_commitment(
        SYSTEM, int(never["id"]), {"area": "policy", "title": "Live commitment of NVP"}
    )

    after = openpyxl_rows(await workbook("internal"), "Commitments")
    assert renamed not in {row["Commitment"] for row in after}
    assert [row for row in after if row["Acronym"] != "NVP"] == before
    assert [row["Commitment"] for row in after if row["Acronym"] == "NVP"] == ["Live commitment of NVP"]
    assert renamed in {
        row["Commitment"] for row in openpyxl_rows(await workbook("internal", "2026-H2"), "Commitments")
    }


async def test_a_closed_cycles_milestones_count_days_overdue_on_the_day_of_publishing(demo) -> None:
    """At the suite's clock (no `today` given): the closed cycle's sheet counts each organization's
    days to the day it published the cycle (when its milestones were frozen), and its Read me says
    so; an organization that has not published it, and the open cycle's sheet, count to today."""
    from models import clock

    await never_published_organization(dt.date(2026, 11, 1))
    published_on = {
        row["acronym"]: row["day"]
        for row in await fetch(
            "SELECT o.acronym, MIN(s.created_at) AS day FROM scorecard_snapshot s "
            "JOIN organization o ON o.id = s.organization JOIN cycle c ON c.id = s.cycle "
            "WHERE c.name = {} GROUP BY o.acronym",
            PUBLISHED,
        )
    }
    today = clock.today()

    def read(data: bytes) -> tuple[list[dict], dict]:
        wb = load_workbook(io.BytesIO(data))
        facts = {row[0]: row[1] for row in wb["Read me"].iter_rows(values_only=True) if row[0]}
        return openpyxl_rows(data, "Milestones"), facts

    def counted_to(row: dict) -> dt.date:
        day = published_on.get(row["Acronym"])
        return today if day is None else dt.date.fromisoformat(str(day)[:10])

    note = "Milestones: days overdue or to go counted on the day each organization published the cycle"
    for audience in ("internal", "donor"):
        rows, facts = read((await comparison_file(SYSTEM, PUBLISHED, audience, None, "xlsx")).content)
        assert rows and facts["Days overdue"].startswith(note), audience
        for row in rows:
            days = (counted_to(row) - row["Due"].date()).days
            assert row["Days overdue (+) or to go (-)"] == days and days >= -90, (audience, row)
            assert row["State"] == ("overdue" if days > 0 else "due soon")
        # Counted at publishing, not today: the demo published 2026-H1 in August.
        assert all(counted_to(row) < today for row in rows if row["Acronym"] != "NVP"), audience
    assert [row["Days overdue (+) or to go (-)"] for row in rows if row["Acronym"] == "NVP"] == []
    internal, _ = read((await comparison_file(SYSTEM, PUBLISHED, "internal", None, "xlsx")).content)
    assert [row["Days overdue (+) or to go (-)"] for row in internal if row["Acronym"] == "NVP"] == [
        (today - dt.date(2026, 11, 1)).days
    ]
    live, live_facts = read((await comparison_file(SYSTEM, "2026-H2", "internal", None, "xlsx")).content)
    assert live and "Days overdue" not in live_facts
    assert all(row["Days overdue (+) or to go (-)"] == (today - row["Due"].date()).days for row in live)


async def test_each_header_row_is_tall_enough_for_its_wrapped_headers(demo) -> None:
    from openpyxl.utils import get_column_letter

    from scorecards.workbook.sheet import HEADER_LINE_POINTS, wrapped_lines

    assert wrapped_lines("Senior champion: self-assessed", 15) == 3
    assert wrapped_lines("Organization", 5) == 3 and wrapped_lines("", 10) == 1
    wb = load_workbook(io.BytesIO(await workbook("donor")))
    for ws in wb.worksheets[1:]:
        widths = [ws.column_dimensions[get_column_letter(c.column)].width for c in ws[1]]
        lines = max(wrapped_lines(str(c.value), w) for c, w in zip(ws[1], widths, strict=True))
        assert ws.row_dimensions[1].height >= HEADER_LINE_POINTS * lines, ws.title
    assert wb["Summary"].row_dimensions[1].height >= 3 * HEADER_LINE_POINTS
