"""`clerk-server`: the central server's command line, for hall IT.

    clerk-server init [--demo] [--catalog FILE]     create or migrate the database; load halls
    clerk-server serve                              run the HTTP(S) server (settings: server.config)
    clerk-server enroll-code --hall SZX01 --window SZX0103 [--window-name 3号窗口] [--replace] [--hours 24]
    clerk-server devices [--active]                 registered window PCs
    clerk-server revoke DEVICE_ID [--reason TEXT]
    clerk-server conflicts [--all]                  what a supervisor must look at
    clerk-server account add --hall SZX01 LOGIN --name NAME --role supervisor [--role clerk]
                     [--valid-days 3] [--generate]  a temporary password (changed at first sign-in) from
                                                    CLERK_PASSWORD, a prompt (no echo), or made and shown once
    clerk-server account list [--hall SZX01]        the hall's people (never their password hashes)
    clerk-server account disable|enable --hall SZX01 LOGIN
    clerk-server account reset-password --hall SZX01 LOGIN [--valid-days 3] [--generate]
    clerk-server account roles --hall SZX01 LOGIN --role clerk [--role approver]
                                                    every account change reaches the hall's windows by sync
    clerk-server messages list [--hall SZX01] [--since 2026-11-20] [--state queued|delivered|failed]
    clerk-server messages dispatch                  send the messages to applicants that are due, once
    clerk-server ratings list [--unfavourable] [--hall SZX01]
                                                    好差评; a 差评 with its follow-up due day and follow-up
    clerk-server halls

Every command takes `--json` (machine-readable output) and `--database URL` (instead of DATABASE_URL).
Bad input: a Chinese message on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from app import __version__
from app.accounts.demo import DEMO_ACCOUNTS, DEMO_HALL_CODE
from app.accounts.people import ROLES
from app.catalog import CatalogError, Hall, parse_catalog
from app.clock import hall_time_text
from app.diagnostics.masking import MaskingFilter
from app.sync.wire import CONFLICT_REASON_LABEL, EVENT_KIND_LABEL
from server import account_cli, accounts, admin, audit, rating_cli, reference
from server.cli_base import PASSWORD_ENV as PASSWORD_ENV  # scripts and tests set it
from server.cli_base import CliError
from server.cli_base import Parser as _Parser
from server.cli_base import output as _output
from server.cli_base import with_db as _with_db
from server.clock import system_clock
from server.config import ConfigError, ServerConfig, check_serving, load_config, normalize_database_url
from server.messages import cli as message_cli
from server.store import DatabaseError, describe_url, open_server_db

log = logging.getLogger("clerk.server.cli")


DEFAULT_REVOKE_REASON = "大厅信息技术人员注销"
# Reasons the server itself records (in English before this was said in Chinese): what hall IT reads.
_REPLACED_BY = re.compile(r"replaced by (\S+)")
_REASON_LABEL = {"revoked by hall IT": DEFAULT_REVOKE_REASON}


def revoked_reason_label(reason: str | None) -> str:
    """A device's revocation reason for people: the server's own words in Chinese, hall IT's as typed."""
    if not reason:
        return "未说明原因"
    replaced = _REPLACED_BY.fullmatch(reason)
    if replaced:
        return f"该窗口已由新设备 {replaced.group(1)} 替换"
    return _REASON_LABEL.get(reason, reason)


def _common(default_json: object, default_database: object) -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", default=default_json, help="以 JSON 输出")
    common.add_argument(
        "--database", default=default_database, metavar="URL", help="数据库（默认 DATABASE_URL）"
    )
    return common


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="clerk-server", description="窗口综合受理系统中心服务器", parents=[_common(False, None)]
    )
    parser.add_argument(
        "--version", action="version", version=f"clerk-server {__version__}", help="显示版本号"
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="命令")
    # Options given after the command override those before it; absent ones leave them alone.
    common = _common(argparse.SUPPRESS, argparse.SUPPRESS)

    init = commands.add_parser("init", parents=[common], help="创建或升级数据库，载入大厅")
    init.add_argument("--demo", action="store_true", help="发布示例事项目录（大厅 SZX01、SZX02）")
    init.add_argument("--catalog", type=Path, metavar="FILE", help="发布事项目录文件（并载入其中的大厅）")
    commands.add_parser("serve", parents=[common], help="运行服务器（HTTPS 设置见 CLERK_SERVER_TLS_*）")
    _add_device_commands(commands, common)
    _add_conflict_commands(commands, common)
    _add_publishing_commands(commands, common)
    account_cli.add_account_commands(commands, common)
    message_cli.add_message_commands(commands, common)
    rating_cli.add_rating_commands(commands, common)
    commands.add_parser("halls", parents=[common], help="列出大厅")
    return parser


