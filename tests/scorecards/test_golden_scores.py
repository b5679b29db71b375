"""Golden scorecards: small fixtures whose figures were worked out by hand (docs/design.md "Scorecards")."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from scorecards.engine import score_cycle
from scorecards.positions import comparison_frame, place, rank_and_quartile, records
from scorecards.rounding import round_half_away
from tests.scorecards.builders import AREAS, H1, H2, all_areas, inputs

HEAD = [(1, "head")]


def level_of(scores, org: int, area: str) -> tuple[int, int]:
    row = scores.areas.loc[(org, area)]
    return int(row["self_level"]), int(row["level"])


def test_each_evidence_rule() -> None:
    scores = score_cycle(
        inputs(
            [(1, "AAA", "ngo")],
            claims=[
                (1, "champion", 1, 4, 0, 0),  # 4 without any evidence: 3 without evidence counts 2
                (1, "policy", 1, 3, 1, 0),  # 3 with evidence: 3
                (1, "capacity", 1, 3, 0, 0),  # 3 without evidence: 2
                (1, "reporting", 1, 4, 2, 1),  # 4 verified: 4
                (1, "budget", 1, 4, 1, 0),  # 4 with evidence, not verified: 3
            ],
            champions=HEAD,
        )
    )
    assert [level_of(scores, 1, a) for a in AREAS] == [(4, 2), (3, 3), (3, 2), (4, 4), (4, 3)]
    # (2 + 3 + 2 + 4 + 3) / 5 / 4 x 100 = 70
    assert scores.orgs.loc[1, "index"] == 70.0
    assert scores.areas.loc[(1, "capacity"), "flags"] == ("evidence_missing",)
    assert scores.areas.loc[(1, "budget"), "flags"] == ("not_verified",)
    assert scores.areas.loc[(1, "reporting"), "flags"] == ()
    # Five areas claimed at 3+, three with evidence, one verified.
    assert scores.orgs.loc[1, "evidence_share"] == 60.0
    assert scores.orgs.loc[1, "verified_share"] == 20.0


def test_levels_up_to_two_need_no_evidence_and_no_claim_is_zero() -> None:
    scores = score_cycle(
        inputs(
            [(1, "AAA", "ngo")],
            claims=[(1, "champion", 1, 2, 0, 0), (1, "policy", 1, 1, 0, 0)],
            champions=HEAD,
        )
    )
    assert [level_of(scores, 1, a) for a in AREAS] == [(2, 2), (1, 1), (0, 0), (0, 0), (0, 0)]
    assert scores.orgs.loc[1, "index"] == 15.0  # 3 / 5 / 4 x 100
    assert pd.isna(scores.orgs.loc[1, "evidence_share"])  # nothing claimed at 3+
    assert "area_at_zero" in scores.orgs.loc[1, "flags"]


def test_champion_below_deputy_caps_the_champion_area_at_two() -> None:
    scores = score_cycle(
        inputs([(1, "AAA", "ngo")], claims=all_areas(1, 4), champions=[(1, "senior_manager")])
    )
    assert level_of(scores, 1, "champion") == (4, 2)
    assert level_of(scores, 1, "policy") == (4, 4)
    assert scores.orgs.loc[1, "index"] == 90.0  # (2 + 4 x 4) / 5 / 4 x 100
    assert "champion_below_deputy" in scores.orgs.loc[1, "flags"]
    assert scores.areas.loc[(1, "champion"), "flags"] == ("champion_below_deputy",)


def test_one_deputy_among_several_champions_satisfies_the_rule() -> None:
    scores = score_cycle(
        inputs(
            [(1, "AAA", "ngo")],
            claims=all_areas(1, 4),
            champions=[(1, "technical"), (1, "deputy")],
            published=(1,),
        )
    )
    assert level_of(scores, 1, "champion") == (4, 4)
    assert scores.orgs.loc[1, "flags"] == ()


def test_vacant_champion_counts_zero() -> None:
    scores = score_cycle(inputs([(1, "AAA", "ngo")], claims=all_areas(1, 3), published=(1,)))
    assert level_of(scores, 1, "champion") == (3, 0)
    assert scores.orgs.loc[1, "index"] == 60.0  # 4 x 3 / 5 / 4 x 100
    assert scores.orgs.loc[1, "flags"] == ("champion_missing", "area_at_zero")
    assert scores.areas.loc[(1, "champion"), "flags"] == ("champion_missing", "area_at_zero")


def test_area_weights() -> None:
    claims = [(1, "champion", 1, 4, 1, 1)] + [(1, key, 1, 2, 0, 0) for key in AREAS[1:]]
    scores = score_cycle(
        inputs([(1, "AAA", "ngo")], claims=claims, champions=HEAD, weights={"champion": 2.0})
    )
    # (2 x 4 + 4 x 2) / 6 / 4 x 100 = 66.67 -> 66.7
    assert scores.orgs.loc[1, "index"] == 66.7
    zero_weight = score_cycle(
        inputs([(1, "AAA", "ngo")], claims=claims, champions=HEAD, weights={k: 0.0 for k in AREAS[1:]})
    )
    assert zero_weight.orgs.loc[1, "index"] == 100.0  # only the champion area weighs


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    orgs = [(1, "AAA", "ngo"), (2, "BBB", "ngo"), (3, "CCC", "ngo"), (4, "DDD", "ngo")]
    claims = all_areas(1, 2) + all_areas(2, 2) + all_areas(3, 1) + all_areas(4, 2)
    champions = [(o, "head") for o in range(1, 5)]
    scores = score_cycle(inputs(orgs, claims=claims, champions=champions, published=(1, 2, 3, 4)))
    frame = comparison_frame(scores, list(AREAS)).set_index("acronym")
    assert frame["index"].to_dict() == {"AAA": 50.0, "BBB": 50.0, "DDD": 50.0, "CCC": 25.0}
    assert frame["rank"].to_dict() == {"AAA": 1, "BBB": 1, "DDD": 1, "CCC": 4}
    assert frame["quartile"].to_dict() == {"AAA": 1, "BBB": 1, "DDD": 1, "CCC": 4}
    assert list(frame.index) == ["AAA", "BBB", "DDD", "CCC"]
    assert frame["policy_rank"].to_dict() == {"AAA": 1, "BBB": 1, "DDD": 1, "CCC": 4}


def test_quartiles_with_fewer_than_four_organizations() -> None:
    def quartiles(values: list[float]) -> list[int]:
        return list(rank_and_quartile(pd.Series(values))[1])

    assert quartiles([40.0]) == [1]
    assert quartiles([40.0, 20.0]) == [1, 3]
    assert quartiles([40.0, 20.0, 10.0]) == [1, 2, 3]
    assert quartiles([40.0, 40.0, 10.0]) == [1, 1, 3]
    assert quartiles([50.0, 40.0, 30.0, 20.0]) == [1, 2, 3, 4]
    assert quartiles([8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]) == [1, 1, 2, 2, 3, 3, 4, 4]
    assert list(rank_and_quartile(pd.Series([], dtype="float64"))[0]) == []


def test_only_published_organizations_are_ranked() -> None:
    orgs = [(1, "AAA", "ngo"), (2, "BBB", "ngo")]
    scores = score_cycle(inputs(orgs, claims=all_areas(1, 1) + all_areas(2, 4), published=(1,)))
    frame = comparison_frame(scores, list(AREAS)).set_index("acronym")
    assert frame.loc["AAA", "rank"] == 1 and frame.loc["AAA", "quartile"] == 1
    assert pd.isna(frame.loc["BBB", "rank"]) and not frame.loc["BBB", "published"]
    assert list(frame.index) == ["AAA", "BBB"]  # unranked last
    positions = place(scores, list(AREAS))
    assert positions.population == 1 and positions.median_index == 20.0


def test_no_previous_cycle_gives_no_change() -> None:
    scores = score_cycle(inputs([(1, "AAA", "ngo")], claims=all_areas(1, 2), champions=HEAD))
    assert pd.isna(scores.orgs.loc[1, "index_change"])
    assert scores.orgs.loc[1, "trend"] is None
    assert scores.areas.loc[(1, "policy"), "change"] is None
    row = records(comparison_frame(scores, list(AREAS)))[0]
    assert row["index_change"] is None and row["trend"] is None and row["policy_change"] is None


def test_change_since_previous_cycle() -> None:
    claims = [
        (1, "champion", 1, 2, 0, 0), (1, "policy", 1, 2, 0, 0), (1, "capacity", 1, 1, 0, 0),
        (1, "champion", 2, 2, 0, 0), (1, "policy", 2, 1, 0, 0), (1, "capacity", 2, 2, 0, 0),
    ]  # fmt: skip
    scores = score_cycle(
        inputs(
            [(1, "AAA", "ngo")],
            claims=claims,
            champions=HEAD,
            cycle=H2,
            previous=H1,
            today=dt.date(2026, 12, 1),
        )
    )
    changes = {a: scores.areas.loc[(1, a), "change"] for a in AREAS}
    assert changes == {
        "champion": "same",
        "policy": "down",
        "capacity": "up",
        "reporting": "same",
        "budget": "same",
    }
    # Both cycles: 5 / 20 x 100 = 25.0: same index.
    assert scores.orgs.loc[1, "index"] == 25.0 and scores.orgs.loc[1, "index_change"] == 0.0
    assert scores.orgs.loc[1, "trend"] == "same"
    assert scores.areas.loc[(1, "policy"), "previous_level"] == 2


def test_peer_type_filter_ranks_and_shows_only_that_type() -> None:
    orgs = [(1, "UNA", "un_agency"), (2, "NGA", "ngo"), (3, "NGB", "ngo")]
    claims = all_areas(1, 4) + all_areas(2, 2) + all_areas(3, 1)
    scores = score_cycle(inputs(orgs, claims=claims, published=(1, 2, 3)))
    everyone = comparison_frame(scores, list(AREAS)).set_index("acronym")
    assert everyone["rank"].to_dict() == {"UNA": 1, "NGA": 2, "NGB": 3}
    ngos = comparison_frame(scores, list(AREAS), peer_type="ngo").set_index("acronym")
    assert ngos["rank"].to_dict() == {"NGA": 1, "NGB": 2}
    assert ngos["quartile"].to_dict() == {"NGA": 1, "NGB": 3}
    positions = place(scores, list(AREAS), peer_type="ngo")
    assert positions.median_levels["policy"] == 1.5 and positions.population == 2


def test_timeliness_by_hand() -> None:
    d = dt.date
    milestones = [
        (1, d(2026, 2, 1), d(2026, 1, 30), "done"),  # on time
        (1, d(2026, 3, 1), d(2026, 3, 5), "done"),  # 4 days late
        (1, d(2026, 7, 22), None, "in_progress"),  # due after the period ends: not this cycle's
        (1, d(2026, 6, 21), None, "planned"),  # overdue: as of 31 Jul, 40 days late
        (1, d(2026, 4, 1), None, "dropped"),  # dropped: not counted
        (2, d(2026, 5, 1), d(2026, 5, 1), "done"),
    ]
    scores = score_cycle(
        inputs([(1, "AAA", "ngo"), (2, "BBB", "ngo"), (3, "CCC", "ngo")], milestones=milestones)
    )
    org = scores.orgs
    # Organization 1: three due in the period (the July one is outside it), one on time.
    assert org.loc[1, "due_count"] == 3
    assert org.loc[1, "on_time_share"] == 33.3
    assert org.loc[1, "overdue"] == 1
    assert org.loc[1, "median_days_late"] == 22.0  # median of 4 and 40
    assert org.loc[2, "on_time_share"] == 100.0 and org.loc[2, "overdue"] == 0
    assert pd.isna(org.loc[2, "median_days_late"])


def test_an_organization_with_no_milestones_due() -> None:
    future = [(1, dt.date(2026, 8, 15), None, "planned")]  # due after the as-of date (9 Aug)
    scores = score_cycle(inputs([(1, "AAA", "ngo")], milestones=future, cycle=H2, today=dt.date(2026, 8, 9)))
    row = records(comparison_frame(scores, list(AREAS)))[0]
    assert row["on_time_share"] is None
    assert row["overdue"] == 0
    assert row["median_days_late"] is None


def test_flags_for_staleness_and_late_submission() -> None:
    orgs = [(1, "AAA", "ngo"), (2, "BBB", "ngo"), (3, "CCC", "ngo")]
    scores = score_cycle(
        inputs(
            orgs,
            claims=all_areas(1, 2) + all_areas(2, 2) + all_areas(3, 2),
            champions=[(1, "head"), (2, "head"), (3, "head")],
            submitted={1: dt.date(2026, 7, 30), 2: dt.date(2026, 8, 2)},
            last_updates={1: dt.date(2026, 5, 2), 2: dt.date(2026, 4, 30)},
        )
    )
    flags = scores.orgs["flags"].to_dict()
    # As of 31 Jul: 1 updated exactly 90 days before (not stale), 2 92 days before; 3 never.
    assert flags[1] == ()
    assert flags[2] == ("no_update_90_days", "submission_late")
    assert flags[3] == ("no_update_90_days", "submission_late")  # not submitted, today past due


def test_donor_expectations_met() -> None:
    scores = score_cycle(
        inputs([(1, "AAA", "ngo"), (2, "BBB", "ngo")], expectations={1: 2}, expectations_total=3)
    )
    assert scores.orgs.loc[1, "expectations_met"] == 2 and scores.orgs.loc[2, "expectations_met"] == 0
    assert (scores.orgs["expectations_total"] == 3).all()


def test_most_improved() -> None:
    orgs = [(1, "AAA", "ngo"), (2, "BBB", "ngo"), (3, "CCC", "ngo")]
    claims = all_areas(1, 1, 1, 0, 0) + all_areas(1, 2, 2, 0, 0)  # +25
    claims += all_areas(2, 2, 1, 0, 0) + all_areas(2, 2, 2, 0, 0)  # same
    claims += all_areas(3, 1, 1, 0, 0) + all_areas(3, 4, 2, 1, 1)  # +75
    champions = [(o, "head") for o in (1, 2, 3)]
    scores = score_cycle(
        inputs(orgs, claims=claims, champions=champions, published=(1, 2, 3), cycle=H2, previous=H1,
               today=dt.date(2026, 12, 1))
    )  # fmt: skip
    improved = place(scores, list(AREAS)).most_improved
    assert [(m["acronym"], m["index_change"]) for m in improved] == [("CCC", 75.0), ("AAA", 25.0)]


def test_rounding_is_half_away_from_zero() -> None:
    assert round_half_away(72.25) == 72.3
    assert round_half_away(1.45) == 1.5
    assert round_half_away(-0.25) == -0.3
    assert round_half_away(66.666) == 66.7
    assert round_half_away(None) is None


# The rules of one assessment per area, lateness and added areas, as a table of scenarios worked out
# by hand: (name, claims, milestones, submitted on, expected counted levels of the five areas,
# expected index, flags that must be raised, flags that must not).
D = dt.date
SCENARIOS = [
    ("verified 4 counts 4", [(1, "budget", 1, 4, 1, 1)], [], None, [0, 0, 0, 0, 4], 20.0, [], []),
    ("unverified 4 counts 3", [(1, "budget", 1, 4, 1, 0)], [], None, [0, 0, 0, 0, 3], 15.0, [], []),
    # Rejected evidence reaches the engine as absent: a claim of 4 then counts 2.
    ("rejected evidence is absent", [(1, "budget", 1, 4, 0, 0)], [], None, [0, 0, 0, 0, 2], 10.0, [], []),
    (
        "9 overdue, none on time",
        all_areas(1, 2),
        [(1, D(2026, 3, 1), None, "planned")] * 9,
        None,
        [2, 2, 2, 2, 2],
        50.0,
        ["milestones_overdue_30", "on_time_below_half"],
        [],
    ),
    (
        "31 days overdue is flagged, half on time is not",
        all_areas(1, 2),
        # as of 31 July (the due date): due 30 June and open is 31 days late; one of two on time.
        [(1, D(2026, 6, 29), D(2026, 6, 29), "done"), (1, D(2026, 6, 30), None, "planned")],
        None,
        [2, 2, 2, 2, 2],
        50.0,
        ["milestones_overdue_30"],
        ["on_time_below_half"],
    ),
    (
        "half on time is enough",
        all_areas(1, 1),
        [(1, D(2026, 2, 1), D(2026, 2, 1), "done"), (1, D(2026, 2, 1), D(2026, 2, 20), "done")],
        None,
        [1, 1, 1, 1, 1],
        25.0,
        [],
        ["on_time_below_half", "milestones_overdue_30"],
    ),
    ("a late report", all_areas(1, 1), [], D(2026, 8, 5), [1, 1, 1, 1, 1], 25.0, ["submission_late"], []),
    (
        "no milestone due: no timeliness flag",
        all_areas(1, 1),
        [],
        D(2026, 7, 1),
        [1] * 5,
        25.0,
        [],
        ["on_time_below_half", "submission_late"],
    ),  # fmt: skip
]


@pytest.mark.parametrize(
    "name, claims, milestones, submitted, levels, index, raised, absent",
    SCENARIOS,
    ids=[s[0] for s in SCENARIOS],
)
def test_the_scenarios_of_the_assessment_and_lateness_rules(
    name: str,
    claims: list[tuple],
    milestones: list[tuple],
    submitted: dt.date | None,
    levels: list[int],
    index: float,
    raised: list[str],
    absent: list[str],
) -> None:
    scores = score_cycle(
        inputs(
            [(1, "AAA", "ngo")],
            claims=claims,
            champions=HEAD,
            milestones=milestones,
            submitted={1: submitted} if submitted else None,
        )
    )
    assert [level_of(scores, 1, a)[1] for a in AREAS] == levels
    assert scores.orgs.loc[1, "index"] == index
    flags = scores.orgs.loc[1, "flags"]
    assert set(raised) <= set(flags), flags
    assert not set(absent) & set(flags), flags


def test_an_added_area_weighs_in_the_index_of_the_cycle_that_scores_it() -> None:
    six = inputs([(1, "AAA", "ngo")], claims=[*all_areas(1, 4), (1, "aap", 1, 0, 0, 0)], champions=HEAD)
    six.areas = pd.concat(
        [
            six.areas,
            pd.DataFrame([("aap", "Accountability to affected people", 1.0)], columns=six.areas.columns),
        ]
    )
    scores = score_cycle(six)
    assert level_of(scores, 1, "aap") == (0, 0)
    assert scores.orgs.loc[1, "index"] == round_half_away(5 * 4 / 6 / 4 * 100)  # 83.3
    assert "area_at_zero" in scores.orgs.loc[1, "flags"]


def test_thirty_days_overdue_is_not_yet_flagged_and_thirty_one_is() -> None:
    milestones = [
        (1, dt.date(2026, 6, 29), dt.date(2026, 6, 29), "done"),
        (1, dt.date(2026, 6, 30), None, "planned"),
    ]
    for today, flagged in ((dt.date(2026, 7, 30), False), (dt.date(2026, 7, 31), True)):
        scores = score_cycle(inputs([(1, "AAA", "ngo")], claims=all_areas(1, 2), champions=HEAD,
                                    milestones=milestones, today=today))  # fmt: skip
        assert ("milestones_overdue_30" in scores.orgs.loc[1, "flags"]) is flagged, today
