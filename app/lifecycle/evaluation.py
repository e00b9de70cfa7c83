"""好差评 (国办发〔2019〕51号, GB/T 39734-2020): the applicant rates a service event on five levels; the two
lowest are 差评: they need a reason and a supervisor's follow-up (回访) by a due date. One rating per
service event (一次一评), tied to the case number."""

from __future__ import annotations

from dataclasses import dataclass


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
