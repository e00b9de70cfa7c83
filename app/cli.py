"""`clerk`: the window's services from the command line, with JSON output for scripts.

Exit codes: 0 done; 1 refused, with a message that names the problem (bad input, a file that cannot be read
or written, a damaged database …); 2 a wrong command line; 3 a bug (a crash report is written); 4 an
identifier that failed a check a clerk may override (`clerk id check`); 141 the reader of the output went
away (`clerk … | head`): ended quietly, as a shell reports a command ended by SIGPIPE.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from app import __version__, json_input
from app.acceptance import AcceptanceError
from app.accounts.roles import Permission, require
from app.atomic import FileWriteError
from app.case_number import CaseNumberError
from app.catalog import NECESSITY_LABEL, CatalogError
from app.certificates import CertificateError
from app.chinese_argparse import ChineseArgumentParser
from app.cli_audit import add_commands as add_audit_commands
from app.cli_conflicts import add_commands as add_conflict_commands
from app.cli_licences import add_commands as add_licence_commands
from app.cli_lifecycle import add_commands as add_lifecycle_commands
from app.cli_setup import PasswordUnavailable, read_password
from app.cli_setup import add_commands as add_setup_commands
from app.cli_workdays import add_commands as add_workdays_commands
from app.clock import hall_time_text
from app.completeness import OUTCOME_LABEL, Outcome, Verdict
from app.diagnostics import mask_identifiers, start_logging, write_crash_report
from app.documents.content import DocumentError
from app.documents.fonts import FontError
from app.documents.kinds import TITLE, DocumentKind
from app.identifiers import IdCheck, fold_id_text
from app.identity_documents import (
    ID_KINDS,
    IdKind,
    check_id,
    formats_with_rules,
    guess_id_kind,
    id_kind_label,
)
from app.intake import InputError, parse_request
from app.licences import LicenceError, parse_field_option
from app.operations.certificates import approve_case, hand_over_certificate
from app.operations.changes import REFUSALS
from app.operations.counter import accept_case
from app.operations.lookup import look_up_case
from app.operations.person import Actor
from app.operations.printing import render_document, write_document
from app.operations.sync import reconcile, register_window, sync_with_server
from app.pickup import Capacity
from app.seal import VERIFICATION_LABEL
from app.secrets import SecretStoreError
from app.settings import SettingsError
from app.sync.client import SyncError
from app.sync.wire import EVENT_KIND_LABEL, MAX_EVENT_BYTES, REJECTION_LABEL
from app.workspace import Workspace, WorkspaceError, default_home, open_workspace
from db.store import StoreError

log = logging.getLogger("clerk.cli")

# 2 is argparse's (a wrong command line); 4: an identifier failed a check the clerk may override with a
# reason (an early pilot credit code), see `clerk id check`; 141 = 128 + SIGPIPE: the output's reader went
# away, what a shell reports for other tools in `… | head`.
EXIT_OK, EXIT_INVALID, EXIT_BUG, EXIT_OVERRIDABLE, EXIT_BROKEN_PIPE = 0, 1, 3, 4, 141
# Files handed to `clerk`: a request becomes one sync event, so it can be no larger than one.
MAX_REQUEST_BYTES = MAX_EVENT_BYTES
MAX_CATALOG_FILE_BYTES = 64 * 1024 * 1024
MAX_KEYS_FILE_BYTES = 1024 * 1024


class Output:
    def __init__(self, *, as_json: bool) -> None:
        self.as_json = as_json

    def emit(self, data: Any, text: str) -> None:
        if self.as_json:
            print(json.dumps(data, ensure_ascii=False, indent=1, default=str))
        else:
            print(text)

    def fail(self, message: str, *, data: dict[str, Any] | None = None) -> int:
        print(f"错误：{message}", file=sys.stderr)
        if self.as_json:
            print(json.dumps({"error": message, **(data or {})}, ensure_ascii=False, indent=1))
        return EXIT_INVALID


# `clerk id check --kind`: every 证件类型 code, and the two words of the time before 证件类型.
ID_KIND_ALIASES = {"person": IdKind.RESIDENT_ID, "organization": IdKind.USCC}


def _id_data(kind: IdKind | None, result: IdCheck | None) -> dict[str, Any]:
    return {
        "valid": bool(result and result.ok),
        "kind": str(kind) if kind else None,
        "kind_label": id_kind_label(kind) if kind else None,
        "normalized": result.normalized if result else None,
        "code": result.code if result else "unknown_kind",
        "reason": result.reason if result else None,
        "overridable": bool(result and result.overridable),
        "birth_date": result.birth_date.isoformat() if result and result.birth_date else None,
        "warnings": [result.warning] if result and result.warning else [],
    }


def _id_check(args: argparse.Namespace, out: Output) -> int:
    from app.clock import Clock

    today = Clock().today()  # the hall's day, read now
    tried: tuple[tuple[IdKind, IdCheck], ...] = ()
    if args.kind == "auto":
        guess = guess_id_kind(args.value, today=today)
        kind, result, tried = guess.kind, guess.check, guess.tried
    else:
        kind = ID_KIND_ALIASES.get(args.kind) or IdKind(args.kind)
        result = check_id(kind, args.value, today=today)
    data = _id_data(kind, result)
    data["tried"] = [_id_data(k, r) for k, r in tried]
    if kind is None or result is None:
        length = len(fold_id_text(args.value))
        data["reason"] = (
            f"无法判断证件类型：号码共 {length} 位，不符合任何有校验规则的证件（{formats_with_rules()}）；"
            "护照等无统一规则的证件请用 --kind 指定"
        )
        print(data["reason"], file=sys.stderr)
    elif result.ok:
        label = ID_KINDS[kind].label
        if ID_KINDS[kind].has_rule:
            text = f"有效：{label} {result.normalized}"
        else:
            text = f"{label}号码无统一校验规则，按原样记录：{result.normalized}（请与证件核对）"
        if result.birth_date is not None:
            text += f"（出生日期 {result.birth_date:%Y-%m-%d}）"
        if result.warning:
            text += f"\n警告：{result.warning}"
        out.emit(data, text)
        return EXIT_OK
    elif result.overridable:
        print(result.reason, file=sys.stderr)
    elif len(tried) > 1:
        lines = [f"{len(fold_id_text(args.value))} 位号码不符合任何证件类型的规则："]
        lines += [f"  {ID_KINDS[k].label}：{r.reason}" for k, r in tried]
        print("\n".join(lines), file=sys.stderr)
    else:
        print(result.reason, file=sys.stderr)
    if out.as_json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
    return EXIT_OVERRIDABLE if result is not None and result.overridable else EXIT_INVALID


def _catalog_search(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    if args.limit < 1:
        return out.fail("--limit 应为正整数")
    hits = ws.catalog.index.search(args.query, limit=args.limit)
    data = []
    for hit in hits:
        item = ws.catalog.item(hit.code)
        assert item is not None
        data.append({"code": item.code, "name": item.name, "type": item.item_type, "body": item.body_name})
    out.emit(data, "\n".join(f"{d['code']}  {d['name']}" for d in data) or "（无匹配事项）")
    return EXIT_OK


def _catalog_show(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    item = ws.catalog.item(args.code)
    if item is None:
        return out.fail(f"事项目录（{ws.catalog.version}）中没有事项编码 {args.code}")
    lines = [
        f"{item.name}  {item.code}",
        f"{item.item_type} · {item.body_name} · 承诺时限 {item.promised_limit.label}",
    ]
    lines += [
        f"  {m.code} {m.name}（{m.forms_label} {m.copies}份，{NECESSITY_LABEL[m.necessity]}）"
        for m in item.materials
    ]
    out.emit(item.as_json(), "\n".join(lines))
    return EXIT_OK


LOGIN_ENV = "CLERK_LOGIN"
CLERK_HELP = (
    f"以此工作人员账号操作（必填，脚本可用环境变量 {LOGIN_ENV}）；"
    "密码在提示时输入，脚本用环境变量 CLERK_PASSWORD 提供"
)


def _signed_in(ws: Workspace, args: argparse.Namespace) -> tuple[Actor, str]:
    """The person a command that changes data acts as (`--clerk`, proved by password), and the password
    (approving asks for it again). The folder is checked to be a window first, so an unregistered one says
    so before anyone types a password."""
    ws.check_window()
    login, password = _credentials(args)
    return ws.person(login, password), password


def _credentials(args: argparse.Namespace) -> tuple[str, str]:
    login = args.clerk or os.environ.get(LOGIN_ENV)
    if not login:
        raise WorkspaceError(f"此命令会改动数据，须以工作人员身份操作：--clerk 账号。{CLERK_HELP}")
    return login, read_password(f"{login} 的密码：")


def _catalog_load(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from app.catalog_store import load_catalog

    login, password = _credentials(args)  # hall IT: the folder may have no catalog yet
    signed = ws.sign_in(login, password)
    require(ws.account_roles(signed.login), Permission.SETTINGS, who=f"{signed.name}（{signed.login}）")
    content = json_input.read_bytes(args.file, what="事项目录文件", max_bytes=MAX_CATALOG_FILE_BYTES)
    version, new = load_catalog(ws.store, content, now=ws.clock.now())
    out.emit(
        {"version": version, "loaded": new}, f"事项目录 {version} {'已加载' if new else '已存在，未重复加载'}"
    )
    return EXIT_OK


def _accept(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    data = json_input.read_json_file(args.file, what="申请文件", max_bytes=MAX_REQUEST_BYTES)
    person, _ = _signed_in(ws, args)  # a folder that is not a window says so before the request is read
    accepted = accept_case(ws, person=person, request=parse_request(data))
    case = accepted.case
    result = {
        "case_number": case.number,
        "decision": str(case.decision),
        "missing": case.materials_with(Verdict.MISSING),
        "defective": case.materials_with(Verdict.DEFECTIVE),
        "tolerated": case.materials_with(Verdict.TOLERATED),
        "promised_date": case.promised_date.isoformat() if case.promised_date else None,
        "supplement_deadline": case.supplement_deadline.isoformat() if case.supplement_deadline else None,
        "referral_office": case.referral_office,
        "findings": [f.to_json() for f in case.findings],
    }
    text = [f"办件编号 {case.number}：{case.decision_label}"]
    text += [f"  - {f.message}" for f in case.findings if f.outcome != Verdict.OK]
    if case.promised_date:
        text.append(f"承诺办结日期 {case.promised_date.isoformat()}")
    out.emit(result, "\n".join(text))
    return EXIT_OK


def _decision(code: str) -> str:
    try:
        return OUTCOME_LABEL[Outcome(code)]
    except ValueError:
        return code


def _case_show(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    found = look_up_case(ws, number=args.number)
    if found.case is None:
        if found.elsewhere is None:
            return out.fail(found.not_found)
        out.emit(found.elsewhere.to_json(), found.elsewhere_line())
        return EXIT_OK
    case = found.case
    text = [
        f"{case.number}  {case.item_name}",
        f"申请人 {case.applicant.name}  决定 {case.decision_label}  状态 {case.status_label}",
    ]
    text.append(f"受理时间 {hall_time_text(case.created_at)}")
    text += [f"  - {f.message}" for f in case.findings]
    text += _print_history(ws, case.number)
    out.emit(case.to_json(), "\n".join(text))
    return EXIT_OK


def _print_history(ws: Workspace, number: str) -> list[str]:
    lines = [
        f"  {hall_time_text(p['printed_at'])}  {TITLE[DocumentKind(p['kind'])]} {p['number']} ×{p['copies']}"
        + (f"（补打：{p['reason']}）" if p["reprint"] else "")
        for p in ws.documents.prints(number)
    ]
    return ["打印记录："] + lines if lines else []


def _case_list(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    try:
        day = date.fromisoformat(args.day) if args.day else ws.clock.today()
    except ValueError:
        return out.fail(f"日期格式错误：{args.day}（应为 YYYY-MM-DD）")
    rows = ws.cases.for_day(day)
    data = [r.__dict__ for r in rows]
    out.emit(
        data,
        "\n".join(f"{r.number}  {r.item_name}  {r.applicant_name}  {_decision(r.decision)}" for r in rows)
        or "（无）",
    )
    return EXIT_OK


def _print(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from app.documents.layout import Layout

    kind = DocumentKind(args.kind)
    person, _ = _signed_in(ws, args)
    layout = Layout(args.layout) if args.layout else None
    document = render_document(
        ws, person=person, number=args.number, kind=kind, layout=layout, reprint_reason=args.reason
    )
    for warning in document.warnings:
        print(f"警告：{warning.message}", file=sys.stderr)
    if document.warnings and not args.allow_missing_glyphs:
        return out.fail(
            "有字符没有可用字体，未打印；核实后可加 --allow-missing-glyphs 继续",
            data={"missing": [w.char for w in document.warnings]},
        )
    path = Path(args.output)
    try:
        write_document(ws, person=person, document=document, path=path)
    except OSError as error:
        return out.fail(f"无法写入 {path}：{error.strerror}（未记录为已打印）")
    data = {
        "kind": str(kind),
        "case_number": document.case_number,
        "document_number": document.number,
        "layout": str(document.layout),
        "pages": document.pages,
        "reprint": document.reprint_reason is not None,
        "file": str(path),
        "sha256": document.sha256,
    }
    out.emit(data, f"{document.title} {document.number} → {path}（{document.pages} 页）")
    return EXIT_OK


def _verify(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from app.seal import KeyDirectory

    extra = None
    if args.keys:
        content = json_input.read_bytes(args.keys, what="密钥目录文件", max_bytes=MAX_KEYS_FILE_BYTES)
        try:
            extra = KeyDirectory.from_json(content)
        except ValueError as error:
            return out.fail(f"密钥目录 {args.keys} 格式错误：{error}")
    text = sys.stdin.read() if args.payload == "-" else args.payload
    result = ws.certificates.verify(text, extra=extra)
    claims = result.claims
    data = {
        "status": str(result.status),
        "message": result.message,
        "key_id": result.key_id,
        "certificate": None
        if claims is None
        else {
            "certificate_id": claims.certificate_id,
            "type_name": claims.type_name,
            "holder_name": claims.holder_name,
            "holder_id_masked": claims.holder_id_masked,
            "issuer_name": claims.issuer_name,
            "issuer_code": claims.issuer_code,
            "issued_on": claims.issued_on.isoformat(),
            "valid_until": claims.valid_until.isoformat() if claims.valid_until else None,
            "case_number": claims.case_number,
            "verify_url": claims.verify_url,
        },
        "revocation": None
        if result.revocation is None
        else {
            "revoked_on": result.revocation.revoked_on.isoformat(),
            "reason": result.revocation.reason,
            "basis": result.revocation.basis,
        },
    }
    out.emit(data, f"{VERIFICATION_LABEL.get(result.status, str(result.status))}：{result.message}")
    return EXIT_OK if str(result.status) == "valid" else EXIT_INVALID


def _approve(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    valid_until = None
    if args.valid_until:
        try:
            valid_until = date.fromisoformat(args.valid_until)
        except ValueError:
            return out.fail(f"日期格式错误：{args.valid_until}（应为 YYYY-MM-DD）")
    fields: dict[str, str] = {}
    for option in args.field:
        try:
            label, value = parse_field_option(option)
        except LicenceError as error:
            return out.fail(str(error))
        if label in fields:
            return out.fail(f"--field {label} 重复填写")
        fields[label] = value
    person, password = _signed_in(ws, args)
    approved = approve_case(
        ws,
        person=person,
        password=password,
        number=args.number,
        content=args.content,
        valid_until=valid_until,
        fields=fields,
    )
    out.emit(
        {
            "case_number": approved.changed.number,
            "certificate_id": approved.certificate_id,
            "qr_text": approved.qr_text,
        },
        f"已审批发证：{approved.certificate_id}",
    )
    return EXIT_OK


def _handover(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    person, _ = _signed_in(ws, args)
    handed = hand_over_certificate(
        ws,
        person=person,
        number=args.number,
        recipient_name=args.recipient,
        recipient_id_number=args.recipient_id,
        recipient_id_type=args.recipient_id_type,
        capacity=args.capacity,
        authorization=args.authorization,
    )
    number = handed.changed.number
    out.emit({"case_number": number, "handed_over": True}, f"办件 {number} 证照已交付 {args.recipient}")
    return EXIT_OK


def _keys_export(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from app.atomic import write_atomic

    text = ws.certificates.key_directory().to_json()
    write_atomic(Path(args.output), text.encode("utf-8"))
    out.emit({"file": args.output}, f"公钥目录已写入 {args.output}")
    return EXIT_OK


def _register(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    registered = register_window(ws, server_url=args.server, code=args.code, device_name=args.name)
    out.emit(
        {
            "device_id": registered.device_id,
            "hall_code": registered.hall_code,
            "window_code": registered.window_code,
            "window_name": registered.window_name,
            "server_url": registered.server_url,
        },
        f"已登记：窗口 {registered.window_code} {registered.window_name}"
        f"（大厅 {registered.hall_code}），设备 {registered.device_id}",
    )
    return EXIT_OK


def _sync(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    report = sync_with_server(ws)
    text = (
        f"上传 {report.acknowledged}/{report.pushed} 条，拒收 {len(report.rejected)} 条，"
        f"下载 {report.pulled} 条变更（应用 {report.applied} 条，冲突 {report.conflicts} 条），"
        f"待上传 {report.pending} 条，用时 {report.seconds:.2f} 秒"
    )
    if report.catalog_versions:
        text += f"\n事项目录已更新：{'、'.join(report.catalog_versions)}（下次受理起使用）"
    if report.calendar_years:
        text += f"\n已收到节假日安排：{'、'.join(f'{y} 年' for y in report.calendar_years)}"
    if report.pages_uploaded or report.pages_owed:
        text += f"\n材料页面文件：上传 {report.pages_uploaded} 个，待上传 {report.pages_owed} 个"
    for problem in report.page_problems:
        print(f"材料页面：{problem}", file=sys.stderr)
    for problem in report.helper_problems:
        print(f"帮办：{problem}", file=sys.stderr)
    for rejection in report.rejected:
        label = REJECTION_LABEL.get(rejection.code, rejection.code)
        print(f"拒收：{rejection.event_id} {label}：{rejection.message}", file=sys.stderr)
    out.emit(report.as_json(), text)
    return EXIT_OK if not report.rejected else EXIT_INVALID


def _sync_status(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    credential = ws.sync.credential()
    state = ws.sync.state()
    problems = ws.sync.page_upload_problems()
    refusals = ws.sync.helper_refusals()
    data: dict[str, Any] = {
        "registered": credential is not None,
        "server_url": credential.server_url if credential else None,
        "device_id": credential.device_id if credential else None,
        "pending": ws.sync.pending(),
        "dead_letters": len(ws.sync.dead_letters()),
        "last_success_at": state.get("last_success_at"),
        "cursor": state.get("cursor"),
        "clock_offset_seconds": round(ws.clock.offset.total_seconds()),
        "page_upload_problems": [asdict(p) for p in problems],
        "helper_refusals": [asdict(r) for r in refusals],
    }
    last = state.get("last_success_at")
    if credential is None:
        lines = ["登记状态：未登记（用 clerk register 在中心服务器登记本窗口）"]
    else:
        lines = [f"登记状态：已登记（服务器 {credential.server_url}，设备 {credential.device_id}）"]
    lines += [
        f"待上传：{data['pending']} 条",
        f"服务器拒收：{data['dead_letters']} 条"
        + ("（clerk sync dead-letters 查看）" if data["dead_letters"] else ""),
        f"上次成功同步：{hall_time_text(str(last)) if last else '尚未同步'}",  # people read hall time
        f"同步游标：{data['cursor'] or '（尚未下载）'}",
    ]
    lines += [f"材料页面未能上传：{p.error}" for p in problems]
    lines += [f"{r.line}（{r.reason}）" for r in refusals]
    skew = ws.clock.skew_warning()
    lines += [skew] if skew else []
    out.emit(data, "\n".join(lines))
    return EXIT_OK


def _dead_letters(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    letters = ws.sync.dead_letters()
    out.emit(
        letters,
        "\n".join(
            f"{d['case_number']} {EVENT_KIND_LABEL.get(d['kind'], d['kind'])} "
            f"{REJECTION_LABEL.get(d['code'], d['code'])}：{d['message']}"
            for d in letters
        )
        or "（无）",
    )
    return EXIT_OK


def _reconcile(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    try:
        last = date.fromisoformat(args.to) if args.to else ws.clock.today()
        first = date.fromisoformat(args.first) if args.first else last
    except ValueError:
        return out.fail("日期格式错误（应为 YYYY-MM-DD）")
    days = reconcile(ws, first=first, last=last)
    data = [d.__dict__ | {"matches": d.matches} for d in days]
    lines = [
        f"{d.day} 本窗口 {d.local_cases} 件（服务器已确认 {d.acknowledged_cases} 件）"
        f"/ 服务器现有 {d.server_cases} 件 "
        f"{'一致' if d.matches else '不一致！服务器缺少已确认的办件，请联系信息技术人员'}"
        for d in days
    ]
    out.emit(data, "\n".join(lines) or "（该时段无办件）")
    return EXIT_OK if all(d.matches for d in days) else EXIT_INVALID


def build_parser() -> argparse.ArgumentParser:
    common = ChineseArgumentParser(add_help=False)
    common.add_argument(
        "--home", default=argparse.SUPPRESS, help="本窗口数据目录（默认 CLERK_HOME 或用户数据目录）"
    )
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="以 JSON 输出")
    parser = ChineseArgumentParser(prog="clerk", description="窗口受理命令行", parents=[common])
    parser.add_argument("--version", action="version", version=f"clerk {__version__}", help="显示版本号")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")
    _add_id_commands(sub, common)
    _add_catalog_commands(sub, common)
    _add_case_commands(sub, common)
    _add_document_commands(sub, common)
    _add_server_commands(sub, common)
    add_setup_commands(sub, common)
    add_conflict_commands(sub, common)
    add_audit_commands(sub, common)
    add_workdays_commands(sub, common)
    add_licence_commands(sub, common, login_env=LOGIN_ENV, clerk_help=CLERK_HELP)
    keys = sub.add_parser("keys", help="签发密钥").add_subparsers(
        dest="action", required=True, metavar="操作"
    )
    p = keys.add_parser("export", parents=[common], help="导出公钥目录，供第三方离线核验")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=_keys_export)
    return parser


def _add_id_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    id_parser = sub.add_parser("id", help="证件号码").add_subparsers(
        dest="action", required=True, metavar="操作"
    )
    p = id_parser.add_parser(
        "check",
        parents=[common],
        help="校验证件号码或统一社会信用代码",
        description="按证件类型的规则校验号码；不指定 --kind 时在有校验规则的证件类型中自动判断。",
        epilog="退出码：0 有效（可能附警告，如年龄超过 120 岁）；1 无效；"
        "4 校验未通过但可核实后说明理由放行（早期试点统一社会信用代码）。",
    )
    p.add_argument("value", help="证件号码或统一社会信用代码")
    p.add_argument(
        "--kind",
        choices=["auto", *(str(k) for k in IdKind), *ID_KIND_ALIASES],
        default="auto",
        help="证件类型："
        + "，".join(f"{k} {id_kind_label(k)}" for k in IdKind)
        + "（person 即 resident_id，organization 即 uscc；默认 auto 自动判断）",
    )
    p.set_defaults(handler=_id_check, needs_workspace=False)


def _add_catalog_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    catalog = sub.add_parser("catalog", help="事项目录").add_subparsers(
        dest="action", required=True, metavar="操作"
    )
    p = catalog.add_parser("search", parents=[common], help="按名称、编码、拼音或首字母查找事项")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(handler=_catalog_search)
    p = catalog.add_parser("show", parents=[common], help="显示事项及材料清单")
    p.add_argument("code")
    p.set_defaults(handler=_catalog_show)
    p = catalog.add_parser("load", parents=[common], help="加载发布的事项目录文件（系统管理员）")
    p.add_argument("file")
    p.add_argument("--clerk", default=None, help=CLERK_HELP)
    p.set_defaults(handler=_catalog_load)


def _add_case_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("accept", parents=[common], help="受理一件申请（JSON 文件，- 为标准输入）")
    p.add_argument("file")
    p.add_argument("--clerk", default=None, help=CLERK_HELP)
    p.set_defaults(handler=_accept)

    case = sub.add_parser("case", help="办件").add_subparsers(dest="action", required=True, metavar="操作")
    p = case.add_parser("show", parents=[common], help="按办件编号查看")
    p.add_argument("number")
    p.set_defaults(handler=_case_show)
    p = case.add_parser("list", parents=[common], help="列出某日办件（默认今天）")
    p.add_argument("--day", default=None)
    p.set_defaults(handler=_case_list)
    p = case.add_parser("approve", parents=[common], help="审批通过并签发证照（审批人员）")
    p.add_argument("number")
    p.add_argument("--content", default=None, help="许可内容（默认：准予 + 事项名称）")
    p.add_argument(
        "--valid-until",
        default=None,
        help="有效期至 YYYY-MM-DD：仅用于事项目录规定审批时确定有效期的证照；其余按目录（法定年限或长期）",
    )
    p.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="名称=内容",
        help="证照模板的录入项（可重复），如 --field 经营场所=示例市锦华区…；未填的按办件预填",
    )
    p.add_argument("--clerk", default=None, help=CLERK_HELP)
    p.set_defaults(handler=_approve)
    p = case.add_parser("handover", parents=[common], help="证照交付（出件），记录领取人")
    p.add_argument("number")
    p.add_argument("--recipient", required=True, help="领取人姓名")
    p.add_argument("--recipient-id", required=True, help="领取人证件号码")
    p.add_argument(
        "--recipient-id-type",
        choices=[str(k) for k in IdKind if k is not IdKind.USCC],
        default=None,
        help="领取人证件类型（默认居民身份证）",
    )
    p.add_argument(
        "--capacity",
        choices=[str(c) for c in Capacity],
        default=None,
        help="领取人身份：self 本人、legal-rep 法定代表人、agent 受托人"
        "（不填时按证件识别申请人本人或登记的代理人）",
    )
    p.add_argument("--authorization", default=None, help="受托人的授权委托书（名称、日期或编号）")
    p.add_argument("--clerk", default=None, help=CLERK_HELP)
    p.set_defaults(handler=_handover)
    add_lifecycle_commands(case, common, signed_in=_signed_in, clerk_help=CLERK_HELP)


def _add_document_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("print", parents=[common], help="生成文书 PDF 并记录打印")
    p.add_argument("kind", choices=[str(kind) for kind in DocumentKind])
    p.add_argument("number", help="办件编号")
    p.add_argument("-o", "--output", required=True, help="PDF 文件")
    p.add_argument("--layout", choices=["a4", "receipt80"], default=None, help="纸型（默认取窗口设置）")
    p.add_argument("--reason", default=None, help="补打原因（再次打印时必填）")
    p.add_argument("--allow-missing-glyphs", action="store_true", help="有缺字时仍然打印")
    p.add_argument("--clerk", default=None, help=CLERK_HELP)
    p.set_defaults(handler=_print)

    p = sub.add_parser("verify", parents=[common], help="离线核验证照二维码（- 为标准输入）")
    p.add_argument("payload")
    p.add_argument("--keys", default=None, help="另加的公钥目录 JSON 文件")
    p.set_defaults(handler=_verify)


def _add_server_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("register", parents=[common], help="在中心服务器登记本窗口（一次性登记码）")
    p.add_argument("--server", required=True, help="服务器地址，如 https://zwfw-sync.example.gov.cn")
    p.add_argument("--code", required=True, help="大厅信息技术人员在服务器上生成的一次性登记码")
    p.add_argument("--name", default=None, help="本机名称（默认主机名）")
    p.set_defaults(handler=_register)
    sync = sub.add_parser("sync", parents=[common], help="与中心服务器同步一轮")
    sync.set_defaults(handler=_sync)
    sync_sub = sync.add_subparsers(dest="action", metavar="操作")
    p = sync_sub.add_parser("status", parents=[common], help="同步状态")
    p.set_defaults(handler=_sync_status)
    p = sync_sub.add_parser("dead-letters", parents=[common], help="服务器拒收的事项")
    p.set_defaults(handler=_dead_letters)
    p = sub.add_parser("reconcile", parents=[common], help="按日核对本窗口与服务器的办件数")
    p.add_argument("--from", dest="first", default=None)
    p.add_argument("--to", default=None)
    p.set_defaults(handler=_reconcile)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code. Output still buffered is written before returning, so a reader that
    went away (`clerk … | head`) is noticed here and ends the command quietly, not in a traceback at exit."""
    try:
        try:
            return _run(argv)
        finally:
            if sys.stdout is not None:
                sys.stdout.flush()
    except BrokenPipeError:
        # Whatever is left to print goes nowhere; Python's flush at exit must not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                os.dup2(devnull, stream.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    out = Output(as_json=getattr(args, "json", False))
    home = Path(getattr(args, "home", None) or default_home())
    handler: Callable[..., int] = args.handler
    program_log = start_logging(
        home=home, program="clerk", console_level=logging.WARNING, crashes_on_console=False
    )
    try:
        if not getattr(args, "needs_workspace", True):
            return handler(args, out)
        workspace = open_workspace(home)
        try:
            return handler(workspace, args, out)
        finally:
            workspace.close()
    except InputError as error:
        problems = [
            {"field": p.field, "message": p.message, "overridable": p.overridable} for p in error.problems
        ]
        for p in error.problems:
            print(f"  {p.field}: {p.message}", file=sys.stderr)
        return out.fail("输入有误，未保存任何内容", data={"problems": problems})
    except (CaseNumberError, json_input.JsonInputError, FileWriteError) as error:
        return out.fail(str(error))
    except PasswordUnavailable as error:
        return out.fail(str(error))
    except REFUSALS as error:  # an operation refused before acting: its message says why
        return out.fail(str(error))
    except (
        StoreError,
        WorkspaceError,
        CatalogError,
        AcceptanceError,
        SettingsError,
        DocumentError,
        CertificateError,
        SecretStoreError,
        FontError,
    ) as error:
        return out.fail(str(error))
    except SyncError as error:
        return out.fail(error.message, data={"kind": error.kind})
    except BrokenPipeError:
        raise  # the reader went away: not a bug (see main)
    except Exception as error:  # a bug: keep the traceback for the report
        report = write_crash_report(home=home, program="clerk", error=error, log_file=program_log)
        if report.path is None:
            print(report.text, file=sys.stderr)
        where = report.path or "标准错误输出"
        print(f"程序错误：{mask_identifiers(repr(error))}。错误报告已写入 {where}", file=sys.stderr)
        return EXIT_BUG
    finally:
        program_log.close()


if __name__ == "__main__":
    sys.exit(main())
