"""The donor workbook's "Expectation answers" sheet: the /donors matrix of the cycle as a table.

One row per donor expectation, one column per published organization holding its counted answer in
words, then how many meet it and the change since the previous cycle (docs/design.md "Donor
expectations"). Read from the snapshots like the matrix itself (`scorecards.donor_matrix`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from models.vocabulary import EXPECTATION_ANSWER_LABELS
from models.words import N_, gettext
from scorecards.answers import NOT_ANSWERED
from scorecards.workbook.sheet import Column, SheetSpec

STATE_LABELS = {
    **EXPECTATION_ANSWER_LABELS,
    "unconfirmed": N_("Awaiting confirmation"),
    NOT_ANSWERED: N_("Not answered"),
}


def answers_sheet(matrix: Mapping[str, Any]) -> tuple[SheetSpec, pd.DataFrame]:
    """The sheet's layout and rows for one matrix (`expectation_matrix`'s answer)."""
    acronyms = [organization["acronym"] for organization in matrix["organizations"]]
    columns = [
        Column("expectation", N_("Expectation"), width=50),
        Column("area", N_("Area")),
        *(Column(f"org:{acronym}", acronym, width=12) for acronym in acronyms),
        Column("met", N_("Organizations meeting it")),
        Column("met_change", N_("Change since the previous cycle")),
    ]
    words = {state: gettext(label) for state, label in STATE_LABELS.items()}
    rows = [
        {
            "expectation": row["text"],
            "area": row["area"],
            **{f"org:{acronym}": words.get(state, state) for acronym, state in row["cells"].items()},
            "met": row["counts"]["met"],
            "met_change": row["met_change"],
        }
        for row in matrix["expectations"]
    ]
    frame = pd.DataFrame(rows, columns=[column.key for column in columns])
    frame["met_change"] = frame["met_change"].astype("Int64")
    spec = SheetSpec(N_("Expectation answers"), columns, table_name="ExpectationAnswers")
    return spec, frame
