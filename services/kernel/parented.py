"""`python -m kernel.parented PID COMMAND...`: run COMMAND so that it gets SIGTERM when the
process PID (the one that started it) dies, even by SIGKILL.

The death signal is set here and survives `exec`, so no Python code runs between fork and
exec in the starting process. That matters: a `preexec_fn` makes subprocess fork with the
parent's gRPC fork handlers, whose restarted poller can crash the child before its exec when
the parent holds live channels (grpc/grpc#43055, grpcio >= 1.80); without one, CPython spawns
by vfork and runs none of them.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def main(argv: list[str]) -> None:
    parent, command = int(argv[0]), argv[1:]
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the signal was set: nobody would send it
        sys.exit(1)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
