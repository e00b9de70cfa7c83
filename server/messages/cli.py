"""`clerk-server messages list|dispatch`: the supervisor reading what applicants were told, hall IT sending
what is due once (the server's own dispatcher does it every few seconds while it runs)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from app.clock import hall_time_text
from app.diagnostics.masking import mask_identifiers
from server.cli_base import CliError, Parser, output, with_db
from server.clock import system_clock
from server.config import ServerConfig
from server.messages.dispatch import dispatch
from server.messages.gateways import Gateway
from server.messages.listing import day_start, list_messages
from server.messages.outbox import DELIVERED, FAILED, QUEUED
from server.messages.rules import PURPOSE_LABEL
from server.messages.settings import gateway_for, lease_for
from server.store import ServerDB

STATE_LABEL = {QUEUED: "待发送", DELIVERED: "已送达", FAILED: "发送失败"}


def add_message_commands(commands: argparse._SubParsersAction[Parser], common: Parser) -> None:
    messages = commands.add_parser("messages", parents=[common], help="发给申请人的办件消息")
    actions = messages.add_subparsers(dest="action", required=True, parser_class=Parser, metavar="操作")
    listing = actions.add_parser("list", parents=[common], help="列出消息（最新在前；电话号码部分隐去）")
    listing.add_argument("--hall", default=None, help="只列出该大厅的，如 SZX01")
    listing.add_argument("--since", default=None, metavar="YYYY-MM-DD", help="只列出该日（含）以后的")
    listing.add_argument("--state", default=None, choices=list(STATE_LABEL), help="只列出该状态的")
    listing.add_argument("--limit", type=int, default=500, help="最多列出条数（默认 500）")
    actions.add_parser(
        "dispatch", parents=[common], help="立即发送到期的消息一轮（服务器运行时会每隔几秒自动发送）"
    )


def _since(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"--since 应为日期 YYYY-MM-DD，实为“{text[:20]}”；未列出任何消息") from None


def _line(row: dict[str, Any]) -> str:
    state = STATE_LABEL.get(row["state"], row["state"])
    tried = f"，已尝试 {row['attempts']} 次" if row["attempts"] else ""
    error = f"：{row['last_error']}" if row["last_error"] and row["state"] != DELIVERED else ""
    return (
        f"#{row['id']}  {hall_time_text(row['created_at'])}  {row['hall_code']}  {row['case_number']}  "
        f"{PURPOSE_LABEL.get(row['purpose'], row['purpose'])}  {state}{tried}{error}\n"
        f"    发往 {row['phone'] or '（无电话）'}：{row['text']}"
    )


def cmd_messages(args: argparse.Namespace, config: ServerConfig) -> None:
    if args.action == "dispatch":
        gateway: Gateway = gateway_for(config)

        def run(db: ServerDB) -> Any:
            return dispatch(db, gateway, now=system_clock(), lease=lease_for(config))

        report = with_db(config, run)
        output(
            args,
            report.as_json(),
            f"本轮送达 {report.delivered} 条，稍后重试 {report.retried} 条，发送失败 {report.failed} 条",
        )
        return
    since = _since(args.since)
    rows: list[dict[str, Any]] = with_db(
        config,
        lambda db: list_messages(
            db,
            hall_code=args.hall.strip().upper() if args.hall else None,
            since=day_start(since) if since else None,
            state=args.state,
            limit=args.limit,
        ),
    )
    for row in rows:  # the supervisor's list: no whole phone number, in the JSON either
        row["phone"] = mask_identifiers(row["phone"])
    output(args, rows, "\n".join(_line(r) for r in rows) or "没有消息")
