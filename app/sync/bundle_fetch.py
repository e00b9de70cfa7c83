"""Following a 一件事 bundle this window does not hold, at the server: GET `wire.BUNDLE_PATH` (its shape:
app.sync.wire, beside it). Read only, nothing stored here.

What comes back is checked whole before it is shown (STYLE 17): the size, the bundle number asked, every
case number (with its check character), decision and status known to this version, at most as many cases
as a bundle has items; anything else is refused and the clerk told the server's answer was wrong."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from app.bundles.definition import MAX_BUNDLE_ITEMS
from app.case_number import CaseNumberError, parse_case_number
from app.cases.status import status_label, status_of
from app.completeness import OUTCOME_LABEL, Outcome
from app.sync import wire
from app.sync.answers import answer_fields, answer_refusal
from app.sync.transport import Credential, SyncError, Transport

log = logging.getLogger("clerk.sync")

MAX_BUNDLE_ANSWER_BYTES = 64 * 1024
MAX_ITEM_CODE_CHARS = 80


@dataclass(frozen=True)
class ServerBundleCase:
    number: str
    item_code: str
    decision: Outcome
    status: str
    step: int

    @property
    def decision_label(self) -> str:
        return OUTCOME_LABEL[self.decision]

    @property
    def status_label(self) -> str:
        return status_label(self.status)


@dataclass(frozen=True)
class ServerBundle:
    number: str
    hall_code: str
    window_code: str
    cases: tuple[ServerBundleCase, ...]


def not_fetched_bundle(number: str, error: SyncError) -> SyncError:
    if error.kind in ("offline", "not_registered"):
        return SyncError(
            error.kind,
            f"离线：本窗口没有一件事 {number} 的办件，且无法连接服务器查询（{error.message}）。请联网后再试",
        )
    return SyncError(error.kind, f"无法从服务器查询一件事 {number}：{error.message}")


def fetch_bundle(*, transport: Transport, credential: Credential, number: str) -> ServerBundle:
    """The bundle as the server follows it; SyncError with the clerk's message otherwise."""
    try:
        path = wire.BUNDLE_PATH.format(number=number)
        data = transport.bounded_json("GET", credential, path, max_bytes=MAX_BUNDLE_ANSWER_BYTES)
        bundle = checked_bundle(data, number=number)
    except SyncError as error:
        raise not_fetched_bundle(number, error) from None
    log.info("bundle %s read from the server: %s cases", number, len(bundle.cases))
    return bundle


def checked_bundle(data: Any, *, number: str) -> ServerBundle:
    """The server's answer checked whole; SyncError `invalid` naming the first problem otherwise."""

    refuse = answer_refusal("bundle", number, "服务器发来的一件事记录有误")
    _got, hall, window, raw_cases = answer_fields(
        data,
        {"number": str, "hall_code": str, "window_code": str, "cases": list},
        number=(number, "一件事编号"),
        refuse=refuse,
    )
    if len(hall) > 40 or len(window) > 40:
        raise refuse("大厅或窗口代码过长")
    if not 1 <= len(raw_cases) <= MAX_BUNDLE_ITEMS:
        raise refuse(f"办件数应为 1–{MAX_BUNDLE_ITEMS} 件，实为 {len(raw_cases)} 件")
    cases: list[ServerBundleCase] = []
    for index, raw in enumerate(raw_cases):
        where = f"cases[{index}]"
        case_number, item_code, decision, status, step = answer_fields(
            raw,
            {"number": str, "item_code": str, "decision": str, "status": str, "step": int},
            where=where,
            refuse=refuse,
        )
        try:
            if str(parse_case_number(case_number)) != case_number:
                raise refuse(f"{where} 办件编号不是规范形式")
        except CaseNumberError as error:
            raise refuse(f"{where} 办件编号无效：{error}") from None
        if len(item_code) > MAX_ITEM_CODE_CHARS:
            raise refuse(f"{where} 事项编码过长")
        if decision not in set(Outcome):
            raise refuse(f"{where} 未知的决定“{decision[:20]}”")
        if status_of(status) is None:
            raise refuse(f"{where} 未知的状态“{status[:20]}”")
        if isinstance(step, bool) or not 0 <= step < 2**31:
            raise refuse(f"{where} 步骤号无效")
        cases.append(ServerBundleCase(case_number, item_code, Outcome(decision), status, step))
    return ServerBundle(number, hall, window, tuple(cases))
