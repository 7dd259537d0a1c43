"""`python -m pledges`: run the pledges service until SIGTERM or Ctrl-C."""

from __future__ import annotations

from contracts.endpoints import SuiteSettings
from kernel.launch import serve
from pledges.bootstrap import build, registrations


def main() -> None:
    serve(build, registrations, SuiteSettings())


if __name__ == "__main__":
    main()
