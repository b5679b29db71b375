"""Catalogs for the language tests: the real locale/<lang> catalog where it exists, else a
pseudo-translation of locale/messages.pot (every letter accented, placeholders and markup kept), so
that a page, email or export that shows an English message is caught before the real catalog lands."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from models import words

TRANSLATED = ("fr", "es", "ar")
# What a translation must keep as written: placeholders, markup, entities.
KEPT = re.compile(r"%\([^)]*\)[sdif]|%%|<[^>]*>|&[#\w]+;|\{[^}]*\}")
ACCENTED = str.maketrans("aeiouAEIOUcnCN", "áéíóúÁÉÍÓÚçñÇÑ")


def pseudo(text: str) -> str:
    """`text` with its letters accented, its placeholders and tags untouched."""
    parts, last = [], 0
    for kept in KEPT.finditer(text):
        parts.append(text[last : kept.start()].translate(ACCENTED))
        parts.append(kept.group())
        last = kept.end()
    parts.append(text[last:].translate(ACCENTED))
    return "".join(parts)


def template() -> Catalog:
    with (words.LOCALE_DIR / "messages.pot").open("rb") as source:
        return read_po(source)


def pseudo_catalog(locale: str) -> Catalog:
    catalog = Catalog(locale=locale, domain=words.DOMAIN)
    for message in template():
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id
            strings = (pseudo(singular), *[pseudo(plural)] * (catalog.num_plurals - 1))
            catalog.add(message.id, strings, flags=message.flags, context=message.context)
        else:
            catalog.add(message.id, pseudo(message.id), flags=message.flags, context=message.context)
    return catalog


def language_folder(root: Path) -> Path:
    """A locale folder holding the template, English, and fr, es, ar: real where committed, pseudo
    otherwise."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(words.LOCALE_DIR / "messages.pot", root / "messages.pot")
    for code in ("en", *TRANSLATED):
        real = words.LOCALE_DIR / code / "LC_MESSAGES" / f"{words.DOMAIN}.po"
        target = root / code / "LC_MESSAGES" / f"{words.DOMAIN}.po"
        target.parent.mkdir(parents=True, exist_ok=True)
        if real.is_file():
            shutil.copyfile(real, target)
        else:
            with target.open("wb") as po:
                write_po(po, pseudo_catalog(code))
    return root
