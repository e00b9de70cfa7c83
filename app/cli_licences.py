"""`clerk licences import FILE` and `clerk licences list --holder ID`: the window's licence library
(app.licence_library) from the command line.

    clerk licences import FILE --clerk LOGIN     hall IT (系统管理员): a third-party licence file
                                                 (`window-clerk-licences/1`), with its issuers' keys
    clerk licences list --holder ID              the licences of this window's library held by ID

Importing changes data: it acts as a signed-in person with the role that loads catalog files (the settings
permission), proved by password. A file that does not hold (not JSON, another format, a licence whose seal
does not verify with the file's keys, a type its seal does not name, a key id already imported with another
key …) is refused whole with a message naming the first problem: nothing is stored. Listing reads only.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from app import json_input
from app.accounts.roles import Permission, require
from app.cli_setup import Output, read_password
from app.licence_library.evidence import SOURCE_LABEL, Licence
from app.licence_library.imports import MAX_FILE_BYTES
from app.licence_library.library import LicenceError, LicenceLibrary
from app.licence_library.lookup import HolderIdError, holder_number
from app.seal import VERIFICATION_LABEL
from app.workspace import Workspace, WorkspaceError

EXIT_OK, EXIT_INVALID = 0, 1


def add_commands(sub: Any, common: argparse.ArgumentParser, *, login_env: str, clerk_help: str) -> None:
    """Add `licences` to `clerk`'s subcommands."""
    licences = sub.add_parser("licences", help="电子证照库（电子证照免提交）").add_subparsers(
        dest="action", required=True, metavar="操作"
    )
    p = licences.add_parser(
        "import",
        parents=[common],
        help="导入外部电子证照文件（window-clerk-licences/1，含签发机关公钥；系统管理员）",
        description="导入第三方签发的电子证照及其签发机关公钥。文件中任何一处不符即整体拒收，不保存任何内容。",
    )
    p.add_argument("file", help="电子证照文件（- 为标准输入）")
    p.add_argument("--clerk", default=None, help=clerk_help)
    p.set_defaults(handler=_import, login_env=login_env)
    p = licences.add_parser("list", parents=[common], help="按持证人证件号列出本窗口证照库中的电子证照")
    p.add_argument("--holder", required=True, help="持证人证件号码或统一社会信用代码")
    p.set_defaults(handler=_list)


def _import(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    login = args.clerk or os.environ.get(args.login_env)
    if not login:
        raise WorkspaceError("此命令会改动数据，须以工作人员身份操作：--clerk 账号（系统管理员）")
    signed = ws.sign_in(login, read_password(f"{login} 的密码："))
    require(ws.account_roles(signed.login), Permission.SETTINGS, who=f"{signed.name}（{signed.login}）")
    content = json_input.read_bytes(args.file, what="电子证照文件", max_bytes=MAX_FILE_BYTES)
    library = LicenceLibrary(store=ws.store, clock=ws.clock)
    try:
        result = library.import_file(content, by=signed.login)
    except LicenceError as error:
        return out.fail(f"{error}；未导入任何内容", data={"file": args.file})
    out.emit(
        {"licences": result.licences, "keys": result.keys, "already": result.already},
        f"已导入电子证照 {result.licences} 个、签发机关公钥 {result.keys} 个"
        + (f"；{result.already} 个此前已导入" if result.already else ""),
    )
    return EXIT_OK


def _list(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    try:
        holder = holder_number(args.holder, today=ws.clock.today())
    except HolderIdError as error:
        return out.fail(str(error))
    library = LicenceLibrary(store=ws.store, clock=ws.clock)
    found = library.by_holder(holder)
    text = "\n".join(map(_line, found)) or "（没有电子证照）"
    out.emit([_licence_json(licence) for licence in found], text)
    return EXIT_OK


def _licence_json(licence: Licence) -> dict[str, Any]:
    return {
        "licence_id": licence.licence_id,
        "licence_type": licence.licence_type,
        "type_name": licence.type_name,
        "number": licence.number,
        "holder_name": licence.holder_name,
        "holder_id_masked": licence.holder_id_masked,
        "issuer_name": licence.issuer_name,
        "issued_on": licence.issued_on.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "source": str(licence.source),
        "status": str(licence.status),
    }


def _line(licence: Licence) -> str:
    status = VERIFICATION_LABEL.get(licence.status, str(licence.status))
    return f"{licence.summary}｜{SOURCE_LABEL[licence.source]}｜{status}"
