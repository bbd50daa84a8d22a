"""What several commands share: settings from the environment, options, a progress bar."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from workbench.ingest import FieldMap
from workbench.quality.chain import Voting
from workbench.settings import Settings

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def settings(**overrides: Any) -> Settings:
    """Settings from the environment and .env, with command-line options on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def export_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--export", "export", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A Label Studio JSON export to read (default: the latest pull).")(function)


def field_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """--id-field, --text-field ... for JSON Lines, JSON and CSV inputs."""
    for name in reversed(FieldMap.model_fields):
        default = ", ".join(FieldMap.model_fields[name].default)
        function = click.option(
            f"--{name}-field", f"{name}_field", metavar="NAME",
            help=f"Field holding the article's {name} in JSONL/CSV input "
                 f"(default: first of {default}).")(function)
    return function


def field_map(options: dict[str, str | None]) -> FieldMap:
    chosen = {name: options.get(f"{name}_field") for name in FieldMap.model_fields}
    return FieldMap.model_validate({name: (field,) for name, field in chosen.items() if field})


def voting_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """--aggregate, --min-agree and --min-annotators, given to the command as one ``voting``
    (the settings' rule, these on top)."""
    @functools.wraps(function)
    def wrapper(*args: Any, min_agree: int | None, min_annotators: int,
                aggregate: str | None, **kwargs: Any) -> Any:
        return function(*args, voting=Voting.of(settings(), min_agree=min_agree,
                                                min_annotators=min_annotators,
                                                aggregate=aggregate), **kwargs)

    with_aggregate = click.option(
        "--aggregate", type=click.Choice(["auto", "majority", "dawid-skene"]), default=None,
        help="How votes become gold (default: $WORKBENCH_AGGREGATE or auto: a model of the "
             "annotators' reliability where there is enough overlap, else majority).")(wrapper)
    with_annotators = click.option(
        "--min-annotators", type=click.IntRange(1), default=2, show_default=True,
        help="Usable annotations an article needs before it is voted on.")(with_aggregate)
    return click.option("--min-agree", type=click.IntRange(1), default=None, metavar="K",
                        help="Annotators who must agree for a value to be accepted "
                             "(default: a strict majority of the article's annotators).")(
        with_annotators)


class Progress:
    """A progress bar on stderr, opened at the library's first report, off with --silent."""

    def __init__(self, label: str, *, silent: bool):
        self.label, self.silent = label, silent
        self.bar: Any = None

    def __call__(self, advanced: int, total: int) -> None:
        if self.silent or total == 0:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(advanced)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
