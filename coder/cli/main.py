"""The ``coder`` command: the group every command module registers with.

Each command lives in the module of its group (:mod:`~coder.cli.project`,
:mod:`~coder.cli.codings`, :mod:`~coder.cli.tables`, :mod:`~coder.cli.agreement`,
:mod:`~coder.cli.reconcile`, :mod:`~coder.cli.codebook`, :mod:`~coder.cli.suggest`,
:mod:`~coder.cli.studio`, :mod:`~coder.cli.demo`, :mod:`~coder.cli.qdpx`): it parses its
arguments, calls the library and renders the result; :mod:`~coder.cli.common` turns coder's
exceptions into a clean message on stderr and a non-zero exit code. No logic lives here.
"""

from __future__ import annotations

import click

from coder.cli import (
    agreement,
    codebook,
    codings,
    demo,
    project,
    qdpx,
    reconcile,
    studio,
    suggest,
    tables,
)


@click.group()
@click.version_option(package_name="coder")
def main() -> None:
    """coder: thematic coding of crowdsourced contributions, with vote-weighted crosstabs.

    Start with `coder demo --out demo` to see the whole job on the bundled example workshop.
    """


_MODULES = (project, codings, tables, agreement, reconcile, codebook, suggest, studio, demo, qdpx)
for _module in _MODULES:
    for _command in _module.COMMANDS:
        main.add_command(_command)
