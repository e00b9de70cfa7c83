"""`clerk-server account add|list|disable|enable|reset-password|roles`: hall IT managing a hall's accounts
on the server (server.accounts, server.account_changes). Every change reaches the hall's windows by their
next pull. Passwords hall IT gives come from CLERK_PASSWORD or a no-echo prompt, or are made by the server
(`--generate`) and printed once; they are temporary: the person sets their own at first sign-in."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from app.accounts.people import ROLES, role_choices, roles_label
from app.clock import hall_time_text
from server import account_changes, accounts
from server.cli_base import PASSWORD_ENV, CliError, Parser, output, with_db
from server.clock import system_clock
from server.config import ServerConfig
from server.store import ServerDB


def add_account_commands(commands: argparse._SubParsersAction[Parser], common: Parser) -> None:
    account = commands.add_parser(
        "account", parents=[common], help="大厅工作人员账号（变更经同步下发到各窗口）"
    )
    account_actions = account.add_subparsers(
        dest="action", required=True, parser_class=Parser, metavar="操作"
    )
    temporary = Parser(add_help=False)
    temporary.add_argument(
        "--valid-days",
        type=int,
        default=accounts.DEFAULT_TEMPORARY_DAYS,
        help=f"临时密码有效天数（默认 {accounts.DEFAULT_TEMPORARY_DAYS}，本人首次登录时须改为自己的密码）",
    )
    temporary.add_argument("--generate", action="store_true", help="由服务器生成临时密码（只显示这一次）")
    one = Parser(add_help=False)
    one.add_argument("login", metavar="LOGIN", help="账号，如 zhuren、wang.fang")
    one.add_argument("--hall", required=True, help="大厅编码，如 SZX01")
    role = Parser(add_help=False)
    role.add_argument(
        "--role",
        action="append",
        required=True,
        choices=list(ROLES),
        help=f"角色，可重复：{role_choices()}",
    )
    add = account_actions.add_parser(
        "add",
        parents=[common, one, role, temporary],
        help=f"添加账号（临时密码）；密码取自环境变量 {PASSWORD_ENV}，"
        "或在终端提示输入（不回显），或 --generate",
    )
    add.add_argument("--name", required=True, help="姓名")
    listing = account_actions.add_parser("list", parents=[common], help="列出账号（不含密码）")
    listing.add_argument("--hall", default=None, help="只列出该大厅的账号")
    account_actions.add_parser(
        "disable", parents=[common, one], help="停用账号（各窗口下次同步后不能再登录）"
    )
    account_actions.add_parser("enable", parents=[common, one], help="重新启用账号")
    account_actions.add_parser(
        "reset-password",
        parents=[common, one, temporary],
        help=f"重置为临时密码；密码取自环境变量 {PASSWORD_ENV}，或在终端提示输入，或 --generate",
    )
    account_actions.add_parser("roles", parents=[common, one, role], help="设置账号的角色（替换原有角色）")


def _new_password(login: str, *, nothing_done: str) -> str:
    """A password hall IT gives: CLERK_PASSWORD (scripts), or typed twice at a terminal without echo."""
    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise CliError(
            f"请在终端中运行以输入密码，或用环境变量 {PASSWORD_ENV} 提供密码，"
            f"或用 --generate 生成；{nothing_done}"
        )
    password = getpass.getpass(f"{login} 的临时密码：")
    if getpass.getpass("再输入一次：") != password:
        raise CliError(f"两次输入的密码不一致，{nothing_done}")
    return password


def _temporary(args: argparse.Namespace, *, nothing_done: str) -> str | None:
    """The temporary password hall IT gives, or None: the server makes one (`--generate`)."""
    return None if args.generate else _new_password(args.login, nothing_done=nothing_done)


def _account_state(row: dict[str, Any]) -> str:
    state = "" if row["enabled"] else f"  已停用 {hall_time_text(row['disabled_at'])}"
    if row["expired"]:
        state += "  临时密码已过期（需重置）"
    elif row["temporary"]:
        state += f"  临时密码（首次登录须修改，有效至 {hall_time_text(row['temporary_until'])}）"
    return state


def cmd_account(args: argparse.Namespace, config: ServerConfig) -> None:
    if args.action == "list":
        hall_code = args.hall.strip().upper() if args.hall else None
        rows: list[dict[str, Any]] = with_db(
            config, lambda db: accounts.list_accounts(db, hall_code=hall_code, now=system_clock())
        )
        lines = [
            f"{r['hall_code']}  {r['login']}  {r['name']}  {roles_label(r['roles'])}{_account_state(r)}"
            for r in rows
        ]
        output(args, rows, "\n".join(lines) or "没有账号（clerk-server account add 添加）")
        return
    hall_code = args.hall.strip().upper()
    if args.action == "add":
        _account_add(args, config, hall_code)
        return
    changed: account_changes.Changed = with_db(
        config, lambda db: _ACCOUNT_CHANGES[args.action](db, args, hall_code)
    )
    entry = changed.entry
    if args.action == "reset-password":
        text = f"大厅 {hall_code} 账号 {entry.login}（{entry.name}）的密码已重置为临时密码"
        if changed.temporary_password is not None:
            text += f"：\n\n    {changed.temporary_password}\n\n（只显示这一次，请交给本人）"
        text += f"\n有效至 {hall_time_text(_utc(entry.temporary_until))}，本人首次登录时须改为自己的密码"
        if not entry.enabled:
            text += "\n注意：该账号仍是停用状态（clerk-server account enable 启用）"
    else:
        text = _ACCOUNT_DONE[args.action, changed.changed].format(
            hall=hall_code, login=entry.login, name=entry.name, roles=roles_label(list(entry.roles))
        )
    output(args, changed.as_json(), text)


def _utc(moment: Any) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z" if moment else ""


def _account_add(args: argparse.Namespace, config: ServerConfig, hall_code: str) -> None:
    given = _temporary(args, nothing_done="未添加账号")
    password = account_changes.generate_password() if given is None else given
    person: accounts.Person = with_db(
        config,
        lambda db: accounts.add_account(
            db,
            hall_code=hall_code,
            login=args.login,
            name=args.name,
            roles=args.role,
            password=password,
            now=system_clock(),
            valid_days=args.valid_days,
        ),
    )
    shown = {
        "hall_code": person.hall_code,
        "login": person.login,
        "name": person.name,
        "roles": list(person.roles),
    }
    roles = roles_label(list(person.roles))
    text = f"已为大厅 {person.hall_code} 添加账号 {person.login}（{person.name}，{roles}）"
    if given is None:
        shown["temporary_password"] = password
        text += f"，临时密码：\n\n    {password}\n\n（只显示这一次，请交给本人）"
    text += f"\n临时密码 {args.valid_days} 天内有效，本人首次登录时须改为自己的密码"
    output(args, shown, text)


_ACCOUNT_CHANGES: dict[str, Callable[[ServerDB, argparse.Namespace, str], account_changes.Changed]] = {
    "disable": lambda db, args, hall_code: account_changes.disable(
        db, hall_code=hall_code, login=args.login, now=system_clock()
    ),
    "enable": lambda db, args, hall_code: account_changes.enable(
        db, hall_code=hall_code, login=args.login, now=system_clock()
    ),
    "reset-password": lambda db, args, hall_code: account_changes.reset_password(
        db,
        hall_code=hall_code,
        login=args.login,
        now=system_clock(),
        password=_temporary(args, nothing_done="未重置密码"),
        valid_days=args.valid_days,
    ),
    "roles": lambda db, args, hall_code: account_changes.set_roles(
        db, hall_code=hall_code, login=args.login, roles=args.role, now=system_clock()
    ),
}
# (action, changed) → what hall IT reads
_ACCOUNT_DONE = {
    ("disable", True): "大厅 {hall} 账号 {login}（{name}）已停用；各窗口下次同步后不能再用它登录",
    ("disable", False): "大厅 {hall} 账号 {login}（{name}）本已停用，未作改动",
    ("enable", True): "大厅 {hall} 账号 {login}（{name}）已启用；各窗口下次同步后可用它登录",
    ("enable", False): "大厅 {hall} 账号 {login}（{name}）本已启用，未作改动",
    ("roles", True): "大厅 {hall} 账号 {login}（{name}）的角色已设为：{roles}",
    ("roles", False): "大厅 {hall} 账号 {login}（{name}）的角色本就是：{roles}，未作改动",
}
