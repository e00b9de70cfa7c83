"""The approver's queue and the supervisor's time-limit watch (app.lifecycle.watch), for the person at the
window: their permission checked first, the hall's day and calendar the workspace's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.accounts.roles import Permission, may
from app.lifecycle import watch
from app.lifecycle.watch import PAGE_ROWS, WatchFilter, WatchList, WatchPage
from app.operations.person import Actor

if TYPE_CHECKING:
    from app.workspace import Workspace


def approver_queue(
    ws: Workspace,
    *,
    person: Actor,
    department: str | None,
    suspended: bool = False,
    offset: int = 0,
    limit: int = PAGE_ROWS,
) -> WatchPage:
    """A page of the hall's cases under review of `department` (None: all), by working days left on the
    legal limit; `suspended`: the suspended ones, shown apart. PermissionDenied for anyone not an approver."""
    person.require(Permission.APPROVE)
    return watch.review_queue(
        ws.store,
        calendar=ws.calendar,
        today=ws.clock.today(),
        department=department,
        suspended=suspended,
        offset=offset,
        limit=limit,
    )


def time_limit_watch(
    ws: Workspace,
    *,
    person: Actor,
    watch_list: WatchList,
    chosen: WatchFilter,
    offset: int = 0,
    limit: int = PAGE_ROWS,
) -> WatchPage:
    """A page of one list of the supervisor's watch. PermissionDenied for anyone not permitted to watch."""
    person.require(Permission.WATCH_TIME_LIMITS)
    return watch.time_watch(
        ws.store,
        calendar=ws.calendar,
        today=ws.clock.today(),
        watch_list=watch_list,
        chosen=chosen,
        offset=offset,
        limit=limit,
    )


def watch_choices(ws: Workspace, *, person: Actor) -> tuple[list[str], list[str]]:
    """The department filter's choices (the catalog's departments) and the window filter's (the hall's
    windows this PC knows of: its own and those of the hall index)."""
    if not may(person.roles, Permission.APPROVE):
        person.require(Permission.WATCH_TIME_LIMITS)
    return watch.departments(ws.store), watch.windows(ws.store)
