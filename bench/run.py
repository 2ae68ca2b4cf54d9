"""`make bench`: every benchmark in turn, each writing its figures to bench/results/.

    python -m bench.run [name ...]      # default: all of them, in this order

The whole set takes long on two cores (the routing comparison alone runs every instance at
10 s and 30 s for us and for PyVRP); name the ones you want to run fewer.
"""

from __future__ import annotations

import subprocess
import sys
import time

BENCHMARKS = ("inventory", "ledger", "forecast", "allocate", "vrp", "reach")


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    failed = []
    for name in chosen:
        print(f"== bench.{name}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, "-m", f"bench.{name}"])
        print(f"== bench.{name}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
