"""A form's `next` leads only to a path on this site: browsers drop tabs and line breaks from a URL,
so "/<tab>/evil.example" would become the scheme-relative "//evil.example"."""

from __future__ import annotations

import pytest

from api.pages.login import safe_next


@pytest.mark.parametrize(
    "given",
    [
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "/\r/evil.example",
        "/\n/evil.example",
        "https://evil.example",
        "/\x00/evil.example",
    ],
)
def test_a_next_that_could_leave_the_site_goes_home(given: str) -> None:
    assert safe_next(given) == "/"


def test_a_path_on_this_site_is_kept() -> None:
    assert safe_next("/admin/evidence?page=2#e-3") == "/admin/evidence?page=2#e-3"
