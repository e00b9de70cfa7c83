"""Sync conflicts as a hall supervisor reads them: what each kind means, where its records are, and who
resolved it; conflicts pulled from the server, listed, and resolved by a supervisor at a window.

The server sends a conflict with a `reason` (its kind, `wire.CONFLICT_*`) and a message written for the
window that caused it. The supervisor may read the list at any window of the hall, so the texts here are
written per kind for that reader; each says where the records of that kind are kept, and the header
claims nothing that a row's kind contradicts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.sync import wire
from app.sync.changes import Applying
from app.sync.transport import SyncError, Transport, utc_text
from db.models import Clerk, SyncConflict
from db.store import Store

CONFLICTS_HEADER = (
    "以下情况服务器无法自动合并，请值班主任核实后记录处理结果。"
    "没有删除任何记录：每一行写明了这件事的各条记录保存在哪里。"
)


@dataclass(frozen=True)
class ConflictText:
    summary: str  # what happened and where its records are: the row of the list
    advice: str  # what to check: with the summary in the resolve dialog and the row's tooltip

    @property
    def full(self) -> str:
        return f"{self.summary}{self.advice}"


# reason → (summary, advice); {window}: the window of the PC that sent the record which caused the conflict.
_KIND_TEXT: dict[str, tuple[str, str]] = {
    wire.CONFLICT_DUPLICATE_CASE_NUMBER: (
        "编号重复：服务器保留先收到的那条；{window}一台电脑后提交的同号办件未存入服务器，"
        "仍保存在提交它的电脑上（“被拒收”记录）。",
        "可能两台电脑用了同一个窗口编码，或电脑从旧备份恢复：请联系大厅信息技术人员核对。",
    ),
    wire.CONFLICT_ISSUED_TWICE: (
        "重复发证：该办件被发证两次（后一次由{window}提交），两条发证记录都已保存在服务器上。",
        "请核实以哪一张证照为准，收回另一张。",
    ),
    wire.CONFLICT_HANDED_OVER_TWICE: (
        "重复出件：该办件的证照被交付两次（后一次由{window}提交），两条交付记录都已保存在服务器上。",
        "请核实证照实际由谁领取。",
    ),
    wire.CONFLICT_EVENT_ID_REUSED: (
        "事件编号重复：{window}一台电脑提交的记录用了服务器上已有的事件编号，内容却不同；服务器保留原记录，"
        "这一条未存入服务器，仍保存在提交它的电脑上（“被拒收”记录）。",
        "可能是窗口程序的错误，或电脑从备份恢复后重复使用了编号：请联系大厅信息技术人员核对。",
    ),
    wire.CONFLICT_CHAIN_BREAK: (
        "记录可能被改动：{window}提交的事件哈希链断裂（某条事件的内容与其哈希不符，或其前的事件被删除、"
        "顺序被改动，或该电脑的数据被重新建立；也可能是旧版本窗口未带哈希链）。事件本身已照常保存在服务器上。",
        "请在该窗口运行“clerk audit verify”核对本机记录，查明是谁、何时改动了数据库文件，并记录处理结果。",
    ),
}
_MINE_DUPLICATE = ConflictText(
    "编号重复：服务器保留先收到的那条；本机后提交的同号办件未存入服务器，仍保存在本机（“被拒收”记录）。",
    "可能两台电脑用了同一个窗口编码，或本机从旧备份恢复：请暂停在本机受理新办件，联系大厅信息技术人员核对。",
)


def describe_conflict(
    *, reason: str, window_code: str | None, message: str, mine: bool = False
) -> ConflictText:
    """The supervisor's text for a conflict. `mine`: this PC sent the record that caused it. A kind this
    program does not know (a newer server) is shown in the server's own words."""
    if mine and reason == wire.CONFLICT_DUPLICATE_CASE_NUMBER:
        return _MINE_DUPLICATE
    texts = _KIND_TEXT.get(reason)
    if texts is None:
        return ConflictText(f"服务器报告的冲突：{message or reason}", "")
    window = f"{window_code} 窗口" if window_code else "某个窗口"
    summary, advice = texts
    return ConflictText(summary.format(window=window), advice)


# How the server records a resolution made at a window, from the supervisor's account (issue 9).
_RECORDED = re.compile(r"(?P<name>.+)（(?P<login>[^@（）]+)@(?P<window>[^（）]+)）")


