"""`clerk` commands that set a data folder up and look after it: a demo folder, (interim) a local account,
the database's check.

    clerk demo-init [--home DIR]                 make DIR a demo folder (demo hall, window, accounts)
    clerk account add LOGIN --name NAME [--role clerk|supervisor]   password from CLERK_PASSWORD or a prompt
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

from app.accounts import ROLES, AccountError
from app.accounts.demo import DEMO_CLERK, DEMO_SUPERVISOR
from app.accounts.local import add_account
from app.settings import Settings
from app.workspace import (
    DATABASE_NAME,
    REGISTER_HOW,
    SETTINGS_NAME,
    NotRegisteredError,
    Workspace,
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
    account = sub.add_parser("account", help="本窗口工作人员账号（临时办法）").add_subparsers(
        dest="action", required=True
    )
    p = account.add_parser(
        "add",
        parents=[common],
        help=f"为已登记的窗口添加本地账号（临时办法，账号将改由服务器下发）；"
        f"密码取自 {PASSWORD_ENV} 或提示输入",
    )
    p.add_argument("login", help="账号，如 wang.fang")
    p.add_argument("--name", required=True, help="姓名")
    p.add_argument(
        "--role", choices=sorted(ROLES), default="clerk", help="clerk 窗口人员，supervisor 值班主任"
    )
    p.set_defaults(handler=_account_add)
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
    accounts = [DEMO_CLERK[:2], DEMO_SUPERVISOR[:2]]
    out.emit(
        {"home": str(home), **data, "accounts": accounts},
        f"演示数据目录已就绪：{home}\n窗口 {data['window_name']}（{data['window_code']}，"
        f"大厅 {data['hall_code']}）；"
        f"账号 {DEMO_CLERK[0]}（{DEMO_CLERK[1]}）、{DEMO_SUPERVISOR[0]}（{DEMO_SUPERVISOR[1]}，值班主任），"
        f"密码均为 {DEMO_CLERK[2]}",
    )
    return 0


def _account_add(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    if not ws.settings.get("window_code"):
        raise NotRegisteredError(f"本数据目录（{ws.home}）尚未登记为窗口，不能添加账号。{REGISTER_HOW}")
    try:
        password = read_password(f"{args.login} 的密码：", twice=True)
    except PasswordUnavailable as error:
        return out.fail(f"{error}，未添加账号")
    try:
        add_account(ws.store, login=args.login, name=args.name, password=password, role=args.role)
    except AccountError as error:
        return out.fail(f"{error}，未添加账号")
    made_default = not ws.settings.get("default_clerk")
    if made_default:
        ws.settings.set("default_clerk", args.login)
    out.emit(
        {"login": args.login, "name": args.name.strip(), "role": args.role, "default_clerk": made_default},
        f"已添加{ROLES[args.role]}账号 {args.login}（{args.name.strip()}）"
        + ("，并设为命令行默认账号" if made_default else ""),
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
