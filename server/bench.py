"""Push benchmark, and the realistic sample events it (and the server tests) use.

    python -m server.bench [--database URL] [--cases 10000] [--batch 1000]

Against PostgreSQL (default: the local test database, in a throw-away schema) it measures
1. server side: `SyncService.push` of batches of `case.decided` events, one transaction each;
2. end to end: a `clerk-server serve` subprocess, and a client that builds the wire JSON and POSTs the
   whole backlog batch after batch (what a window does after an outage).
Prints one JSON object with medians. A benchmark, not a test: read it with the machine's noise in mind.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from app.case_number import format_case_number
from app.catalog import ServiceItem, parse_catalog
from app.catalog_store import demo_catalog_bytes
from app.sync.wire import HEALTH_PATH, PROTOCOL, PUSH_PATH, EventKind, PushRequest, PushResponse, WireEvent

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PLANNING_ITEM = (
    "511A0138000000-510100000000-000-11510100MB1C5E420M-1-00"  # 建设用地规划许可证核发, 10 materials
)


@cache
def _demo_item() -> ServiceItem:
    document = parse_catalog(demo_catalog_bytes())
    return next(item for item in document.items if item.code == PLANNING_ITEM)


def device_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def case_snapshot(
    *,
    number: str,
    window_code: str,
    hall_code: str,
    received_on: date,
    clerk_login: str,
    clerk_name: str,
    created_at: datetime,
    materials: int = 10,
) -> dict[str, Any]:
    """A payload shaped like `app.acceptance.case_snapshot`: a company applying through an agent, with
    the first `materials` materials of a 10-material item received and checked (about 3.4 KB for 10)."""
    item = _demo_item()
    received = item.materials[:materials]
    return {
        "number": number,
        "item_code": item.code,
        "item_name": item.name,
        "catalog_version": item.catalog_version,
        "checklist_sha256": item.checklist_sha256,
        "applicant": {
            "kind": "organization",
            "name": "示例市锦华建设发展有限公司",
            "id_type": "uscc",
            "id_number": "91310110666007217T",
            "phone": "028-61881234",
            "id_override_reason": None,
        },
        "agent": {"name": "李𠮷䶮", "id_number": "440524188001010014", "phone": "13912345678"},
        "decision": "accepted",
        "status": "accepted",
        "referral_office": None,
        "received_on": received_on.isoformat(),
        "promised_date": (received_on + timedelta(days=14)).isoformat(),
        "promised_date_uncertain": False,
        "supplement_deadline": None,
        "hall_code": hall_code,
        "window_code": window_code,
        "clerk_login": clerk_login,
        "clerk_name": clerk_name,
        "created_at": created_at.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z",
        "materials": [
            {"material": m.code, "name": m.name, "form": "original", "copies": 1, "pages": 4, "defect": None}
            for m in received
        ],
        "findings": [
            {"rule": "supplied", "outcome": "ok", "material": m.code, "message": f"已收取：{m.name}"}
            for m in received
        ],
    }


def decided_events(
    *,
    window_code: str,
    hall_code: str,
    day: date,
    serials: range | list[int],
    clerk_login: str = "wang.fang",
    clerk_name: str = "王芳",
    first_local_seq: int = 1,
    at: datetime | None = None,
    materials: int = 10,
) -> list[WireEvent]:
    """`case.decided` events of new cases with valid numbers (window, day, serial)."""
    moment = at or datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
    events = []
    for offset, serial in enumerate(serials):
        number = format_case_number(window_code=window_code, day=day, serial=serial)
        created = moment + timedelta(seconds=offset)
        events.append(
            WireEvent(
                event_id=str(uuid.uuid4()),
                case_number=number,
                kind=EventKind.CASE_DECIDED,
                payload=case_snapshot(
                    number=number,
                    window_code=window_code,
                    hall_code=hall_code,
                    received_on=day,
                    clerk_login=clerk_login,
                    clerk_name=clerk_name,
                    created_at=created,
                    materials=materials,
                ),
                clerk_login=clerk_login,
                window_code=window_code,
                device_time=device_time(created),
                local_seq=first_local_seq + offset,
            )
        )
    return events


def push_body(window_code: str, events: list[WireEvent]) -> dict[str, Any]:
    return PushRequest(PROTOCOL, window_code, device_time(datetime.now(UTC)), events).to_json()


def shallow_push_body(window_code: str, events: list[WireEvent]) -> dict[str, Any]:
    """The same JSON as `PushRequest.to_json`, without `dataclasses.asdict` deep-copying every payload
    (which costs about 0.4 ms per 3 KB event)."""
    return {
        "protocol": PROTOCOL,
        "window_code": window_code,
        "sent_at": device_time(datetime.now(UTC)),
        "events": [
            {
                "event_id": e.event_id,
                "case_number": e.case_number,
                "kind": e.kind,
                "payload": e.payload,
                "clerk_login": e.clerk_login,
                "window_code": e.window_code,
                "device_time": e.device_time,
                "local_seq": e.local_seq,
            }
            for e in events
        ],
    }


# -- the benchmark ------------------------------------------------------------------------------------
@contextmanager
def _scratch_schema(admin_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _enrolled_device(url: str, window_code: str) -> tuple[Any, Any]:
    from server import admin
    from server.store import open_server_db
    from server.sync import Device

    db = open_server_db(url)
    hall = next(h for h in parse_catalog(demo_catalog_bytes()).halls if h.code == "SZX01")
    admin.load_halls(db, [hall], now=datetime.now(UTC))
    issued = admin.issue_enrollment_code(
        db, hall_code="SZX01", window_code=window_code, replace=False, hours=1, now=datetime.now(UTC)
    )
    from app.sync.wire import EnrollRequest

    enrolled = admin.enroll(db, EnrollRequest(issued.code, window_code, "bench"), now=datetime.now(UTC))
    admin.confirm_device(db, enrolled.device_id, now=datetime.now(UTC))
    return db, (Device(enrolled.device_id, "SZX01", window_code, "bench"), enrolled)


def bench_server_side(url: str, *, batches: int, batch: int, materials: int) -> list[float]:
    from server.sync import SyncService

    db, (device_, _enrolled) = _enrolled_device(url, "SZX0191")
    service = SyncService(db, lambda: datetime.now(UTC))
    timings = []
    try:
        for index in range(batches):
            events = decided_events(
                window_code="SZX0191",
                hall_code="SZX01",
                day=date(2026, 11, 2) + timedelta(days=index),
                serials=range(1, batch + 1),
                materials=materials,
            )
            request = PushRequest.from_json(push_body("SZX0191", events))  # parsed, as the API does
            started = time.perf_counter()
            answer = service.push(device_, request)
            timings.append(time.perf_counter() - started)
            assert len(answer.acknowledged) == batch and not answer.rejected, answer.rejected[:3]
    finally:
        db.close()
    return timings


def bench_end_to_end(
    url: str, *, cases: int, batch: int, window_code: str, shallow: bool, materials: int
) -> dict[str, Any]:
    import httpx

    db, (_device, enrolled) = _enrolled_device(url, window_code)
    db.close()
    port = _free_port()
    env = {**os.environ, "CLERK_SERVER_PORT": str(port), "CLERK_SERVER_HOST": "127.0.0.1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--database", url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + HEALTH_PATH).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        per_day = 9999
        events: list[WireEvent] = []
        for index in range(0, cases, per_day):
            events += decided_events(
                window_code=window_code,
                hall_code="SZX01",
                day=date(2026, 10, 1) + timedelta(days=index // per_day),
                serials=range(1, min(per_day, cases - index) + 1),
                first_local_seq=index + 1,
                materials=materials,
            )
        headers = {"Authorization": f"Bearer {enrolled.device_id}.{enrolled.secret}"}
        started = time.perf_counter()
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for start in range(0, len(events), batch):
                chunk = events[start : start + batch]
                build = shallow_push_body if shallow else push_body
                body = json.dumps(build(window_code, chunk), ensure_ascii=False).encode("utf-8")
                response = client.post(PUSH_PATH, content=body, headers={"Content-Type": "application/json"})
                answer = PushResponse.from_json(response.json())
                assert len(answer.acknowledged) == len(chunk), response.text[:300]
        total = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    size = len(json.dumps(events[0].payload, ensure_ascii=False).encode("utf-8"))
    return {
        "cases": cases,
        "batch": batch,
        "client_json": "shallow" if shallow else "PushRequest.to_json",
        "seconds": round(total, 3),
        "payload_bytes": size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.bench", description=__doc__)
    parser.add_argument(
        "--database", default=DEFAULT_ADMIN_URL, help="PostgreSQL URL (a scratch schema is used)"
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10, help="server-side batches to time")
    parser.add_argument("--materials", type=int, default=10, help="materials per case (10: ~3.4 KB payload)")
    args = parser.parse_args(argv)
    with _scratch_schema(args.database) as schema:
        separator = "&" if "?" in args.database else "?"
        url = f"{args.database}{separator}options=-csearch_path%3D{schema}"
        timings = bench_server_side(url, batches=args.runs, batch=args.batch, materials=args.materials)
        end_to_end = [
            bench_end_to_end(
                url,
                cases=args.cases,
                batch=args.batch,
                window_code=window,
                shallow=shallow,
                materials=args.materials,
            )
            for window, shallow in (("SZX0192", False), ("SZX0193", True))
        ]
    result = {
        "server_push_ms": {
            "batch": args.batch,
            "payload_bytes": len(
                json.dumps(
                    decided_events(
                        window_code="SZX0190",
                        hall_code="SZX01",
                        day=date(2026, 11, 2),
                        serials=[1],
                        materials=args.materials,
                    )[0].payload,
                    ensure_ascii=False,
                ).encode("utf-8")
            ),
            "median": round(statistics.median(timings) * 1000, 1),
            "min": round(min(timings) * 1000, 1),
            "max": round(max(timings) * 1000, 1),
            "all": [round(t * 1000, 1) for t in timings],
        },
        "end_to_end": end_to_end,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
