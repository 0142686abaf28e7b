"""A click group whose subcommands are imported only when used.

``bench --help`` must stay fast and must not import torch, llama.cpp or gymnasium; each
subpackage names its commands as ``"module:attribute"`` strings and this group imports
one only when it is invoked (or when its help line is shown).
"""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """``click.Group`` with ``lazy_subcommands={"name": "pkg.module:command"}``."""

    def __init__(self, *args, lazy_subcommands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = dict(lazy_subcommands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_subcommands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_subcommands:
            return self._load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def _load(self, cmd_name: str) -> click.Command:
        target = self.lazy_subcommands[cmd_name]
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command (lazy subcommand {cmd_name!r})")
        return command
