"""Free-text timeframes of action plans ("1st draft by 24 February, endorsement by 31 March 2016",
"T2 2026", "after WHS") into milestones: a title, a due date or none, and a note that says how the
date was read.

docs/design.md "Importing plans": never an invented date. A date is only given when the text names a
day, a month, a quarter, a half or a year; a period gives its last day and says so. Text that depends
on an event or recurs gets no date and a flag; text without a date gets no date. A day and month
without a year take the year written later in the same text, else the reference date's year (the
document's date), else stay undated.

Pure: text and reference date in, a list out. Matching runs on an accent-free, lower-case copy of the
text of the same length, so positions found there cut the original text.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

from models.words import N_, gettext

# Flags of a parsed milestone (stable values: the import report and the milestone carry them).
DATED = ""
RANGE = "range"
PERIOD = "period"
YEAR_FROM_TEXT = "year_from_text"
YEAR_FROM_REFERENCE = "year_from_reference"
EVENT = "event"
RECURRING = "recurring"
UNDATED = "undated"

NOTES = {
    DATED: "",
    RANGE: N_("a range: its last day"),
    PERIOD: N_("a period: its last day"),
    YEAR_FROM_TEXT: N_("no year given: the year written later in the text"),
    YEAR_FROM_REFERENCE: N_("no year given: the year of the reference date"),
    EVENT: N_("date depends on an event"),
    RECURRING: N_("recurring"),
    UNDATED: N_("no date in the text"),
}


@dataclass(frozen=True)
class ParsedMilestone:
    title: str  # the component's words without the date ("1st draft"); "" when only a date was written
    due_date: dt.date | None
    flags: tuple[str, ...]  # how the date was read (RANGE, YEAR_FROM_REFERENCE, ...) or why there is none
    text: str  # the component as written

    @property
    def note(self) -> str:
        return "; ".join(gettext(NOTES[flag]) for flag in self.flags)


MONTHS = {
    "january": 1, "jan": 1, "janvier": 1, "janv": 1,
    "february": 2, "feb": 2, "fevrier": 2, "fevr": 2, "fev": 2,
    "march": 3, "mar": 3, "mars": 3,
    "april": 4, "apr": 4, "avril": 4, "avr": 4,
    "may": 5, "mai": 5,
    "june": 6, "jun": 6, "juin": 6,
    "july": 7, "jul": 7, "juillet": 7, "juil": 7,
    "august": 8, "aug": 8, "aout": 8,
    "september": 9, "sept": 9, "sep": 9, "septembre": 9,
    "october": 10, "oct": 10, "octobre": 10,
    "november": 11, "nov": 11, "novembre": 11,
    "december": 12, "dec": 12, "decembre": 12,
}  # fmt: skip
ORDINALS = {
    "1": 1, "1st": 1, "1er": 1, "1ere": 1, "first": 1, "premier": 1, "premiere": 1,
    "2": 2, "2nd": 2, "2e": 2, "2eme": 2, "second": 2, "seconde": 2, "deuxieme": 2,
    "3": 3, "3rd": 3, "3e": 3, "3eme": 3, "third": 3, "troisieme": 3,
    "4": 4, "4th": 4, "4e": 4, "4eme": 4, "fourth": 4, "quatrieme": 4,
}  # fmt: skip

_M = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_Y = r"(?:19|20)\d\d"
_D = r"(?:[0-3]?\d)(?:st|nd|rd|th|er|e)?"
_ORD = "(?:" + "|".join(sorted(ORDINALS, key=len, reverse=True)) + ")"
_END = r"(?:(?:by |at |to |until )?the )?(?:end|fin|year-end|late|close)(?: of| de| d'| du)?"
# A year or month alone needs a word that makes it a deadline ("Agenda 2030" and "may" are no dates).
_BY = r"(?:by|in|until|till|before|through|during|within|for|en|d'ici|d'ici a|avant|jusqu'en|jusqu'a|pour|au|a|le|la)"


def _pattern(body: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + body + r"(?![\w])", re.IGNORECASE)


PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", _pattern(rf"(?P<y>{_Y})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})")),
    ("numeric", _pattern(r"(?P<d>\d{1,2})[/.](?P<m>\d{1,2})[/.](?P<y>(?:19|20)?\d\d)")),
    ("day_range", _pattern(rf"{_D}\s*(?:-|–|to|au|/)\s*(?P<d>{_D})\s+(?P<m>{_M})(?:,?\s*(?P<y>{_Y}))?")),
    ("day_month", _pattern(rf"(?P<d>{_D})\s+(?:of\s+)?(?P<m>{_M})(?:,?\s*(?P<y>{_Y}))?")),
    ("month_day", _pattern(rf"(?P<m>{_M})\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?:,\s*|\s+)(?P<y>{_Y})")),
    (
        "month_range",
        _pattern(
            rf"(?:(?:from|between|de|entre)\s+)?{_M}\s*(?:/|-|–|to|or|and|a|au|ou|et)\s*"
            rf"(?P<m>{_M})(?:\s+(?:of\s+|de\s+)?(?P<y>{_Y}))?"
        ),
    ),
    (
        "quarter",
        _pattern(
            rf"(?:[qt](?P<q>[1-4])|(?P<qo>{_ORD})\s+(?:quarter|trimestre))\s*(?:of|de|/|-)?\s*(?P<y>{_Y})"
        ),
    ),
    ("quarter_range", _pattern(rf"[qt][1-4]\s*(?:-|–|/|to|a|au|et|and)\s*[qt](?P<q>[1-4])\s*(?P<y>{_Y})")),
    ("quarter", _pattern(rf"(?P<y>{_Y})\s*[-/ ]?\s*[qt](?P<q>[1-4])")),
    (
        "half",
        _pattern(rf"(?:[hs](?P<h>[12])|(?P<ho>{_ORD})\s+(?:half|semestre))\s*(?:of|de|/|-)?\s*(?P<y>{_Y})"),
    ),
    ("mid_month", _pattern(rf"(?:mid|mi|middle of|milieu de|milieu d')[\s-]*(?P<m>{_M})(?:\s+(?P<y>{_Y}))?")),
    ("mid_year", _pattern(rf"(?:mid|mi|middle of|milieu de|milieu d')[\s-]*(?P<y>{_Y})")),
    ("month", _pattern(rf"(?P<m>{_M})\s+(?:of\s+|de\s+)?(?P<y>{_Y})")),
    (
        "month_noyear",
        _pattern(
            rf"(?:{_END}|{_BY}(?:\s+(?:the\s+)?end\s+of|\s+fin)?)\s+(?:the\s+)?(?:month of\s+|mois de\s+)?"
            rf"(?P<m>{_M})(?!\.?\s*(?:of\s+|de\s+|/|-)?\s*(?:{_Y}|\d))"
        ),
    ),
    (
        "year_noyear",
        _pattern(
            r"(?:(?:by|at|before|until) )?(?:the )?(?:end of (?:the|this) year|year-end|fin (?:de l'|d')annee|fin de cette annee)"
        ),
    ),
    ("year", _pattern(rf"(?:{_END}|{_BY}(?:\s+(?:the\s+)?end\s+of|\s+fin)?)\s*[-\s]?(?P<y>{_Y})")),
    ("year", _pattern(rf"(?P<y>{_Y})\s+year-end")),
]

# Words that make a timeframe recur, or hang on an event; checked on the accent-free text.
RECURRING_WORDS = re.compile(
    r"\b(?:semi-annual\w*|bi-annual\w*|biannual\w*|annual\w*|yearly|quarterly|monthly|weekly|"
    r"every|each (?:year|month|quarter)|ongoing|on-going|continuous\w*|regular\w*|recurring|routine|"
    r"semestriel\w*|annuel\w*|trimestriel\w*|mensuel\w*|chaque|tous les|toutes les|en continu|"
    r"permanent\w*|continu\w*|regulier\w*|periodique\w*)\b",
    re.IGNORECASE,
)
EVENT_WORDS = re.compile(
    r"\b(?:after|post|following|upon|once|when|pending|subject to|depending on|depends on|"
    r"conditional|prior to|ahead of|in time for|at the time of|as soon as|"
    r"meeting|summit|conference|session|workshop|launch|endorsement of|adoption of|approval of|"
    r"apres|suite a|a la suite|des que|lors d\w*|en fonction|sous reserve|une fois|"
    r"reunion|sommet|atelier|lancement|adoption d\w*|approbation d\w*)\b",
    re.IGNORECASE,
)
# "after 31 March": a start, not a deadline.
AFTER_DATE = re.compile(
    r"(?:after|post|from|starting|as of|apres|a partir d\w*|des le|des)\s*$", re.IGNORECASE
)
SEPARATOR = re.compile(r"[;\n•·]+")
LEADING = re.compile(
    r"^[\s,;:.()\[\]–—-]*(?:and|then|et|puis)?[\s,;:()\[\]–—-]*",
    re.IGNORECASE,
)
TRAILING = re.compile(
    r"[\s,;:(\[–—-]*(?:(?:by|at|in|on|to|until|before|no later than|d'ici|d'ici a|au plus tard|avant|le|en|"
    r"pour|d'ici la|vers|around|approx\.?|approximately|the|fin|end|end of)\s*)*[\s,;:(\[–—-]*$",
    re.IGNORECASE,
)


def folded(text: str) -> str:
    """Lower case without accents, one character per character, so positions carry over."""
    if text.isascii():  # most plans: str.lower keeps one character per character in ASCII
        return text.lower()
    return "".join(map(_folded_char, text)).replace("’", "'")


@functools.cache
def _folded_char(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)[:1] or char
    return base.lower() if len(base.lower()) == 1 else char


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    kind: str
    groups: dict[str, str | None]


def _matches(text: str) -> list[_Match]:
    candidates = [
        _Match(m.start(), m.end(), kind, m.groupdict())
        for kind, pattern in PATTERNS
        for m in pattern.finditer(text)
    ]
    # The longest reading wins ("in March/April 2016" is a range, not "in March"), then by position.
    candidates.sort(key=lambda m: (-(m.end - m.start), m.start))
    chosen: list[_Match] = []
    for candidate in candidates:
        if all(candidate.end <= other.start or candidate.start >= other.end for other in chosen):
            chosen.append(candidate)
    return sorted(chosen, key=lambda m: m.start)


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    year = int(raw)
    return year + 2000 if year < 100 else year


def _month(raw: str | None) -> int | None:
    return MONTHS.get(raw.rstrip(".").lower()) if raw else None


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _day(raw: str) -> int:
    return int(re.match(r"\d+", raw).group())  # type: ignore[union-attr]


def _resolve(match: _Match, year: int | None) -> tuple[dt.date | None, str]:
    """The due date a match names (None when it names no real date) and its flag."""
    g = match.groups
    kind = match.kind
    try:
        if kind in ("iso", "numeric"):
            return dt.date(_year(g["y"]), int(g["m"]), int(g["d"])), DATED  # type: ignore[arg-type]
        if kind in ("day_month", "month_day", "day_range"):
            month = _month(g["m"])
            flag = RANGE if kind == "day_range" else DATED
            return (dt.date(year, month, _day(g["d"])) if year and month else None), flag  # type: ignore[arg-type]
        if kind in ("month", "month_noyear", "month_range"):
            month = _month(g["m"])
            flag = RANGE if kind == "month_range" else PERIOD
            return (_last_day(year, month) if year and month else None), flag
        if kind == "mid_month":
            month = _month(g["m"])
            return (dt.date(year, month, 15) if year and month else None), PERIOD
        if kind in ("quarter", "quarter_range"):
            quarter = int(g["q"]) if g.get("q") else ORDINALS[g["qo"].lower()]  # type: ignore[index,union-attr]
            return _last_day(year, quarter * 3), RANGE if kind == "quarter_range" else PERIOD  # type: ignore[arg-type]
        if kind == "half":
            half = int(g["h"]) if g.get("h") else ORDINALS[g["ho"].lower()]  # type: ignore[index,union-attr]
            if half > 2:
                return None, UNDATED
            return _last_day(year, half * 6), PERIOD  # type: ignore[arg-type]
        if kind == "mid_year":
            return dt.date(year, 6, 30), PERIOD  # type: ignore[arg-type]
        if kind in ("year", "year_noyear"):
            return (dt.date(year, 12, 31) if year else None), PERIOD
    except ValueError:  # 31 February, month 13
        return None, UNDATED
    raise AssertionError(kind)


def _clean_title(text: str) -> str:
    text = LEADING.sub("", text)
    text = TRAILING.sub("", text)
    text = text.strip(" ,;:.()[]–—-")
    return re.sub(r"\s+", " ", text)


def _pieces(text: str) -> list[tuple[str, _Match | None]]:
    """Cut the text into components, one per date, keeping trailing words that recur or hang on an
    event as a component of their own."""
    pieces: list[tuple[str, _Match | None]] = []
    for part in SEPARATOR.split(text):
        if not part.strip():
            continue
        low = folded(part)
        matches = _matches(low)
        cut = 0
        for match in matches:
            pieces.append((part[cut : match.end], _shift(match, -cut)))
            cut = match.end
        rest = part[cut:]
        if rest.strip(" ,;:.()[]–—-"):
            rest_low = folded(rest)
            marked = RECURRING_WORDS.search(rest_low) or EVENT_WORDS.search(rest_low)
            aside = rest.strip().startswith("(")  # "December 2016 (pending funding)": a remark on the date
            if matches and (aside or not marked):
                last_text, last_match = pieces[-1]
                pieces[-1] = (last_text + rest, last_match)
            else:
                pieces.append((rest, None))
    return pieces


def _shift(match: _Match, by: int) -> _Match:
    return _Match(match.start + by, match.end + by, match.kind, match.groups)


def parse_timeframes(text: str | None, reference: dt.date | None = None) -> list[ParsedMilestone]:
    """Zero or more milestones of one timeframe text; an empty text gives none."""
    if text is None or not str(text).strip():
        return []
    return list(_parsed_timeframes(str(text).strip(), reference))


@functools.lru_cache(maxsize=8192)
def _parsed_timeframes(text: str, reference: dt.date | None) -> tuple[ParsedMilestone, ...]:
    """Plans repeat their timeframes ("by end of 2026" on many rows): each text is parsed once per
    reference date (the milestones are frozen, so sharing them is safe)."""
    pieces = _pieces(text)
    years = [_year(m.groups.get("y")) if m else None for _, m in pieces]
    return tuple(
        _milestone(piece, match, years, index, reference) for index, (piece, match) in enumerate(pieces)
    )


def _milestone(
    piece: str, match: _Match | None, years: list[int | None], index: int, reference: dt.date | None
) -> ParsedMilestone:
    low = folded(piece)
    recurring = bool(RECURRING_WORDS.search(low))
    if match is None:
        flag = RECURRING if recurring else EVENT if EVENT_WORDS.search(low) else UNDATED
        return ParsedMilestone(_clean_title(piece), None, (flag,), piece.strip(" ,;"))
    title = _clean_title(piece[: match.start] + piece[match.end :])
    written = piece.strip(" ,;")
    if AFTER_DATE.search(low[: match.start]) and not recurring:
        return ParsedMilestone(_clean_title(piece), None, (EVENT,), written)
    year, flags = years[index], []
    if year is None:
        later = next((y for y in years[index + 1 :] if y is not None), None)
        if later is not None:
            year, flags = later, [YEAR_FROM_TEXT]
        elif reference is not None:
            year, flags = reference.year, [YEAR_FROM_REFERENCE]
    due, flag = _resolve(match, year)
    if due is None or not dt.date(2000, 1, 1) <= due <= dt.date(2100, 12, 31):
        return ParsedMilestone(title, None, (RECURRING if recurring else UNDATED,), written)
    flags = [f for f in (flag, *flags, RECURRING if recurring else DATED) if f != DATED]
    return ParsedMilestone(title, due, tuple(dict.fromkeys(flags)), written)