def resolver_label(resolved_by: str | None, names: Mapping[str, str]) -> str:
    """Who resolved a conflict, by name. A window's resolution is recorded by the server from the account
    it checked, as "name（login@WINDOW）"; that name is shown. One recorded before the server checked the
    person is "login@WINDOW" (the login the window sent): shown by this window's name for that login, or as
    an account it does not know. One recorded on the server by hall IT (`clerk-server resolve-conflict
    --by NAME`) is shown as written."""
    if not resolved_by:
        return ""
    recorded = _RECORDED.fullmatch(resolved_by)
    if recorded:
        return f"{recorded['name']}（{recorded['window']} 窗口）"
    login, at, window = resolved_by.partition("@")
    if not at:
        return names.get(resolved_by, resolved_by)
    name = names.get(login)
    return f"{name or f'账号 {login}'}（{window} 窗口）"


# -- conflicts pulled, listed and resolved --------------------------------------------------------------
def apply_conflict(applying: Applying, change: wire.Change) -> int:
    """A conflict the server found in this hall, kept for a supervisor (once per change)."""
    if applying.session.get(SyncConflict, change.seq) is None:
        applying.session.add(
            SyncConflict(
                seq=change.seq,
                case_number=change.key,
                reason=str(change.payload.get("reason", "")),
                payload=change.payload,
                received_at=applying.now,
                resolved_at=None,
            )
        )
        applying.report.conflicts += 1
    return 1


def apply_conflict_resolved(applying: Applying, change: wire.Change) -> int:
    """A conflict resolved (at another window, or on the server): marked so here too."""
    conflict_id = change.payload.get("conflict_id")
    marked = 0
    for row in applying.session.scalars(
        select(SyncConflict).where(SyncConflict.case_number == change.key, SyncConflict.resolved_at.is_(None))
    ).all():
        if row.payload.get("conflict_id") == conflict_id:
            row.resolved_at = applying.now
            row.resolution = str(change.payload.get("resolution", ""))
            row.resolved_by = str(change.payload.get("resolved_by", ""))
            marked += 1
    return marked


def list_conflicts(*, store: Store, unresolved_only: bool = True) -> list[dict[str, Any]]:
    """Conflicts the server found in this hall, for a supervisor to look at."""
    with store.read() as session:
        query = select(SyncConflict).order_by(SyncConflict.seq)
        if unresolved_only:
            query = query.where(SyncConflict.resolved_at.is_(None))
        rows = session.scalars(query).all()
        names: dict[str, str] = {
            login: name for login, name in session.execute(select(Clerk.login, Clerk.name))
        }
    return [
        {
            "seq": r.seq,
            "case_number": r.case_number,
            "reason": r.reason,
            "message": r.payload.get("message", ""),
            "window_code": r.payload.get("window_code"),
            "device_id": r.payload.get("device_id"),  # the device that sent the conflicting record
            "received_at": utc_text(r.received_at),
            "resolved_at": utc_text(r.resolved_at) if r.resolved_at else None,
            "resolution": r.resolution,
            "resolved_by": r.resolved_by,  # as the server records it: "login@WINDOW"
            "resolved_by_name": resolver_label(r.resolved_by, names),
        }
        for r in rows
    ]


def resolve_conflict(
    *, store: Store, transport: Transport, seq: int, resolution: str, supervisor: str, password: str
) -> dict[str, Any]:
    """Send a supervisor's resolution of the conflict received as change `seq`, with the supervisor's
    login and password, which the server checks itself against the hall's accounts; mark it here once
    the server has recorded it (other windows learn it by pull). Needs the server: conflicts live
    there. The server refusing the person is SyncError kind `refused`."""
    credential = transport.registered()
    text = resolution.strip()
    if not text or len(text) > wire.MAX_RESOLUTION_CHARS:
        raise SyncError("invalid", f"处理意见应为 1–{wire.MAX_RESOLUTION_CHARS} 字，写明核实结果和处理办法")
    with store.read() as session:
        row = session.get(SyncConflict, seq)
        if row is None:
            raise SyncError("invalid", f"本机没有第 {seq} 号冲突记录")
        if row.resolved_at is not None:
            raise SyncError("invalid", f"第 {seq} 号冲突已处理（{row.resolved_by}）")
        conflict_id = row.payload.get("conflict_id")
    if not isinstance(conflict_id, int):
        raise SyncError("protocol", f"冲突记录 {seq} 缺少服务器编号，无法处理")
    request = wire.ResolveRequest(
        resolution=text,
        supervisor_login=supervisor,
        supervisor_password=password,
        device_time=utc_text(transport.clock.now().replace(tzinfo=None)),
    )
    answer = transport.request(
        "POST",
        credential.server_url,
        wire.CONFLICT_RESOLVE_PATH.format(conflict_id=conflict_id),
        credential=credential,
        json=request.to_json(),
    )
    now = transport.clock.now().replace(tzinfo=None)
    with store.write() as session:
        row = session.get(SyncConflict, seq)
        if row is not None:
            row.resolved_at = now
            row.resolution = str(answer.get("resolution", text))
            row.resolved_by = str(answer.get("resolved_by", supervisor))
    return dict(answer)
