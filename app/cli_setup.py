"""`clerk` commands that set a data folder up and look after it: a demo folder, the database's check.
A window's accounts come from its server by sync (hall IT adds them with `clerk-server account add`).

    clerk demo-init [--home DIR]                 make DIR a demo folder (demo hall, window, accounts)
    clerk db check [--home DIR] [--json]         full check of the window's database; changes nothing

Registering a folder as a real window is `clerk register` (app.sync.registration).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any, Protocol

from app.accounts import ROLES
from app.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from app.settings import Settings
from app.workspace import (
    DATABASE_NAME,
    SETTINGS_NAME,
    default_home,
    prepare_demo_home,
)

PASSWORD_ENV = "CLERK_PASSWORD"


class PasswordUnavailable(Exception):
    """No password could be had (no CLERK_PASSWORD and no terminal, or two entries differ)."""


def read_password(prompt: str, *, twice: bool = False) -> str:
    """A password the way every `clerk` command takes one: CLERK_PASSWORD (for scripts), or typed at a
    terminal without echo (twice for a new one). PasswordUnavailable says what to do otherwise."""
    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise PasswordUnavailable(f"请在终端中运行以输入密码，或用环境变量 {PASSWORD_ENV} 提供密码")
    password = getpass.getpass(prompt)
    if twice and getpass.getpass("再输入一次：") != password:
        raise PasswordUnavailable("两次输入的密码不一致")
    return password


class Output(Protocol):
    def emit(self, data: Any, text: str) -> None: ...
    def fail(self, message: str, *, data: dict[str, Any] | None = None) -> int: ...


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the set-up commands to `clerk`'s subcommands."""
    p = sub.add_parser(
        "demo-init",
        parents=[common],
        help="把数据目录建成演示目录（示例大厅 SZX01、窗口 SZX0103、演示账号），供演示和培训",
    )
    p.set_defaults(handler=_demo_init, needs_workspace=False)
    db = sub.add_parser("db", help="本窗口数据库").add_subparsers(
        dest="action", required=True, metavar="操作"
    )
    p = db.add_parser(
        "check",
        parents=[common],
        help="全面检查本窗口数据库（完整性、外键、结构版本），不作任何改动",
        description="数据库损坏时窗口和命令行都会拒绝启动；本命令列出问题，供信息技术人员判断和从备份恢复。",
        epilog="退出码：0 正常；1 发现问题（逐条列出）。",
    )
    p.set_defaults(handler=_db_check, needs_workspace=False)


def _demo_init(args: argparse.Namespace, out: Output) -> int:
    home = Path(getattr(args, "home", None) or default_home())
    prepare_demo_home(home)
    settings = Settings(home / SETTINGS_NAME)
    data = {key: settings.get(key) for key in ("demo", "hall_code", "window_code", "window_name")}
    accounts = [[login, name, role] for (login, name, _), role in DEMO_ACCOUNTS]
    people = "、".join(f"{login}（{name}，{ROLES[role]}）" for login, name, role in accounts)
    out.emit(
        {"home": str(home), **data, "accounts": accounts},
        f"演示数据目录已就绪：{home}\n窗口 {data['window_name']}（{data['window_code']}，"
        f"大厅 {data['hall_code']}）；账号 {people}，密码均为 {DEMO_PASSWORD}",
    )
    return 0


def _db_check(args: argparse.Namespace, out: Output) -> int:
    from db.check import WHAT_TO_DO, full_check
    from db.models import Base
    from db.store import SCHEMA_VERSION

    path = Path(getattr(args, "home", None) or default_home()) / DATABASE_NAME
    report = full_check(path, schema_version=SCHEMA_VERSION, tables=set(Base.metadata.tables))
    if not report.sound:
        for finding in report.findings:
            print(f"  {finding.message}", file=sys.stderr)
        message = f"数据库检查发现 {len(report.findings)} 处问题：{path}。" + WHAT_TO_DO.format(
            folder=path.parent
        )
        return out.fail(message, data=report.as_json())
    pending = report.pending_events or 0
    out.emit(
        report.as_json(),
        f"数据库正常：{path}（{report.size / 1024 / 1024:.1f} MB，结构版本 {report.schema_version}，"
        f"办件 {report.cases} 件，待上传 {pending} 条" + ("，尚未到服务器" if pending else "") + "）",
    )
    return 0
