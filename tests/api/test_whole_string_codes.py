"""A code, key or address is checked as a whole string: Python's `$` also matches before a final
newline, so "2027-H1\\n" passed a `^…$` pattern checked with `re.match` (or msgspec's search)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.schemas import whole
from models import evidence_files
from models.errors import UserError
from models.services.cycles import period_of
from tests.api.support import SECRETARIAT, row_count

KEY = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("path", "body", "table"),
    [
        ("/api/cycles", {"name": "2027-H1\n"}, "cycle"),
        ("/api/organizations", {"name": "Newline", "acronym": "NWL\n", "org_type": "ngo"}, "organization"),
        ("/api/areas", {"key": "newline\n", "name": "Newline"}, "area"),
    ],
)
async def test_a_code_with_a_trailing_newline_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, path: str, body: dict[str, Any], table: str
) -> None:
    headers = await sign_in(SECRETARIAT)
    before = await row_count(table)
    refused = await client.post(path, json=body, headers=headers)
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"] and await row_count(table) == before
    # Without the newline the same body is taken: the test can fail.
    clean = {k: v.strip() for k, v in body.items()}
    assert (await client.post(path, json=clean, headers=headers)).status_code == 201


def test_a_cycle_name_with_a_trailing_newline_has_no_period() -> None:
    assert period_of("2027-H1") == (dt.date(2027, 1, 1), dt.date(2027, 6, 30))
    with pytest.raises(UserError, match="named like 2025-H1"):
        period_of("2027-H1\n")


def test_an_evidence_file_key_is_whole_or_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence_files, "upload_dir", lambda engine=None: tmp_path)
    assert evidence_files.file_path(KEY) == tmp_path / KEY
    for key in (KEY + "\n", KEY + "\n../x", "../" + KEY, KEY.upper()):
        with pytest.raises(ValueError, match="not a stored file key"):
            evidence_files.file_path(key)
    (tmp_path / KEY).write_bytes(b"kept")
    (tmp_path / (KEY + "\n")).write_bytes(b"stray")
    assert evidence_files.stored_files() == [tmp_path / KEY]


def patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in patterns(value)]
    return []


async def test_the_documented_patterns_match_whole_strings_only(client: httpx.AsyncClient) -> None:
    # The OpenAPI document carries the same patterns; `(?![\s\S])` is the end of the string in the
    # JSON Schema's ECMA dialect too, where `\Z` would mean a letter Z.
    found = patterns((await client.get("/schema/openapi.json")).json())
    assert len(set(found)) >= 3, found
    for pattern in found:
        assert pattern.startswith("^(?:") and pattern.endswith(r"(?![\s\S])"), pattern
    assert re.search(whole(r"\d{4}-H[12]"), "2027-H1") and not re.search(whole(r"\d{4}-H[12]"), "2027-H1\n")
