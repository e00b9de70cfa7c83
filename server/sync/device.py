"""The window PC a request comes from, once authenticated (server.admin.authenticate)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Device:
    """An authenticated window PC."""

    device_id: str
    hall_code: str
    window_code: str
    name: str
    confirmed: bool = True  # False: enrolled, not yet confirmed; it may do nothing but confirm
