"""Run a command under cProfile, switched on and off by SIGUSR1 (so start-up is left out); the profile is
written when the command exits.

    .venv/bin/python bench/profiled.py OUT.prof .venv/bin/tamin-bot worker --tasks 16
"""

from __future__ import annotations

import atexit
import cProfile
import runpy
import signal
import sys


def main() -> None:
    out, script = sys.argv[1], sys.argv[2]
    sys.argv = sys.argv[2:]
    prof, on = cProfile.Profile(), [False]

    def toggle(*_: object) -> None:
        if on[0]:
            prof.disable()
        else:
            prof.enable()
        on[0] = not on[0]

    def dump() -> None:
        prof.disable()
        prof.dump_stats(out)

    signal.signal(signal.SIGUSR1, toggle)
    atexit.register(dump)
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
