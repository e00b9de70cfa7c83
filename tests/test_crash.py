"""Kill -9 a process in the middle of writing: the database holds whole cases or none of them.

The moment of the kill is a point in the writing, not in time: the process stops itself before its N-th SQL
statement (N drawn from the test's seed), says so, and is killed there. Every such point is reached on a
slow machine as on a fast one, and a seed names the same point again.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.case_number import parse_case_number
from app.catalog import parse_catalog
from app.catalog_store import demo_catalog_bytes
from app.workspace import open_workspace
from db.models import Case, CaseEvent, CaseFinding, CaseMaterial, CaseSerial
from db.store import integrity_problems
from tests.helpers import open_demo_workspace

ROOT = Path(__file__).resolve().parent.parent

# Every SQL statement of the process is counted; before statement number `stop_at` it says "stopped" and
# waits to be killed.
KILL_POINT = """
import threading
from sqlalchemy import event
from sqlalchemy.engine import Engine

statements = 0
stop_at = None

@event.listens_for(Engine, "before_cursor_execute")
def _kill_point(*args):
    global statements
    statements += 1
    if statements == stop_at:
        print("stopped", statements, flush=True)
        threading.Event().wait()
"""

ACCEPT_FOREVER = (
    KILL_POINT
    + """
import json, random, sys
from pathlib import Path
from app.intake import parse_request
from app.workspace import open_workspace
from tests.helpers import PLANNING, request_json

committed, seed = int(sys.argv[2]), int(sys.argv[3])
ws = open_workspace(Path(sys.argv[1]))
counter = ws.counter("demo")
data = request_json(ws.catalog.item(PLANNING))
print("materials", len(data["materials"]), flush=True)
cases = 0
while True:
    before = statements
    number = ws.acceptance.accept(parse_request(data), counter=counter)
    print(number, flush=True)
    cases += 1
    if cases == committed:  # stop at a statement of the next case, or just after its commit
        stop_at = statements + random.Random(seed).randint(1, statements - before + 1)
"""
)

OPEN_ONLY = (
    KILL_POINT
    + """
import sys
from pathlib import Path
from tests.helpers import open_demo_workspace
stop_at = int(sys.argv[2]) or None
open_demo_workspace(Path(sys.argv[1])).close()
print("opened", statements, flush=True)
"""
)


def start(script: str, home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, str(home), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when_stopped(process: subprocess.Popen[str]) -> None:
    """Wait for the process to reach its kill point, then kill it there."""
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("stopped"), line + (process.stderr.read() if process.stderr else "")
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)


def kill_after(process: subprocess.Popen[str], committed: int) -> tuple[list[str], int]:
    """Read `committed` printed case numbers, then kill at the point of the next writes the process
    stops at (drawn from the seed it was given)."""
    assert process.stdout is not None
    header = process.stdout.readline().split()
    assert header and header[0] == "materials", process.stderr.read() if process.stderr else ""
    numbers = [process.stdout.readline().strip() for _ in range(committed)]
    kill_when_stopped(process)
    return numbers, int(header[1])


def assert_consistent(home: Path, *, printed: list[str], materials_per_case: int) -> int:
    ws = open_workspace(home)
    try:
        assert integrity_problems(ws.store) == []
        with ws.store.read() as s:
            numbers = set(s.scalars(select(Case.number)).all())
            per_case_materials = dict(
                s.execute(
                    select(Case.number, func.count(CaseMaterial.id)).join(CaseMaterial).group_by(Case.number)
                ).all()
            )
            per_case_findings = dict(
                s.execute(
                    select(Case.number, func.count(CaseFinding.id)).join(CaseFinding).group_by(Case.number)
                ).all()
            )
            events = s.execute(
                select(CaseEvent.case_number, func.count()).group_by(CaseEvent.case_number)
            ).all()
            last_serials = {row.day: row.last_serial for row in s.scalars(select(CaseSerial)).all()}
        assert set(printed) <= numbers  # whatever was reported saved is saved
        assert all(per_case_materials.get(n) == materials_per_case for n in numbers)
        assert all(per_case_findings.get(n, 0) > 0 for n in numbers)
        assert dict(events) == {n: 1 for n in numbers}  # one outbox event per case, none orphaned
        serials = sorted(parse_case_number(n).serial for n in numbers)
        assert serials == list(range(1, len(serials) + 1))  # no gap, no duplicate
        assert sum(last_serials.values()) == len(numbers)
        return len(numbers)
    finally:
        ws.close()


@pytest.mark.slow
def test_kill_during_acceptance_leaves_whole_cases(home: Path) -> None:
    rng = random.Random(20261121)
    open_demo_workspace(home).close()
    total = 0
    for _ in range(6):
        committed = rng.randint(3, 25)
        process = start(ACCEPT_FOREVER, home, str(committed), str(rng.randrange(2**32)))
        printed, per_case = kill_after(process, committed)
        assert process.returncode == -signal.SIGKILL
        total = assert_consistent(home, printed=printed, materials_per_case=per_case)
    assert total >= 18


@pytest.mark.slow
def test_kill_during_first_start_recovers(tmp_path: Path) -> None:
    rng = random.Random(7)
    counting = start(OPEN_ONLY, tmp_path / "counted", "0")  # a whole first start: how many statements
    out, err = counting.communicate(timeout=120)
    assert counting.returncode == 0 and out.startswith("opened"), err
    statements = int(out.split()[1])
    for round_ in range(5):
        home = tmp_path / f"home{round_}"
        process = start(OPEN_ONLY, home, str(rng.randint(1, statements)))
        kill_when_stopped(process)  # somewhere in migration or catalog load
        ws = open_demo_workspace(home)
        try:
            assert integrity_problems(ws.store) == []
            assert len(ws.catalog) == len(parse_catalog(demo_catalog_bytes()).items)
            assert ws.catalog.item(ws.catalog.codes()[-1]) is not None
        finally:
            ws.close()
