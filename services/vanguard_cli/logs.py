"""`vanguard logs NAME [-f]`: a process's log file of `vanguard up`, from
`<data dir>/log/<name>.log` (VANGUARD_DATA_DIR, as the suite itself reads it)."""

from __future__ import annotations

from typing import Annotated

import typer

from kernel.logfiles import clean, follow, log_file
from kernel.supervisor import log_names
from vanguard_cli.output import fail
from vanguard_cli.session import session_of


def logs(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="broker, supervisor or a service's name.")],
    follow_it: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing what is written, until Ctrl-C.")
    ] = False,
) -> None:
    """Print a process's log file (written by `vanguard up`); -f follows it like tail -f."""
    names = log_names()
    if name not in names:
        raise fail(f"no process {name!r}: the logs are of {', '.join(names)}", code=2)
    path = log_file(session_of(ctx).settings.data_dir, name)
    if not path.exists():
        raise fail(f"{path} does not exist yet: `vanguard up` writes it once {name} has started")
    try:
        if follow_it:
            for line in follow(path, stopped=lambda: False):
                print(clean(line), flush=True)
        else:
            with path.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    print(clean(line))
    except KeyboardInterrupt:  # how -f ends
        pass
