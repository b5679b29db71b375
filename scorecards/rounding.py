"""Rounding, in one place: every figure is rounded once, where it is computed.

docs/design.md asks that every page, spreadsheet and CSV show the same numbers. So the engine rounds each
fractional figure here, before anything ranks, compares or displays it: two organizations whose
indexes print the same share a rank, and a spreadsheet cell never disagrees with the page by a
rounding step. Rounding is half away from zero (72.25 -> 72.3), not Python's half-to-even.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# Decimals of every fractional figure the engine produces. Levels and counts are whole numbers.
DECIMALS = 1


def round_half_away(value: float | None, decimals: int = DECIMALS) -> float | None:
    """Round one number; None and NaN stay None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    scale = 10**decimals
    # The inner round() removes binary noise (1.45 is stored as 1.4499999...).
    shifted = round(abs(float(value)) * scale, 6)
    return math.copysign(math.floor(shifted + 0.5) / scale, value)


def round_series(values: pd.Series, decimals: int = DECIMALS) -> pd.Series:
    """Vectorized `round_half_away` for a column; NaN stays NaN."""
    numbers = values.astype("float64")
    scale = 10**decimals
    shifted = np.round(np.abs(numbers.to_numpy()) * scale, 6)
    rounded = np.copysign(np.floor(shifted + 0.5) / scale, numbers.to_numpy())
    return pd.Series(rounded, index=values.index, name=values.name, dtype="float64")


def percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole as a rounded percentage; NaN where whole is 0 (nothing to measure)."""
    whole_f = whole.astype("float64").where(whole > 0)
    return round_series(part.astype("float64") / whole_f * 100.0)
