"""The demo hall's people: the same accounts in a demo folder (the window) and on the demo server
(`clerk-server init --demo`, which the demo window's embedded server runs), so the demo supervisor's
password is checked the same on both sides. Never created anywhere but in a demo."""

from __future__ import annotations

DEMO_HALL_CODE = "SZX01"
DEMO_CLERK = ("demo", "王晓梅", "demo1234")
DEMO_SUPERVISOR = ("zhuren", "陈建国", "demo1234")  # 值班主任: resolves sync conflicts
# (login, name, password), role
DEMO_ACCOUNTS = ((DEMO_CLERK, "clerk"), (DEMO_SUPERVISOR, "supervisor"))
