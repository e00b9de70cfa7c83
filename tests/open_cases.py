"""Open cases written straight into a window database, many at once (executemany): this PC's own (`case`)
and the hall index of other windows' (`hall_case`), with the columns the approver's queue and the
supervisor's watch read. For the watch's tests and its benchmark (tests.bench.queue)."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

DEPARTMENTS = ("示例市市场监督管理局", "示例市卫生健康委员会", "示例市公安局", "示例市城市管理局")
OPEN_STATUSES = ("accepted", "in_review")


@dataclass(frozen=True)
class OpenCase:
    number: str
    status: str = "in_review"
    department: str = DEPARTMENTS[0]
    window_code: str = "SZX0103"
    item_code: str = "ITEM"
    accepted_on: date | None = date(2026, 11, 2)
    legal_due: date | None = None
    promised_date: date | None = None
    supplement_deadline: date | None = None
    suspended_since: date | None = None
    tolerated: Sequence[str] = field(default_factory=tuple)
    applicant: str = "张三"


_CASE_SQL = (
    'INSERT INTO "case" (number, item_code, item_name, catalog_version, checklist_sha256, applicant_kind,'
    " applicant_name, applicant_id_type, applicant_id_number, applicant_phone, decision, status,"
    " received_on, promised_date_uncertain, hall_code, window_code, clerk_login, clerk_name, created_at,"
    " department, accepted_on, legal_due, promised_date, supplement_deadline, suspended_since,"
    " tolerated_outstanding) VALUES (?, ?, ?, 'v', ?, 'person', ?, 'resident_id', '110101199003074258',"
    " '13800000000', 'accepted', ?, ?, 0, 'SZX01', ?, 'demo', '王晓梅', ?, ?, ?, ?, ?, ?, ?, ?)"
)
_HALL_SQL = (
    "INSERT INTO hall_case (number, window_code, status, decision, item_code, received_on, updated_at, seq,"
    " department, accepted_on, legal_due, promised_date, supplement_deadline, suspended_since,"
    " tolerated_outstanding) VALUES (?, ?, ?, 'accepted', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def insert_open_cases(path: Path, *, held: Iterable[OpenCase] = (), hall: Iterable[OpenCase] = ()) -> None:
    """`held` into `case` (this PC's), `hall` into `hall_case` (other windows'), in one transaction."""
    received = date(2026, 11, 2).isoformat()
    created = datetime(2026, 11, 2, 1, 0).isoformat(sep=" ")
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executemany(
                _CASE_SQL,
                (
                    (
                        c.number,
                        c.item_code,
                        f"事项 {c.item_code}",
                        "0" * 64,
                        c.applicant,
                        c.status,
                        received,
                        c.window_code,
                        created,
                        c.department,
                        _iso(c.accepted_on),
                        _iso(c.legal_due),
                        _iso(c.promised_date),
                        _iso(c.supplement_deadline),
                        _iso(c.suspended_since),
                        " ".join(c.tolerated),
                    )
                    for c in held
                ),
            )
            connection.executemany(
                _HALL_SQL,
                (
                    (
                        c.number,
                        c.window_code,
                        c.status,
                        c.item_code,
                        received,
                        created,
                        seq,
                        c.department,
                        _iso(c.accepted_on),
                        _iso(c.legal_due),
                        _iso(c.promised_date),
                        _iso(c.supplement_deadline),
                        _iso(c.suspended_since),
                        " ".join(c.tolerated),
                    )
                    for seq, c in enumerate(hall, start=1)
                ),
            )
    finally:
        connection.close()


def random_open_cases(count: int, *, today: date, prefix: str, seed: int) -> list[OpenCase]:
    """`count` open cases spread over departments, windows and due days (some overdue, some suspended,
    some awaiting a supplement, some with tolerated materials outstanding)."""
    chance = random.Random(seed)
    cases = []
    for n in range(count):
        roll = chance.random()
        legal_due: date | None = today + timedelta(days=chance.randint(-10, 60))
        promised = legal_due - timedelta(days=chance.randint(0, 10)) if legal_due else None
        status = chance.choice(OPEN_STATUSES)
        deadline: date | None = None
        suspended: date | None = None
        tolerated: tuple[str, ...] = ()
        if roll < 0.08:
            status, suspended = "suspended", today - timedelta(days=chance.randint(0, 30))
        elif roll < 0.14:
            status, legal_due, promised = "awaiting_supplement", None, None
            deadline = today + timedelta(days=chance.randint(-5, 30))
        elif roll < 0.18:
            status, tolerated = "accepted", ("M01",)
            deadline = today + timedelta(days=chance.randint(-5, 30))
        cases.append(
            OpenCase(
                number=f"{prefix}{n:07d}",
                status=status,
                department=chance.choice(DEPARTMENTS),
                window_code=f"SZX01{chance.randint(1, 12):02d}",
                item_code=f"ITEM{chance.randint(1, 50):02d}",
                legal_due=legal_due,
                promised_date=promised,
                supplement_deadline=deadline,
                suspended_since=suspended,
                tolerated=tolerated,
            )
        )
    return cases
