"""Reading what the server answers a window's read of one record (a case's whole record: app.sync.fetch; a
bundle it follows: app.sync.bundle_fetch): the answer's fields checked, and the one way a wrong answer is
refused (logged, and the clerk told the server's answer was wrong, naming the first problem). The request
itself, bounded in size and decoded: `Transport.bounded_json`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from app.sync import wire
from app.sync.transport import SyncError

log = logging.getLogger("clerk.sync")

Refuse = Callable[[str], SyncError]


def answer_refusal(what: str, number: str, message: str) -> Refuse:
    """How an answer about `what` `number` is refused: SyncError `invalid`, "`message`（problem）"."""

    def refuse(problem: str) -> SyncError:
        log.error("%s %s from the server refused: %s", what, number, problem)
        return SyncError("invalid", f"{message}（{problem}）")

    return refuse


def answer_fields(
    data: Any,
    fields: Mapping[str, type],
    *,
    refuse: Refuse,
    where: str = "回应",
    number: tuple[str, str] | None = None,
) -> list[Any]:
    """The values of `fields` (name: type) of the object `data`, in order; `refuse(problem)` raised for
    something else than an object, a field missing or of another type, or (`number`: the number asked and
    what it is called) a "number" field naming another record than the one asked for."""
    if not isinstance(data, dict):
        raise refuse(f"{where}应为 JSON 对象")
    try:
        values = [wire.require_field(data, name, kind, where) for name, kind in fields.items()]
    except wire.WireError as error:
        raise refuse(str(error)) from None
    if number is not None:
        asked, label = number
        if data["number"] != asked:
            raise refuse(f"{where}的{label} {str(data['number'])[:40]} 不是所查询的 {asked}")
    return values
