"""Who prepared a case before the counter: the helper (帮办员) and their draft. A case taken in from a
scanned 帮办预审单 records it (`AcceptanceRequest.prepared_by`, the case row, the `case.decided` event).
Under 代办 (full agency) it carries the principal's written authorisation too (app.helpers.agency)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.helpers.agency import Authorisation, authorisation_from_json

DRAFT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@dataclass(frozen=True)
class PreparedBy:
    login: str
    name: str
    draft_id: str  # a uuid4, lower case
    authorisation: Authorisation | None = None  # 代办: the principal's 代办委托书; None for 帮办

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"login": self.login, "name": self.name, "draft_id": self.draft_id}
        if self.authorisation is not None:  # absent otherwise, as from windows before 代办
            data["authorisation"] = self.authorisation.as_json()
        return data

    @classmethod
    def from_json(cls, data: Any) -> PreparedBy | None:
        if not isinstance(data, dict):
            return None
        login, name, draft_id = data.get("login"), data.get("name"), data.get("draft_id")
        if not (isinstance(login, str) and isinstance(name, str) and isinstance(draft_id, str)):
            return None
        authorisation = None
        if data.get("authorisation") is not None:
            try:
                authorisation = authorisation_from_json(data["authorisation"])
            except ValueError:
                return None
        return cls(login=login, name=name, draft_id=draft_id, authorisation=authorisation)
