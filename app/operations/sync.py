"""The window's dealings with its server: registering the data folder as a window, a sync round, the daily
reconciliation, and a supervisor's resolution of a conflict.

Registering, syncing and reconciling are the window's own acts under its device credential (the server
authenticates the device, and a window that has no accounts or catalog yet must still register and sync
to get them): they take no person. Resolving a conflict is a person's act: the supervisor proves it with
their own password, here and again on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from app.accounts.roles import Permission, named_role_label
from app.operations.changes import OperationRefused
from app.sync.client import SyncError

if TYPE_CHECKING:
    from app.sync.client import DayDifference, SyncReport
    from app.workspace import Workspace


@dataclass(frozen=True)
class Registered:
    device_id: str
    hall_code: str
    window_code: str
    window_name: str  # as the server confirmed it
    server_url: str


@dataclass(frozen=True)
class ConflictResolved:
    seq: int
    case_number: str
    answer: dict[str, Any]  # the server's record of the resolution


def register_window(ws: Workspace, *, server_url: str, code: str, device_name: str | None) -> Registered:
    """Register this data folder as a window with hall IT's one-time code (SyncError says what failed)."""
    credential = ws.sync.register(server_url=server_url, code=code, device_name=device_name)
    return Registered(
        device_id=credential.device_id,
        hall_code=credential.hall_code,
        window_code=credential.window_code,
        window_name=str(ws.settings.get("window_name")),
        server_url=credential.server_url,
    )


def sync_with_server(ws: Workspace) -> SyncReport:
    """One round: push what is waiting, pull what changed."""
    return ws.sync.sync()


def reconcile(ws: Workspace, *, first: date, last: date) -> list[DayDifference]:
    """Each day from `first` to `last`: this window's cases against the server's."""
    return ws.sync.reconcile(first=first, last=last)


def resolve_conflict(
    ws: Workspace, *, seq: int, resolution: str, supervisor_login: str, password: str
) -> ConflictResolved:
    """Record a supervisor's resolution of the conflict listed as `seq`. OperationRefused (nothing sent or
    nothing recorded) when the person is not a supervisor with that password, here or on the server."""
    role = named_role_label(Permission.RESOLVE_CONFLICT)
    if ws.authorize(supervisor_login, password, permission=Permission.RESOLVE_CONFLICT) is None:
        raise OperationRefused(f"账号或密码不正确，或该账号不是{role}：冲突只能由{role}处理，处理结果未提交")
    try:
        answer = ws.sync.resolve_conflict(
            seq, resolution=resolution, supervisor=supervisor_login, password=password
        )
    except SyncError as error:
        if error.kind == "refused":
            raise OperationRefused(f"服务器拒绝了{role}授权，处理结果未提交：{error.message}") from None
        raise
    return ConflictResolved(seq, str(answer.get("case_number", "")), answer)
