"""Kill -9 a process in the middle of writing: the database holds whole cases or none of them."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
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

ACCEPT_FOREVER = """
import json, sys
from pathlib import Path
from app.intake import parse_request
from app.workspace import open_workspace
from tests.helpers import PLANNING, request_json

ws = open_workspace(Path(sys.argv[1]))
counter = ws.counter()
data = request_json(ws.catalog.item(PLANNING))
print("materials", len(data["materials"]), flush=True)
while True:
    number = ws.acceptance.accept(parse_request(data), counter=counter)
    print(number, flush=True)
"""

OPEN_ONLY = """
import sys
from pathlib import Path
from tests.helpers import open_demo_workspace
open_demo_workspace(Path(sys.argv[1])).close()
print("opened", flush=True)
"""


def start(script: str, home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, str(home)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_after(process: subprocess.Popen[str], committed: int, rng: random.Random) -> tuple[list[str], int]:
    """Read `committed` printed case numbers, then kill at a random moment of the next writes."""
    assert process.stdout is not None
    header = process.stdout.readline().split()
    assert header[0] == "materials", process.stderr.read() if process.stderr else ""
    numbers = [process.stdout.readline().strip() for _ in range(committed)]
    time.sleep(rng.uniform(0, 0.03))
    process.send_signal(signal.SIGKILL)
    rest, _ = process.communicate(timeout=30)
    return numbers + [line for line in rest.splitlines() if line.strip()], int(header[1])


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
        process = start(ACCEPT_FOREVER, home)
        printed, per_case = kill_after(process, rng.randint(3, 25), rng)
        assert process.returncode == -signal.SIGKILL
        total = assert_consistent(home, printed=printed, materials_per_case=per_case)
    assert total >= 18


@pytest.mark.slow
def test_kill_during_first_start_recovers(tmp_path: Path) -> None:
    rng = random.Random(7)
    for round_ in range(5):
        home = tmp_path / f"home{round_}"
        process = start(OPEN_ONLY, home)
        time.sleep(rng.uniform(0.15, 0.9))  # somewhere in migration or catalog load
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
        ws = open_demo_workspace(home)
        try:
            assert integrity_problems(ws.store) == []
            assert len(ws.catalog) == len(parse_catalog(demo_catalog_bytes()).items)
            assert ws.catalog.item(ws.catalog.codes()[-1]) is not None
        finally:
            ws.close()
