"""A long run of random network faults between a window and a real server process (outside the default
test run): `python -m tests.bench.faults --rounds 200 [--database sqlite|postgresql] [--seed N]`.

Prints the seed first (CLERK_FAULT_SEED or --seed replays it), then a summary: rounds, faults injected by
kind, cases accepted and events synced, and whether the window and the server ended identical. Exit 1
when they did not. PostgreSQL: 127.0.0.1:5432, user postgres, database test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import keyring

from tests.conftest import MemoryKeyring
from tests.fault_rounds import draw_seed, replay_hint, run_fault_rounds
from tests.helpers import open_demo_workspace
from tests.sync_harness import server_for


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.faults", description=__doc__)
    parser.add_argument("--rounds", type=int, default=200, help="fault rounds (default 200)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--seed", type=int, default=None, help="replay this seed (default: CLERK_FAULT_SEED or new)"
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else draw_seed()
    print(replay_hint(seed), flush=True)
    keyring.set_keyring(MemoryKeyring())
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="clerk-faults-") as folder:
        servers = server_for(args.database, Path(folder))
        server = next(servers)
        try:
            workspace = open_demo_workspace(Path(folder) / "window")
            try:
                run = run_fault_rounds(workspace, server, seed=seed, rounds=args.rounds, progress=True)
            finally:
                workspace.close()
        finally:
            servers.close()
    print(f"server database {args.database}; {time.perf_counter() - started:.0f} s")
    print(run.summary())
    return 0 if run.identical else 1


if __name__ == "__main__":
    sys.exit(main())
