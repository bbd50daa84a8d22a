"""Every command and option documents itself, with an example."""

import click
import pytest
from click.testing import CliRunner

from workbench.cli import cli


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


COMMANDS = list(_commands(cli))


def test_there_are_commands():
    assert {path[0] for path, _ in COMMANDS} >= {"ingest", "schema"}


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_has_help_and_an_example(path, command):
    summary = command.get_short_help_str(limit=200)
    assert command.help and summary and not summary.endswith("..."), path
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    if not isinstance(command, click.Group):
        assert "Example" in result.output, f"{' '.join(path)} --help shows no example"
        assert f"workbench {' '.join(path)}" in result.output
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no help"
