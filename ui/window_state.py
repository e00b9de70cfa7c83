"""How the clerk left the window: maximized or where it stood, and whether 今日办件 was folded away.

Kept in the data folder as its own small file (not in settings.json): it changes whenever the clerk
moves the window, and a damaged or stale one must never stop the window from opening — it is then
ignored and the window opens maximized. Written atomically.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from app.atomic import write_atomic

log = logging.getLogger("clerk.ui.state")

WINDOW_STATE_NAME = "ui-state.json"


@dataclass
class WindowState:
    maximized: bool = True
    # The window's place when not maximized: x, y, width, height in the screen's logical pixels.
    geometry: tuple[int, int, int, int] | None = None
    cases_open: bool = True

    @classmethod
    def load(cls, path: Path) -> WindowState:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            log.warning("window state %s unreadable, using defaults: %s", path, error)
            return cls()
        state = cls()
        if not isinstance(data, dict):
            log.warning("window state %s is not an object, using defaults", path)
            return state
        if isinstance(data.get("maximized"), bool):
            state.maximized = data["maximized"]
        if isinstance(data.get("cases_open"), bool):
            state.cases_open = data["cases_open"]
        geometry = data.get("geometry")
        if (
            isinstance(geometry, list)
            and len(geometry) == 4
            and all(isinstance(v, int) and not isinstance(v, bool) for v in geometry)
            and geometry[2] > 0
            and geometry[3] > 0
        ):
            state.geometry = (geometry[0], geometry[1], geometry[2], geometry[3])
        return state

    def save(self, path: Path) -> None:
        data = asdict(self)
        data["geometry"] = list(self.geometry) if self.geometry else None
        try:
            write_atomic(path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))
        except OSError as error:  # a read-only data folder loses the window's place, nothing else
            log.warning("window state not saved to %s: %s", path, error)
