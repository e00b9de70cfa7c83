"""好差评 (国办发〔2019〕51号, GB/T 39734-2020): the applicant rates a service event on five levels; the two
lowest are 差评: they need a reason and a supervisor's follow-up (回访) by a due date. One rating per
service event (一次一评), tied to the case number."""

from __future__ import annotations

from dataclasses import dataclass

from app.sync.wire import MAX_CLERK_TEXT_CHARS, EventKind


@dataclass(frozen=True)
class Level:
    value: int
    label: str
    unfavourable: bool  # 差评: a reason is asked, and a supervisor follows it up


LEVELS: dict[int, Level] = {
    1: Level(1, "非常满意", False),
    2: Level(2, "满意", False),
    3: Level(3, "基本满意", False),
    4: Level(4, "不满意", True),
    5: Level(5, "非常不满意", True),
}
FOLLOW_UP_WORKING_DAYS = 3  # a 差评 is called back within this many working days
MAX_REASON_CHARS = MAX_CLERK_TEXT_CHARS  # the applicant's reason, the supervisor's follow-up note

# The service events (办事服务): the events of a case that end a visit at the counter, each rated once; what
# the rating dialog and the supervisor's list call the visit. Read by the window and the server alike.
SERVICE_EVENTS: dict[str, str] = {
    EventKind.CASE_DECIDED: "窗口受理",
    EventKind.CASE_SUPPLEMENTED: "补正材料",
    EventKind.TOLERATED_SUPPLIED: "容缺材料补交",
    EventKind.CERTIFICATE_HANDED_OVER: "领取证照",
    EventKind.CASE_WITHDRAWN: "撤回申请",
}


def level_problem(level: object) -> str | None:
    """Why `level` is no level of LEVELS (a bool or a number out of range), None when it is one."""
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        choices = "、".join(f"{v.value}（{v.label}）" for v in LEVELS.values())
        return f"评价等级应为 {choices} 之一，收到 {level!r}"
    return None


def reason_problem(level: int, reason: str | None) -> str | None:
    """Why `reason` will not do for a rating of `level` (missing for a 差评, too long), None when it does."""
    text = (reason or "").strip()
    if LEVELS[level].unfavourable and not text:
        return f"评价为“{LEVELS[level].label}”时须写明原因"
    if len(text) > MAX_REASON_CHARS:
        return f"原因最多 {MAX_REASON_CHARS} 字，现有 {len(text)} 字"
    return None
