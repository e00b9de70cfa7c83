"""The demo hall's people: the same accounts in a demo folder (the window) and on the demo server
(`clerk-server init --demo`, which the demo window's embedded server runs), so a password is checked the
same on both sides. One person per role, so the demo shows the duties kept apart (受理、审批、出证). Never
created anywhere but in a demo."""

from __future__ import annotations

DEMO_HALL_CODE = "SZX01"
DEMO_PASSWORD = "demo1234"
DEMO_CLERK = ("demo", "王晓梅", DEMO_PASSWORD)  # 受理员: accepts, prints, hands over
DEMO_APPROVER = ("shenpi", "李文华", DEMO_PASSWORD)  # 审批员: approves
DEMO_ISSUER = ("chuzheng", "周敏", DEMO_PASSWORD)  # 出证员: prints certificates, hands over
DEMO_HELPER = ("bangban", "孙丽", DEMO_PASSWORD)  # 帮办员
DEMO_SUPERVISOR = ("zhuren", "陈建国", DEMO_PASSWORD)  # 值班主任: resolves sync conflicts
DEMO_IT = ("xinxi", "赵志强", DEMO_PASSWORD)  # 系统管理员: settings, accounts
# (login, name, password), role
DEMO_ACCOUNTS = (
    (DEMO_CLERK, "clerk"),
    (DEMO_APPROVER, "approver"),
    (DEMO_ISSUER, "issuer"),
    (DEMO_HELPER, "helper"),
    (DEMO_SUPERVISOR, "supervisor"),
    (DEMO_IT, "it"),
)
