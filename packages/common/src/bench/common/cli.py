"""The ``bench`` command host.

Command groups come from the installed subpackages through the entry-point group
``bench.commands`` (``pip install bench-agents`` adds ``bench agents``). A group whose
distribution is not installed still appears by name and answers with a one-line install
hint, so a user learns what to install rather than seeing "No such command".

Expected failures end in one line, not a traceback: a missing or unreadable file
(``OSError``), bad input (``ValueError``), a server that is down or failing, a damaged
file (:class:`bench.common.errors.BenchError`, ``httpx.HTTPError``, ``sqlite3.Error``)
print ``bench: error: MESSAGE`` on stderr and exit with status 2; the message names
what failed and how to fix it. Anything else is a bug and keeps its traceback. Set
``BENCH_DEBUG=1`` to see the traceback of an expected failure too.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import EntryPoint, entry_points
from typing import IO, Any

import click

from bench.common import __version__
from bench.common.errors import BenchError
from bench.common.lazy_group import LazyGroup

ENTRY_POINT_GROUP = "bench.commands"

# Command groups that bench knows about, and the distribution that provides each.
KNOWN_GROUPS: dict[str, str] = {
    "personas": "bench-personas",
    "agents": "bench-agents",
}


# bench.common's own commands, "module:attribute", imported only when used (fast --help).
COMMANDS: dict[str, str] = {
    "report": "bench.common.report.cli:report_command",
}


def _installed_groups() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


class _MissingGroup(click.Command):
    """Stands in for a group whose distribution is not installed: it only explains."""

    def __init__(self, name: str, distribution: str):
        super().__init__(
            name,
            help=f"(not installed: pip install {distribution})",
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
            add_help_option=False,
        )
        self.distribution = distribution

    def invoke(self, ctx: click.Context) -> None:
        click.echo(
            f"bench {self.name}: the '{self.name}' commands come with the distribution "
            f"'{self.distribution}', which is not installed; install it with "
            f"`pip install packages/{self.name}` (from a checkout) or `pip install {self.distribution}`.",
            err=True,
        )
        ctx.exit(2)


DEBUG_ENV = "BENCH_DEBUG"


class ExpectedFailure(click.ClickException):
    """An expected failure, shown as ``bench: error: MESSAGE`` (exit status 2)."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"bench: error: {self.message}", err=True, file=file)


def _expected_types() -> tuple[type[BaseException], ...]:
    """The exception types that mean "the world is not as the command needs", not a bug.
    Libraries imported on demand are looked up only when already loaded (a command that
    never imported httpx cannot raise its errors)."""
    types: list[type[BaseException]] = [OSError, ValueError, BenchError]
    for module, name in (("httpx", "HTTPError"), ("sqlite3", "Error")):
        loaded = sys.modules.get(module)
        if loaded is not None:
            types.append(getattr(loaded, name))
    return tuple(types)


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (its lines joined with "; "). An operating
    system error in its bare form ("[Errno 13] Permission denied: 'x'") gets a hint."""
    if isinstance(exc, OSError) and exc.errno is not None and exc.strerror:
        files = " -> ".join(repr(os.fspath(f)) for f in (exc.filename, exc.filename2) if f)
        where = f" ({files})" if files else ""
        return f"{exc.strerror}{where}; check the path, its permissions and the free space"
    lines = [line.strip().rstrip(";") for line in str(exc).splitlines() if line.strip()]
    return "; ".join(lines) or type(exc).__name__


class BenchGroup(LazyGroup):
    """Top level: common's own commands (lazy) plus subpackage groups from entry points."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx)) | set(KNOWN_GROUPS) | set(_installed_groups())
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        installed = _installed_groups()
        if cmd_name in installed:
            return installed[cmd_name].load()
        if cmd_name in KNOWN_GROUPS:
            return _MissingGroup(cmd_name, KNOWN_GROUPS[cmd_name])
        return None

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except _expected_types() as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            raise ExpectedFailure(one_line(exc)) from exc


@click.group(
    cls=BenchGroup,
    lazy_subcommands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="bench")
def bench() -> None:
    """bench: virtual survey personas and scalable RL agents, on one core.

    \b
    bench personas ...   Anthology personas: backstories, matching, surveys, metrics
    bench agents ...     RL search, adversarial surprise, GWIL
    bench report ...     benchmark regression report
    """


def main(argv: list[str] | None = None) -> None:
    bench.main(args=argv, prog_name="bench")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
