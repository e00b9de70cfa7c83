"""`clerk`: the window's services from the command line, with JSON output for scripts."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from app.acceptance import AcceptanceError
from app.case_number import CaseNumberError
from app.catalog import CatalogError
from app.certificates import CertificateError
from app.cli_setup import add_commands as add_setup_commands
from app.documents.content import DocumentError
from app.documents.fonts import FontError
from app.intake import InputError, parse_request
from app.secrets import SecretStoreError
from app.settings import SettingsError
from app.sync.client import SyncError
from app.workspace import Workspace, WorkspaceError, default_home, open_workspace
from db.store import StoreError

log = logging.getLogger("clerk.cli")

EXIT_OK, EXIT_INVALID, EXIT_BUG = 0, 1, 3


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


def _id_check(args: argparse.Namespace, out: Output) -> int:
    from app.identifiers import check_resident_id, check_uscc, fold_id_text

    value = fold_id_text(args.value)
    kind = args.kind
    if kind == "auto":
        kind = "person" if value[:17].isdigit() else "organization"
    result = check_resident_id(value, today=date.today()) if kind == "person" else check_uscc(value)
    data = {
        "valid": result.ok,
        "kind": "resident_id" if kind == "person" else "uscc",
        "normalized": result.normalized,
        "code": result.code,
        "reason": result.reason,
        "overridable": result.overridable,
    }
    if result.ok:
        out.emit(data, f"有效：{result.normalized}")
        return EXIT_OK
    print(result.reason, file=sys.stderr)
    if out.as_json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
    return EXIT_INVALID


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
    lines += [f"  {m.code} {m.name}（{m.forms_label} {m.copies}份，{m.necessity}）" for m in item.materials]
    out.emit(item.as_json(), "\n".join(lines))
    return EXIT_OK


def _catalog_load(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from app.catalog_store import load_catalog

    try:
        content = Path(args.file).read_bytes()
    except OSError as error:
        return out.fail(f"无法读取 {args.file}：{error.strerror}")
    version, new = load_catalog(ws.store, content, now=ws.clock.now())
    out.emit(
        {"version": version, "loaded": new}, f"事项目录 {version} {'已加载' if new else '已存在，未重复加载'}"
    )
    return EXIT_OK


def _accept(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    try:
        raw = Path(args.file).read_bytes() if args.file != "-" else sys.stdin.buffer.read()
    except OSError as error:
        return out.fail(f"无法读取 {args.file}：{error.strerror}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return out.fail(f"{args.file} 不是有效的 JSON：{error}")
    counter = ws.counter(args.clerk)  # a folder that is not a window says so before the request is read
    request = parse_request(data)
    number = ws.acceptance.accept(request, counter=counter)
    case = ws.cases.find(number)
    assert case is not None
    result = {
        "case_number": number,
        "decision": case["decision"],
        "missing": [f["material"] for f in case["findings"] if f["outcome"] == "missing"],
        "defective": [f["material"] for f in case["findings"] if f["outcome"] == "defective"],
        "tolerated": [f["material"] for f in case["findings"] if f["outcome"] == "tolerated"],
        "promised_date": case["promised_date"],
        "supplement_deadline": case["supplement_deadline"],
        "referral_office": case["referral_office"],
        "findings": case["findings"],
    }
    text = [f"办件编号 {number}：{case['decision']}"]
    text += [f"  - {f['message']}" for f in case["findings"] if f["outcome"] != "ok"]
    if case["promised_date"]:
        text.append(f"承诺办结日期 {case['promised_date']}")
    out.emit(result, "\n".join(text))
    return EXIT_OK


def _not_held_here(ws: Workspace, number: str) -> str:
    """Why a case cannot be printed, approved or handed over here: not held, or held at another window."""
    elsewhere = ws.cases.find_in_hall(number)
    if elsewhere is None:
        return f"本窗口数据库中没有办件 {number}"
    return f"办件 {number} 由 {elsewhere['window_code']} 窗口受理，不在本窗口：请在受理窗口办理"


def _case_show(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    case = ws.cases.find(args.number)
    if case is None:
        elsewhere = ws.cases.find_in_hall(args.number)
        if elsewhere is None:
            return out.fail(f"本窗口和本大厅已同步的记录中都没有办件 {args.number}")
        out.emit(
            {**elsewhere, "elsewhere": True},
            f"{elsewhere['number']}  由 {elsewhere['window_code']} 窗口受理（{elsewhere['received_on']}）"
            f"  状态 {elsewhere['status_label']}；办件材料在受理窗口",
        )
        return EXIT_OK
    text = [
        f"{case['number']}  {case['item_name']}",
        f"申请人 {case['applicant']['name']}  决定 {case['decision']}",
    ]
    text += [f"  - {f['message']}" for f in case["findings"]]
    out.emit(case, "\n".join(text))
    return EXIT_OK


def _case_list(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    try:
        day = date.fromisoformat(args.day) if args.day else ws.clock.today()
    except ValueError:
        return out.fail(f"日期格式错误：{args.day}（应为 YYYY-MM-DD）")
    rows = ws.cases.for_day(day)
    data = [r.__dict__ for r in rows]
    out.emit(
        data,
        "\n".join(f"{r.number}  {r.item_name}  {r.applicant_name}  {r.decision}" for r in rows) or "（无）",
    )
    return EXIT_OK


def _print(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from app.documents.content import DocumentKind
    from app.documents.layout import Layout

    kind = DocumentKind(args.kind)
    counter = ws.counter(args.clerk)
    number = ws.cases.find(args.number)
    if number is None:
        return out.fail(_not_held_here(ws, args.number))
    layout = Layout(args.layout) if args.layout else None
    document = ws.documents.prepare(
        kind, number["number"], counter=counter, layout=layout, reprint_reason=args.reason
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
        ws.documents.export(document, path, counter=counter)
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
        try:
            extra = KeyDirectory.from_json(Path(args.keys).read_text(encoding="utf-8"))
        except OSError as error:
            return out.fail(f"无法读取密钥目录 {args.keys}：{error.strerror}")
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
    }
    out.emit(data, f"{result.status}: {result.message}")
    return EXIT_OK if str(result.status) == "valid" else EXIT_INVALID


def _approve(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    valid_until = None
    if args.valid_until:
        try:
            valid_until = date.fromisoformat(args.valid_until)
        except ValueError:
            return out.fail(f"日期格式错误：{args.valid_until}（应为 YYYY-MM-DD）")
    case = ws.cases.find(args.number)
    if case is None:
        return out.fail(_not_held_here(ws, args.number))
    approval = ws.certificates.approve(
        case["number"], approver=ws.counter(args.clerk), content=args.content, valid_until=valid_until
    )
    out.emit(
        {
            "case_number": case["number"],
            "certificate_id": approval.certificate_id,
            "qr_text": approval.qr_text,
        },
        f"已审批发证：{approval.certificate_id}",
    )
    return EXIT_OK


def _handover(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    case = ws.cases.find(args.number)
    if case is None:
        return out.fail(_not_held_here(ws, args.number))
    ws.certificates.hand_over(
        case["number"],
        clerk=ws.counter(args.clerk),
        recipient_name=args.recipient,
        recipient_id_number=args.recipient_id,
    )
    out.emit(
        {"case_number": case["number"], "handed_over": True},
        f"办件 {case['number']} 证照已交付 {args.recipient}",
    )
    return EXIT_OK


def _keys_export(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    from app.atomic import write_atomic

    text = ws.certificates.key_directory().to_json()
    write_atomic(Path(args.output), text.encode("utf-8"))
    out.emit({"file": args.output}, f"公钥目录已写入 {args.output}")
    return EXIT_OK


def _register(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    credential = ws.sync.register(server_url=args.server, code=args.code, device_name=args.name)
    out.emit(
        {
            "device_id": credential.device_id,
            "hall_code": credential.hall_code,
            "window_code": credential.window_code,
            "window_name": ws.settings.get("window_name"),
            "server_url": credential.server_url,
        },
        f"已登记：窗口 {credential.window_code} {ws.settings.get('window_name')}"
        f"（大厅 {credential.hall_code}），设备 {credential.device_id}",
    )
    return EXIT_OK


def _sync(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    report = ws.sync.sync()
    text = (
        f"上传 {report.acknowledged}/{report.pushed} 条，拒收 {len(report.rejected)} 条，"
        f"下载 {report.pulled} 条变更（应用 {report.applied} 条，冲突 {report.conflicts} 条），"
        f"待上传 {report.pending} 条，用时 {report.seconds:.2f} 秒"
    )
    if report.catalog_versions:
        text += f"\n事项目录已更新：{'、'.join(report.catalog_versions)}（下次受理起使用）"
    if report.calendar_years:
        text += f"\n已收到节假日安排：{'、'.join(f'{y} 年' for y in report.calendar_years)}"
    for rejection in report.rejected:
        print(f"拒收：{rejection.event_id} {rejection.code} {rejection.message}", file=sys.stderr)
    out.emit(report.as_json(), text)
    return EXIT_OK if not report.rejected else EXIT_INVALID


def _sync_status(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    credential = ws.sync.credential()
    state = ws.sync.state()
    data = {
        "registered": credential is not None,
        "server_url": credential.server_url if credential else None,
        "device_id": credential.device_id if credential else None,
        "pending": ws.sync.pending(),
        "dead_letters": len(ws.sync.dead_letters()),
        "last_success_at": state.get("last_success_at"),
        "cursor": state.get("cursor"),
    }
    out.emit(data, "\n".join(f"{k}: {v}" for k, v in data.items()))
    return EXIT_OK


def _dead_letters(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    letters = ws.sync.dead_letters()
    out.emit(
        letters,
        "\n".join(f"{d['case_number']} {d['kind']} {d['code']}: {d['message']}" for d in letters) or "（无）",
    )
    return EXIT_OK


def _reconcile(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    try:
        last = date.fromisoformat(args.to) if args.to else ws.clock.today()
        first = date.fromisoformat(args.first) if args.first else last
    except ValueError:
        return out.fail("日期格式错误（应为 YYYY-MM-DD）")
    days = ws.sync.reconcile(first=first, last=last)
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
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home", default=argparse.SUPPRESS, help="本窗口数据目录（默认 CLERK_HOME 或用户数据目录）"
    )
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="以 JSON 输出")
    parser = argparse.ArgumentParser(prog="clerk", description="窗口受理命令行", parents=[common])
    sub = parser.add_subparsers(dest="command", required=True)

    id_parser = sub.add_parser("id", help="证件号码").add_subparsers(dest="action", required=True)
    p = id_parser.add_parser("check", parents=[common], help="校验身份证号码或统一社会信用代码")
    p.add_argument("value")
    p.add_argument("--kind", choices=["auto", "person", "organization"], default="auto")
    p.set_defaults(handler=_id_check, needs_workspace=False)

    catalog = sub.add_parser("catalog", help="事项目录").add_subparsers(dest="action", required=True)
    p = catalog.add_parser("search", parents=[common], help="按名称、编码、拼音或首字母查找事项")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(handler=_catalog_search)
    p = catalog.add_parser("show", parents=[common], help="显示事项及材料清单")
    p.add_argument("code")
    p.set_defaults(handler=_catalog_show)
    p = catalog.add_parser("load", parents=[common], help="加载发布的事项目录文件")
    p.add_argument("file")
    p.set_defaults(handler=_catalog_load)

    p = sub.add_parser("accept", parents=[common], help="受理一件申请（JSON 文件，- 为标准输入）")
    p.add_argument("file")
    p.add_argument("--clerk", default=None, help="工作人员账号（默认取设置 default_clerk）")
    p.set_defaults(handler=_accept)

    case = sub.add_parser("case", help="办件").add_subparsers(dest="action", required=True)
    p = case.add_parser("show", parents=[common], help="按办件编号查看")
    p.add_argument("number")
    p.set_defaults(handler=_case_show)
    p = case.add_parser("list", parents=[common], help="列出某日办件（默认今天）")
    p.add_argument("--day", default=None)
    p.set_defaults(handler=_case_list)
    p = case.add_parser("approve", parents=[common], help="审批通过并签发证照（审批人员）")
    p.add_argument("number")
    p.add_argument("--content", default=None, help="许可内容（默认：准予 + 事项名称）")
    p.add_argument("--valid-until", default=None, help="有效期至 YYYY-MM-DD（默认长期）")
    p.add_argument("--clerk", default=None)
    p.set_defaults(handler=_approve)
    p = case.add_parser("handover", parents=[common], help="证照交付（出件），记录领取人")
    p.add_argument("number")
    p.add_argument("--recipient", required=True, help="领取人姓名")
    p.add_argument("--recipient-id", required=True, help="领取人身份证号码")
    p.add_argument("--clerk", default=None)
    p.set_defaults(handler=_handover)

    kinds = [
        "receipt",
        "tolerance-notice",
        "supplement-notice",
        "rejection-notice",
        "certificate",
        "pickup-receipt",
    ]
    p = sub.add_parser("print", parents=[common], help="生成文书 PDF 并记录打印")
    p.add_argument("kind", choices=kinds)
    p.add_argument("number", help="办件编号")
    p.add_argument("-o", "--output", required=True, help="PDF 文件")
    p.add_argument("--layout", choices=["a4", "receipt80"], default=None, help="纸型（默认取窗口设置）")
    p.add_argument("--reason", default=None, help="补打原因（再次打印时必填）")
    p.add_argument("--allow-missing-glyphs", action="store_true", help="有缺字时仍然打印")
    p.add_argument("--clerk", default=None)
    p.set_defaults(handler=_print)

    p = sub.add_parser("verify", parents=[common], help="离线核验证照二维码（- 为标准输入）")
    p.add_argument("payload")
    p.add_argument("--keys", default=None, help="另加的公钥目录 JSON 文件")
    p.set_defaults(handler=_verify)

    p = sub.add_parser("register", parents=[common], help="在中心服务器登记本窗口（一次性登记码）")
    p.add_argument("--server", required=True, help="服务器地址，如 https://zwfw-sync.example.gov.cn")
    p.add_argument("--code", required=True, help="大厅信息技术人员在服务器上生成的一次性登记码")
    p.add_argument("--name", default=None, help="本机名称（默认主机名）")
    p.set_defaults(handler=_register)
    sync = sub.add_parser("sync", parents=[common], help="与中心服务器同步一轮")
    sync.set_defaults(handler=_sync)
    sync_sub = sync.add_subparsers(dest="action")
    p = sync_sub.add_parser("status", parents=[common], help="同步状态")
    p.set_defaults(handler=_sync_status)
    p = sync_sub.add_parser("dead-letters", parents=[common], help="服务器拒收的事项")
    p.set_defaults(handler=_dead_letters)
    p = sub.add_parser("reconcile", parents=[common], help="按日核对本窗口与服务器的办件数")
    p.add_argument("--from", dest="first", default=None)
    p.add_argument("--to", default=None)
    p.set_defaults(handler=_reconcile)

    add_setup_commands(sub, common)

    keys = sub.add_parser("keys", help="签发密钥").add_subparsers(dest="action", required=True)
    p = keys.add_parser("export", parents=[common], help="导出公钥目录，供第三方离线核验")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=_keys_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = Output(as_json=getattr(args, "json", False))
    home = Path(getattr(args, "home", None) or default_home())
    handler: Callable[..., int] = args.handler
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
    except CaseNumberError as error:
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
    except Exception as error:  # a bug: keep the traceback for the report
        report = _crash_report(home)
        print(f"程序错误：{error!r}。错误报告已写入 {report}", file=sys.stderr)
        return EXIT_BUG


def _crash_report(home: Path) -> Path | str:
    text = traceback.format_exc()
    try:
        from app.atomic import write_atomic
        from app.clock import Clock

        folder = home / "crash-reports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{Clock().now():%Y%m%dT%H%M%S%f}.txt"
        write_atomic(path, text.encode("utf-8"))
        return path
    except OSError:
        print(text, file=sys.stderr)
        return "标准错误输出"


if __name__ == "__main__":
    sys.exit(main())