def _add_device_commands(commands: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    code = commands.add_parser("enroll-code", parents=[common], help="签发窗口一次性登记码")
    code.add_argument("--hall", required=True, help="大厅编码，如 SZX01")
    code.add_argument("--window", required=True, help="窗口编码，如 SZX0103")
    code.add_argument("--window-name", default="", help="窗口名称，登记时写入窗口设置，如 3号综合受理窗口")
    code.add_argument(
        "--replace", action="store_true", help="替换该窗口现有设备（新设备确认登记后，旧设备被注销）"
    )
    code.add_argument("--hours", type=int, default=24, help="有效小时数（默认 24）")

    devices = commands.add_parser("devices", parents=[common], help="列出已登记设备")
    devices.add_argument("--active", action="store_true", help="只列出未注销的设备")

    revoke = commands.add_parser("revoke", parents=[common], help="注销设备")
    revoke.add_argument("device_id", metavar="DEVICE_ID")
    revoke.add_argument(
        "--reason", default=DEFAULT_REVOKE_REASON, help="注销原因（默认：大厅信息技术人员注销）"
    )


def _add_conflict_commands(commands: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    conflicts = commands.add_parser("conflicts", parents=[common], help="列出未处理的同步冲突")
    conflicts.add_argument("--all", action="store_true", help="包括已处理的")

    resolve = commands.add_parser("resolve-conflict", parents=[common], help="记录冲突的处理结果")
    resolve.add_argument("conflict_id", type=int, metavar="ID")
    resolve.add_argument("--resolution", required=True, help="处理意见：核实结果和处理办法")
    resolve.add_argument("--by", required=True, help="处理人")

    audit = commands.add_parser(
        "audit-events", parents=[common], help="列出窗口的登录、登录失败、锁屏、改密码和导出记录（最新在前）"
    )
    audit.add_argument("--hall", default=None, help="只列出该大厅的")
    audit.add_argument("--window", default=None, help="只列出该窗口的")
    audit.add_argument("--limit", type=int, default=200, help="最多列出条数（默认 200）")


def _add_publishing_commands(commands: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    """`catalog` and `calendar`: publish a file to every hall's windows, or list what was published."""
    catalog = commands.add_parser("catalog", parents=[common], help="发布或列出事项目录版本")
    catalog_actions = catalog.add_subparsers(
        dest="action", required=True, parser_class=_Parser, metavar="操作"
    )
    catalog_actions.add_parser("list", parents=[common], help="列出已发布的版本")
    publish = catalog_actions.add_parser("publish", parents=[common], help="发布事项目录文件到各大厅窗口")
    publish.add_argument("file", type=Path, metavar="FILE")

    calendar = commands.add_parser("calendar", parents=[common], help="发布或列出节假日安排")
    calendar_actions = calendar.add_subparsers(
        dest="action", required=True, parser_class=_Parser, metavar="操作"
    )
    calendar_actions.add_parser("list", parents=[common], help="列出已发布的年份")
    publish = calendar_actions.add_parser("publish", parents=[common], help="发布一年的节假日安排到各窗口")
    publish.add_argument("file", type=Path, metavar="FILE")


def _config(args: argparse.Namespace) -> ServerConfig:
    config = load_config()
    if args.database:
        config = replace(config, database_url=normalize_database_url(args.database))
    return config


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CliError(f"无法读取{what}文件 {path}：{error.strerror}") from None


def _cmd_init(args: argparse.Namespace, config: ServerConfig) -> None:
    catalogs: list[bytes] = []
    if args.demo:
        from app.catalog_store import demo_catalog_bytes

        catalogs.append(demo_catalog_bytes())
    if args.catalog is not None:
        catalogs.append(_read(args.catalog, "事项目录"))
    halls: list[Hall] = [h for content in catalogs for h in parse_catalog(content).halls]
    db = open_server_db(config.database_url)
    try:
        added, updated = admin.load_halls(db, halls, now=system_clock())
        for content in catalogs:
            reference.publish_catalog(db, content, now=system_clock())
        people = 0
        if args.demo:  # the demo window's people, so its supervisor's password checks here too
            demo = [
                (DEMO_HALL_CODE, login, name, password, role)
                for (login, name, password), role in DEMO_ACCOUNTS
            ]
            people = accounts.ensure_accounts(db, demo, now=system_clock())
        listed = admin.list_halls(db)
    finally:
        db.close()
    where = describe_url(config.database_url)
    demo_people = (
        f"\n演示账号（大厅 {DEMO_HALL_CODE}，新增 {people} 个）："
        + "、".join(f"{login}（{name}，{ROLES[role]}）" for (login, name, _), role in DEMO_ACCOUNTS)
        + f"，密码均为 {DEMO_ACCOUNTS[0][0][2]}"
        if args.demo
        else ""
    )
    _output(
        args,
        {
            "database": where,
            "halls_added": added,
            "halls_updated": updated,
            "halls": listed,
            "accounts_added": people,
        },
        f"数据库已就绪：{where}\n新增大厅 {added} 个，更新 {updated} 个；现有大厅："
        + ("、".join(f"{h['code']} {h['name']}" for h in listed) or "无（可用 --demo 或 --catalog 载入）")
        + demo_people,
    )


def _cmd_serve(args: argparse.Namespace, config: ServerConfig) -> None:
    import uvicorn

    from server.api import create_app

    check_serving(config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # no whole ID number or phone in the server's log either
        handler.addFilter(MaskingFilter())
    app = create_app(
        database_url=config.database_url,
        messages=config,
        blob_folder=config.blob_folder,
        hall_quota_bytes=config.hall_quota_bytes,
    )
    log.info(
        "serving %s on %s (database %s)",
        "HTTPS" if config.tls else "HTTP",
        config.base_url,
        describe_url(config.database_url),
    )
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        ssl_certfile=str(config.tls_cert) if config.tls_cert else None,
        ssl_keyfile=str(config.tls_key) if config.tls_key else None,
        ws="none",
        server_header=False,
        log_level="info",
        log_config=None,  # uvicorn's records go to the root handler above, masked
    )


def _cmd_enroll_code(args: argparse.Namespace, config: ServerConfig) -> None:
    issued: admin.IssuedCode = _with_db(
        config,
        lambda db: admin.issue_enrollment_code(
            db,
            hall_code=args.hall.strip().upper(),
            window_code=args.window.strip().upper(),
            replace=args.replace,
            hours=args.hours,
            now=system_clock(),
            window_name=args.window_name,
        ),
    )
    replace = "（替换登记：新设备确认登记后，该窗口现有设备将被注销）" if issued.replace else ""
    _output(
        args,
        issued.as_json(),
        f"窗口 {issued.window_code}（大厅 {issued.hall_code}）的一次性登记码{replace}：\n\n"
        f"    {issued.code}\n\n有效期至 {hall_time_text(issued.expires_at)}，只能使用一次。",
    )


def _device_state(row: dict[str, Any]) -> str:
    if row["revoked_at"]:
        return f"已注销 {hall_time_text(row['revoked_at'])}（{revoked_reason_label(row['revoked_reason'])}）"
    if row.get("state") == "pending":
        return "待确认（登记未完成，不能同步；该窗口原有设备仍有效）"
    return "有效"


def _cmd_devices(args: argparse.Namespace, config: ServerConfig) -> None:
    rows: list[dict[str, Any]] = _with_db(
        config, lambda db: admin.list_devices(db, include_revoked=not args.active)
    )
    lines = [
        f"{r['device_id']}  {r['hall_code']}/{r['window_code']}  {r['name']}  "
        f"登记于 {hall_time_text(r['enrolled_at'])}"
        f"  {_device_state(r)}"
        for r in rows
    ]
    _output(args, rows, "\n".join(lines) or "没有登记的设备")


def _cmd_revoke(args: argparse.Namespace, config: ServerConfig) -> None:
    _with_db(
        config, lambda db: admin.revoke_device(db, args.device_id, now=system_clock(), reason=args.reason)
    )
    _output(
        args,
        {"device_id": args.device_id, "revoked": True},
        f"设备 {args.device_id} 已注销；该窗口需用新的登记码重新登记",
    )


def _cmd_conflicts(args: argparse.Namespace, config: ServerConfig) -> None:
    rows: list[dict[str, Any]] = _with_db(
        config, lambda db: admin.list_conflicts(db, include_resolved=args.all)
    )
    lines = [
        f"#{r['id']}  {hall_time_text(r['created_at'])}  {r['hall_code']}/{r['window_code']}  "
        f"{r['case_number']}  "
        f"{CONFLICT_REASON_LABEL.get(r['reason'], r['reason'])}"
        + (f"  已处理：{r['resolution']}（{r['resolved_by']}）" if r.get("resolved_at") else "")
        + "\n"
        f"    {r['message']}\n    事件 {r['event_id']}，另一事件 {r['other_event_id']}，设备 {r['device_id']}"
        for r in rows
    ]
    _output(args, rows, "\n".join(lines) or "没有未处理的冲突")


def _cmd_audit_events(args: argparse.Namespace, config: ServerConfig) -> None:
    rows: list[dict[str, Any]] = _with_db(
        config,
        lambda db: audit.list_audit_events(
            db, hall_code=args.hall, window_code=args.window, limit=args.limit
        ),
    )
    lines = [
        f"{hall_time_text(r['received_at'])}  {r['hall_code']}/{r['window_code']}  "
        f"{EVENT_KIND_LABEL.get(r['kind'], r['kind'])}  {r['clerk_login']}  "
        f"{json.dumps(r['payload'], ensure_ascii=False)}"
        for r in rows
    ]
    _output(args, rows, "\n".join(lines) or "没有登录、锁屏或导出记录")


def _cmd_resolve(args: argparse.Namespace, config: ServerConfig) -> None:
    about: dict[str, Any] = _with_db(
        config,
        lambda db: admin.resolve_conflict(
            db, args.conflict_id, resolution=args.resolution, resolved_by=args.by, now=system_clock()
        ),
    )
    _output(
        args,
        about,
        f"冲突 #{args.conflict_id}（办件 {about['case_number']}）已记录处理结果，并通知该大厅各窗口",
    )


def _cmd_catalog(args: argparse.Namespace, config: ServerConfig) -> None:
    if args.action == "publish":
        content = _read(args.file, "事项目录")
        done: reference.Published = _with_db(
            config, lambda db: reference.publish_catalog(db, content, now=system_clock())
        )
        text = (
            f"事项目录 {done.key} 已发布到 {done.halls} 个大厅（新增大厅 {done.halls_added} 个）"
            if done.new
            else f"事项目录 {done.key} 此前已发布（内容相同），未重复发送"
        )
        _output(args, done.as_json(), text)
        return
    rows: list[dict[str, Any]] = _with_db(config, reference.list_catalogs)
    lines = [
        f"{r['version']}  发布日期 {r['published']}  事项 {r['items']} 个  "
        f"发布于 {hall_time_text(r['published_at'])}"
        for r in rows
    ]
    _output(args, rows, "\n".join(lines) or "尚未发布事项目录")


def _cmd_calendar(args: argparse.Namespace, config: ServerConfig) -> None:
    if args.action == "publish":
        content = _read(args.file, "节假日安排")
        done: reference.Published = _with_db(
            config, lambda db: reference.publish_calendar(db, content, now=system_clock())
        )
        text = (
            f"{done.key} 年节假日安排已发布到 {done.halls} 个大厅"
            if done.new
            else f"{done.key} 年节假日安排此前已发布（内容相同），未重复发送"
        )
        _output(args, done.as_json(), text)
        return
    rows: list[dict[str, Any]] = _with_db(config, reference.list_calendars)
    lines = [f"{r['year']}  {r['source']}  发布于 {hall_time_text(r['published_at'])}" for r in rows]
    _output(args, rows, "\n".join(lines) or "尚未发布节假日安排")


def _cmd_halls(args: argparse.Namespace, config: ServerConfig) -> None:
    rows: list[dict[str, Any]] = _with_db(config, admin.list_halls)
    lines = [f"{r['code']}  {r['name']}  有效设备 {r['active_devices']} 台" for r in rows]
    _output(args, rows, "\n".join(lines) or "没有大厅（clerk-server init --demo 或 --catalog 载入）")


COMMANDS: dict[str, Callable[[argparse.Namespace, ServerConfig], None]] = {
    "init": _cmd_init,
    "serve": _cmd_serve,
    "enroll-code": _cmd_enroll_code,
    "devices": _cmd_devices,
    "revoke": _cmd_revoke,
    "conflicts": _cmd_conflicts,
    "halls": _cmd_halls,
    "resolve-conflict": _cmd_resolve,
    "audit-events": _cmd_audit_events,
    "catalog": _cmd_catalog,
    "calendar": _cmd_calendar,
    "account": account_cli.cmd_account,
    "messages": message_cli.cmd_messages,
    "ratings": rating_cli.cmd_ratings,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = _config(args)
        COMMANDS[args.command](args, config)
    except (CliError, ConfigError, DatabaseError, CatalogError) as error:
        return _fail(args, "invalid", str(error))
    except reference.PublishError as error:
        return _fail(args, "invalid", str(error))
    except admin.AdminError as error:
        return _fail(args, error.code, error.message)
    return 0


def _fail(args: argparse.Namespace, code: str, message: str) -> int:
    if args.json:
        print(json.dumps({"error": code, "message": message}, ensure_ascii=False))
    print(f"错误：{message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
