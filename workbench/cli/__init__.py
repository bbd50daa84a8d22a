"""The ``workbench`` command: each command a thin wrapper over one library call.

Commands live by group (``project``: schema and ingest; ``quality``; ``gold``;
``studio``: everything that talks to Label Studio), their output in ``output``.
"""

from __future__ import annotations

import click

from workbench.cli import gold, project, quality, studio
from workbench.errors import WorkbenchError


class _Group(click.Group):
    """Turns library errors into ``Error: ...`` and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WorkbenchError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=_Group)
@click.version_option(package_name="workbench")
def cli() -> None:
    """Turn news articles into a versioned gold dataset through Label Studio.

    \b
    Example:
        workbench ingest seeds/
    """


for module in (project, studio, quality, gold):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli(prog_name="workbench")
