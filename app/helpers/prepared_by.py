"""Who prepared a case before the counter: the helper (帮办员) and their draft. A case taken in from a
scanned 帮办预审单 records it (`AcceptanceRequest.prepared_by`, the case row, the `case.decided` event)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DRAFT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@dataclass(frozen=True)
class PreparedBy:
    login: str
    name: str
    draft_id: str  # a uuid4, lower case

    def as_json(self) -> dict[str, Any]:
        return {"login": self.login, "name": self.name, "draft_id": self.draft_id}

    @classmethod
    def from_json(cls, data: Any) -> PreparedBy | None:
        if not isinstance(data, dict):
            return None
        login, name, draft_id = data.get("login"), data.get("name"), data.get("draft_id")
        if not (isinstance(login, str) and isinstance(name, str) and isinstance(draft_id, str)):
            return None
        return cls(login=login, name=name, draft_id=draft_id)
