"""The README's command-line block and `cop-tracker --help` say the same thing.

Every command and option the code accepts is in the README, and nothing the README shows is
refused: the block is the first thing a newcomer copies from.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])")


def readme_commands() -> dict[str, set[str]]:
    """`cop-tracker WORDS ...` lines of the README's command-line block: command words -> options."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Command line", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block, "README.md: the Command line section has no code block"
    commands: dict[str, set[str]] = {}
    for line in block.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("cop-tracker "):
            continue
        words = []
        for word in line.split()[1:]:
            if not re.fullmatch(r"[a-z]+", word):
                break
            words.append(word)
        commands.setdefault(" ".join(words), set()).update(OPTION.findall(line))
    return commands


def code_commands() -> dict[str, list[list[str]]]:
    """Each leaf command of the parser -> the option strings of each of its options."""
    from api.cli import build_parser

    found: dict[str, list[list[str]]] = {}

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subparsers:
            found[prefix] = [
                a.option_strings
                for a in parser._actions
                if a.option_strings and "--help" not in a.option_strings
            ]
            return
        for name, child in subparsers[0].choices.items():
            walk(child, f"{prefix} {name}".strip())

    walk(build_parser(), "")
    return found


def test_every_command_of_the_code_is_in_the_readme_and_no_other() -> None:
    assert sorted(readme_commands()) == sorted(code_commands())


def test_every_option_of_each_command_is_in_the_readme_and_every_readme_option_is_accepted() -> None:
    readme = readme_commands()
    for command, options in code_commands().items():
        shown = readme.get(command, set())
        accepted = {string for strings in options for string in strings}
        missing = [strings for strings in options if not set(strings) & shown]
        assert not missing, f"README's `cop-tracker {command}` line lacks {missing}"
        assert shown <= accepted, (
            f"README's `cop-tracker {command}` shows {shown - accepted}, which it refuses"
        )


@pytest.mark.slow  # the real command in a subprocess
def test_the_help_lists_the_same_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "api.cli", "--help"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert out.returncode == 0, out.stderr
    listed = set(re.findall(r"^    ([a-z]+)\s", out.stdout, re.M))
    assert listed == {command.split()[0] for command in readme_commands()}
