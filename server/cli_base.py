"""What the commands of `clerk-server` share: the parser that speaks Chinese, the error hall IT reads, the
output (text or `--json`), a database opened for one command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from app.chinese_argparse import ChineseArgumentParser, translate_error
from server.config import ServerConfig
from server.store import ServerDB, open_server_db

PASSWORD_ENV = "CLERK_PASSWORD"


class CliError(Exception):
    """Bad input or an unusable setting; the message is shown to hall IT."""


class Parser(ChineseArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"参数错误：{translate_error(message)}（用 {self.prog} -h 查看用法）\n")


def output(args: argparse.Namespace, data: Any, text: str) -> None:
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(text)


def with_db(config: ServerConfig, work: Callable[[ServerDB], Any]) -> Any:
    db = open_server_db(config.database_url)
    try:
        return work(db)
    finally:
        db.close()
