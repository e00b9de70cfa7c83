"""我的代办/帮办件: the cases a helper prepared, at any window of the hall, as the server knows them — status
and deadlines — pulled for the helper signed in here, kept here (`helper_client_list`) so a helper offline
sees what was last fetched and when; and the helper's workload (drafts this week, cases by status,
overdue).

The window pushes its outbox first (the server learns who is signed in on this PC from its pushed sign-ins;
server.helper_cases), then asks. The answer is checked whole before anything of it is kept (habit 17).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from app.cases.status import STATUS_LABEL, CaseStatus, is_ended
from app.sync import wire
from app.sync.client import SyncClient
from app.sync.event_parts import CODE, WINDOW_CODE
from app.sync.schema import Day, Flag, ListOf, Problem, Record, Text, nullable, required
from app.sync.transport import Credential, SyncError, Transport
from db.models import HelperClientList
from db.store import Store

log = logging.getLogger("clerk.helpers")

MAX_ANSWER_BYTES = 4 * 1024 * 1024
# Cases whose time runs against the hall: past the promised (else legal) date they are overdue; a case
# waiting for the applicant's supplement is overdue past its supplement deadline. A suspended case's clock
# stands still; an approved one is decided.
RUNNING = frozenset({CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW})

HELPER_CASE = Record(
    {
        "number": required(Text(40)),
        "window_code": required(WINDOW_CODE),
        "item_code": required(CODE),
        "item_name": required(Text(200, min_chars=0)),
        "applicant_name": required(Text(wire.MAX_NAME_CHARS, min_chars=0)),
        "decision": required(Text(40)),
        "status": required(Text(40)),
        "received_on": required(Day()),
        "promised_date": nullable(Day()),
        "legal_due": nullable(Day()),
        "supplement_deadline": nullable(Day()),
        "draft_id": required(Text(36, min_chars=0)),
        "agency": required(Flag()),
    }
)
ANSWER = Record(
    {
        "login": required(Text(wire.MAX_LOGIN_CHARS)),
        "hall_code": required(Text(32)),
        "cases": required(ListOf(HELPER_CASE, max_items=wire.MAX_HELPER_CASES)),
        "truncated": required(Flag()),
    }
)


@dataclass(frozen=True)
class ClientCase:
    number: str
    window_code: str
    item_code: str
    item_name: str
    applicant_name: str
    decision: str
    status: str
    received_on: date
    promised_date: date | None
    legal_due: date | None
    supplement_deadline: date | None
    draft_id: str
    agency: bool  # 代办 (a 代办委托书 recorded) rather than 帮办

    @property
    def status_label(self) -> str:
        return STATUS_LABEL.get(self.status, self.status)

    def overdue_on(self, today: date) -> bool:
        """Open, and past its promised date (or, waiting for a supplement, past the supplement deadline)."""
        if self.status == CaseStatus.AWAITING_SUPPLEMENT:
            return self.supplement_deadline is not None and self.supplement_deadline < today
        if self.status not in RUNNING:
            return False
        due = self.promised_date or self.legal_due
        return due is not None and due < today


@dataclass(frozen=True)
class ClientList:
    login: str
    fetched_at: datetime  # UTC: when the server answered
    cases: tuple[ClientCase, ...]
    truncated: bool


@dataclass(frozen=True)
class Workload:
    drafts_this_week: int
    by_status: tuple[tuple[str, int], ...]  # (status label, count), most first
    overdue: int
    open_cases: int


def workload(clients: ClientList | None, *, drafts_this_week: int, today: date) -> Workload:
    cases = clients.cases if clients is not None else ()
    counts = Counter(c.status_label for c in cases)
    return Workload(
        drafts_this_week=drafts_this_week,
        by_status=tuple(counts.most_common()),
        overdue=sum(1 for c in cases if c.overdue_on(today)),
        open_cases=sum(1 for c in cases if not is_ended(c.status)),
    )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def checked_answer(data: Any, *, login: str, hall_code: str) -> list[ClientCase]:
    """The server's answer checked whole; SyncError `invalid` naming the first problem otherwise."""
    problems: list[Problem] = []
    ANSWER.check(data, "answer", problems)
    if not problems and (data["login"] != login or data["hall_code"] != hall_code):
        problems.append(Problem("answer.login", f"服务器答复的是 {data['login']}@{data['hall_code']} 的办件"))
    if problems:
        log.error("helper client list refused, nothing kept: %s", problems[0])
        raise SyncError("invalid", f"服务器发来的代办/帮办件列表有误，未保存（{problems[0]}）")
    return [
        ClientCase(
            number=c["number"],
            window_code=c["window_code"],
            item_code=c["item_code"],
            item_name=c["item_name"],
            applicant_name=c["applicant_name"],
            decision=c["decision"],
            status=c["status"],
            received_on=date.fromisoformat(c["received_on"]),
            promised_date=_day(c["promised_date"]),
            legal_due=_day(c["legal_due"]),
            supplement_deadline=_day(c["supplement_deadline"]),
            draft_id=c["draft_id"],
            agency=c["agency"],
        )
        for c in data["cases"]
    ]


def fetch_client_cases(
    *, store: Store, transport: Transport, credential: Credential, login: str, hall_code: str, now: datetime
) -> ClientList:
    """Ask the server for `login`'s cases and keep the answer here (replacing the last); SyncError with the
    helper's message (offline, not signed in on this PC, refused), nothing changed, otherwise."""
    path = wire.HELPER_CASES_PATH.format(login=login)
    data = transport.bounded_json("GET", credential, path, max_bytes=MAX_ANSWER_BYTES)
    cases = checked_answer(data, login=login, hall_code=hall_code)
    fetched_at = now.astimezone(UTC)
    with store.write() as session:
        row = session.get(HelperClientList, login)
        content = json.dumps(data, ensure_ascii=False)
        naive = fetched_at.replace(tzinfo=None)
        if row is None:
            session.add(HelperClientList(helper_login=login, fetched_at=naive, content=content))
        else:
            row.fetched_at, row.content = naive, content
    log.info("helper %s: %d cases fetched", login, len(cases))
    return ClientList(login, fetched_at, tuple(cases), bool(data["truncated"]))


def last_fetched(store: Store, *, login: str, hall_code: str) -> ClientList | None:
    """What was last fetched for `login` here (offline: this is what the helper sees), or None."""
    with store.read() as session:
        row = session.get(HelperClientList, login)
        if row is None:
            return None
        fetched_at, content = row.fetched_at.replace(tzinfo=UTC), row.content
    data = json.loads(content)
    cases = checked_answer(data, login=login, hall_code=hall_code)
    return ClientList(login, fetched_at, tuple(cases), bool(data["truncated"]))


def refresh_client_cases(
    sync: SyncClient, *, store: Store, login: str, hall_code: str, now: datetime
) -> ClientList:
    """A sync round first (the server learns from the pushed sign-in who is signed in here), then the
    helper's cases fetched and kept. SyncError (offline, not registered, refused): nothing changed."""
    sync.sync()
    return fetch_client_cases(
        store=store,
        transport=sync.transport,
        credential=sync.transport.registered(),
        login=login,
        hall_code=hall_code,
        now=now,
    )
