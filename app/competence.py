"""Competence (行政许可法 Art. 32 (2)): which items a hall accepts, and where an applicant goes otherwise.

One rule, read by the search list of the window (which marks the items) and by the completeness check
(which decides 不予受理 with the referral).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.catalog import Hall, ServiceItem

OUTSIDE_MARK = "非本大厅受理"  # how a search list marks an item this hall does not accept


@dataclass(frozen=True)
class Referral:
    """An item outside the hall's competence: why, and the office to go to."""

    item_name: str
    body_name: str
    hall_name: str
    office: str  # the implementing body with its address and phone

    @property
    def reason(self) -> str:
        return f"「{self.item_name}」由{self.body_name}实施，不属于{self.hall_name}受理范围"

    @property
    def message(self) -> str:
        return f"{self.reason}，请到{self.office}办理"


def referral(*, item: ServiceItem, hall: Hall) -> Referral | None:
    """None when `hall` accepts `item`; otherwise the referral to the implementing body."""
    if item.body_code in hall.bodies:
        return None
    office = f"{item.body_name}（办理地点：{item.location}；咨询电话：{item.contact}）"
    return Referral(item.name, item.body_name, hall.name, office)
