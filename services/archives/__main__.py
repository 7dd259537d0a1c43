"""`python -m archives`: run the archives service until SIGTERM or Ctrl-C."""

from __future__ import annotations

from archives.bootstrap import build, registrations
from contracts.endpoints import SuiteSettings
from kernel.launch import serve


def main() -> None:
    serve(build, registrations, SuiteSettings())


if __name__ == "__main__":
    main()
