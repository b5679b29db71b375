"""Every translated catalog is complete (docs/design.md "Languages"): each msgid of
locale/messages.pot has a translation in locale/<lang>, none is fuzzy, and each keeps exactly the
placeholders of its msgid. A language whose catalog is not in the repository yet is skipped."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from models import words
from tests.catalogs import TRANSLATED, template

PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif]")


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalog_translates_every_message(language: str) -> None:
    check_catalog(language)


def check_catalog(language: str) -> None:
    po_file = words.LOCALE_DIR / language / "LC_MESSAGES" / f"{words.DOMAIN}.po"
    if not po_file.is_file():
        pytest.skip(f"no {language} catalog yet")
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=language)
    problems = []
    for wanted in template():
        if not wanted.id:
            continue
        message = catalog.get(wanted.id, context=wanted.context)
        key = wanted.id[0] if isinstance(wanted.id, tuple) else wanted.id
        if message is None:
            problems.append(f"missing: {key!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {key!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        else:
            # An "one" form may name the count in words; every other form keeps the msgid's names.
            expected = placeholders(wanted.id[-1] if isinstance(wanted.id, tuple) else wanted.id)
            for string in strings:
                found = placeholders(string)
                if set(found) - set(expected) or (len(strings) == 1 and found != expected):
                    problems.append(f"placeholders differ: {key!r} -> {string!r}")
    assert not problems, f"{len(problems)} problems in {language}:\n" + "\n".join(problems[:40])


def test_the_pseudo_catalogs_of_the_other_tests_would_pass_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from babel.messages.pofile import write_po

    from tests.catalogs import pseudo, pseudo_catalog

    assert pseudo("Hello %(name)s, <b>open</b> &amp; {x}") == "Hélló %(name)s, <b>ópéñ</b> &amp; {x}"
    (tmp_path / "messages.pot").write_bytes((words.LOCALE_DIR / "messages.pot").read_bytes())
    for language in TRANSLATED:
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / "messages.po").open("wb") as po:
            write_po(po, pseudo_catalog(language))
    monkeypatch.setattr(words, "LOCALE_DIR", tmp_path)
    for language in TRANSLATED:
        check_catalog(language)
