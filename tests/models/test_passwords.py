"""Password hashing: the app hashes with production argon2id parameters; only the suite goes cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest
from argon2 import PasswordHasher, extract_parameters

from models import passwords
from tests.conftest import REPO


@pytest.mark.slow  # a fresh interpreter hashing with the production parameters
def test_the_app_hashes_with_the_production_parameters() -> None:
    # A fresh interpreter, as a server starts: nothing there lowers the parameters.
    script = (
        "from models import passwords; from argon2 import extract_parameters\n"
        "for h in (passwords.hash_password('a long password'), passwords.prepare_dummy_hash()):\n"
        "    p = extract_parameters(h); print(p.time_cost, p.memory_cost, p.parallelism)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=str(REPO), check=True
    ).stdout.splitlines()
    default = PasswordHasher()
    # The hash an unknown email is verified against too, so that it costs what a real account does.
    assert len(out) == 2
    for line in out:
        assert [int(x) for x in line.split()] == [default.time_cost, default.memory_cost, default.parallelism]
    assert passwords.PRODUCTION_HASHER.memory_cost >= 65536 and passwords.PRODUCTION_HASHER.time_cost >= 3


def test_hashes_of_either_kind_verify() -> None:
    production = passwords.PRODUCTION_HASHER.hash("a long password")
    cheap = passwords.hash_password("a long password")
    assert extract_parameters(cheap).memory_cost < extract_parameters(production).memory_cost
    assert passwords.verify_password(production, "a long password")
    assert passwords.verify_password(cheap, "a long password")
    assert not passwords.verify_password(cheap, "another password")
    assert not passwords.verify_password("", "a long password")
