"""Rounds of work and sync between a window and a real server through a proxy that injects random network
faults (tests/faulty_proxy.py), ending with the window and the server holding the same events.

Each run draws its seed afresh (`draw_seed`), unless `CLERK_FAULT_SEED` names one: a failure says its seed,
and the same seed replays the same faults. Used by `tests/test_sync_e2e.py` (a few rounds in every test
run) and `python -m tests.bench.faults` (a long run, outside the default test run).
"""

from __future__ import annotations

import contextlib
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import create_engine, select, text

from app.intake import parse_request
from app.sync.client import SyncClient, SyncError, credential_key
from app.workspace import Workspace
from db.models import CaseEvent
from tests.faulty_proxy import FaultyProxy
from tests.helpers import PLANNING, SEAL, request_json
from tests.sync_harness import ServerProcess

SEED_ENV = "CLERK_FAULT_SEED"
WEIGHTS = {"pass": 4, "drop": 1, "cut": 2, "duplicate": 2, "slow": 1, "late": 1}
FAULTS = ("drop", "cut", "duplicate", "slow", "late")


def draw_seed() -> int:
    """`CLERK_FAULT_SEED` when set (a replay), else a fresh seed from the system's randomness."""
    given = os.environ.get(SEED_ENV, "").strip()
    if given:
        return int(given)
    return random.SystemRandom().randrange(2**32)


def fault_chooser(seed: int) -> Callable[[], str]:
    """The proxy's choice per request, from `seed`: every other request of the first ten is one of the
    fault kinds, each once in a shuffled order (so a short run sees them all), the rest drawn by WEIGHTS."""
    rng = random.Random(seed)
    forced = list(FAULTS)
    rng.shuffle(forced)
    names, weights = zip(*WEIGHTS.items(), strict=True)
    count = 0

    def choose() -> str:
        nonlocal count
        count += 1
        if forced and count % 2 == 1:
            return forced.pop()
        return rng.choices(names, weights)[0]

    return choose


def replay_hint(seed: int) -> str:
    return f"fault seed {seed}: replay with {SEED_ENV}={seed}"


@dataclass
class FaultRun:
    seed: int
    rounds: int = 0
    accepted: int = 0  # cases accepted at the window during the run
    fates: Counter[str] = field(default_factory=Counter)  # what the proxy did to each request
    failed_rounds: int = 0  # sync rounds a fault interrupted
    server_events: int = 0  # events the server holds at the end
    problems: list[str] = field(default_factory=list)  # empty: identical at the end

    @property
    def identical(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        faults = ", ".join(f"{kind} {self.fates[kind]}" for kind in FAULTS)
        return (
            f"seed {self.seed}\n"
            f"rounds {self.rounds} (sync interrupted by a fault in {self.failed_rounds})\n"
            f"requests {sum(self.fates.values())}: passed {self.fates['pass']}; faults injected: {faults}\n"
            f"cases accepted {self.accepted}; events synced {self.server_events}\n"
            f"identical at the end: {'yes' if self.identical else 'NO: ' + '; '.join(self.problems)}"
        )


def local_event_ids(workspace: Workspace) -> set[str]:
    with workspace.store.read() as session:
        return set(session.scalars(select(CaseEvent.event_id)).all())


def server_event_ids(server: ServerProcess) -> list[str]:
    """Every event the server stored, read straight from its database (duplicates would show)."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(text("SELECT event_id FROM case_event"))]
    finally:
        engine.dispose()


def differences(workspace: Workspace, server: ServerProcess) -> list[str]:
    """What differs between the window and the server (empty: the same events, nothing pending)."""
    stored = server_event_ids(server)
    local = local_event_ids(workspace)
    problems = []
    if len(stored) != len(set(stored)):
        problems.append(f"{len(stored) - len(set(stored))} events stored twice")
    if missing := local - set(stored):
        problems.append(f"{len(missing)} events missing on the server")
    if extra := set(stored) - local:
        problems.append(f"{len(extra)} events on the server unknown to the window")
    if pending := workspace.sync.pending():
        problems.append(f"{pending} events still pending")
    today = workspace.clock.today()
    if not all(d.matches for d in workspace.sync.reconcile(first=today, last=today)):
        problems.append("per-day counts do not reconcile")
    return problems


def run_fault_rounds(
    workspace: Workspace,
    server: ServerProcess,
    *,
    seed: int,
    rounds: int,
    slow_seconds: float = 1.5,
    progress: bool = False,
) -> FaultRun:
    """`rounds` rounds of accepting 0–9 cases and syncing through random faults, then a healed network:
    what happened, and whether the window and the server ended identical. The window must be a demo
    folder (window SZX0103 of hall SZX01) not yet registered."""
    run = FaultRun(seed)
    proxy = FaultyProxy(server.port, choose=fault_chooser(seed), slow_seconds=slow_seconds)
    rng = random.Random(seed ^ 0x5EED)  # the work of each round, apart from the faults' draws
    try:
        workspace.sync.register(server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01"))
        secret = workspace.sync._secrets.get(credential_key(server.url, "SZX0103")) or ""
        workspace.sync._secrets.set(credential_key(proxy.url, "SZX0103"), secret)
        workspace.settings.set("server_url", proxy.url)  # faults apply to sync traffic, not enrolment
        client = SyncClient(
            store=workspace.store,
            settings=workspace.settings,
            secrets=workspace.sync._secrets,
            clock=workspace.clock,
            read_timeout=1.0,
            batch_size=7,
        )
        counter = workspace.counter("demo")
        for number in range(1, rounds + 1):
            item = workspace.catalog.item(rng.choice([SEAL, PLANNING]))
            assert item is not None
            for _ in range(rng.randint(0, 9)):
                workspace.acceptance.accept(parse_request(request_json(item)), counter=counter)
                run.accepted += 1
            try:
                client.sync()
            except SyncError:  # faults are expected here; the next round goes on
                run.failed_rounds += 1
            run.rounds = number
            if progress and number % 20 == 0:
                print(f"  round {number}: {run.accepted} cases, {len(proxy.fates)} requests", flush=True)
        proxy.choose = lambda: "pass"
        for _ in range(5):  # the network heals; a round finishes
            with contextlib.suppress(SyncError):
                client.sync()
                break
            proxy.settle()  # what a fault still holds is over before the next try
        proxy.settle()  # stale requests delivered after newer ones change nothing
        run.fates = Counter(proxy.fates)
        run.server_events = len(server_event_ids(server))
        run.problems = differences(workspace, server)
    finally:
        proxy.close()
    return run
