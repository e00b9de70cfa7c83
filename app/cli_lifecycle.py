"""`clerk case …` for the steps after the counter's first decision: the supplement (and tolerated materials),
review, suspension and its end, the extension, refusal, withdrawal, termination, mailing, revocation and
correction. Each command acts as the signed-in person (--clerk, proved by password) through the operations
(app.operations.lifecycle), which check the status table and the roles; a refusal prints its message and
exits 1 with nothing changed, as every `clerk` command does.

`clerk case supplement NUMBER` without --material shows what the notice asked; with --material it records
what the applicant brought (`--check` only checks). A material is `CODE[:FORM[:COPIES[:PAGES]]]` (FORM
original / copy / electronic; by default every form the checklist asks, in its copies); `--defect
CODE=text` notes a defect of one brought.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from app.catalog import Form, ServiceItem
from app.cli_setup import Output
from app.completeness import OUTCOME_LABEL, ReceivedMaterial
from app.documents.kinds import TITLE
from app.lifecycle.corrections import CORRECTABLE
from app.lifecycle.delivery import Carrier
from app.lifecycle.service import LifecycleError
from app.lifecycle.suspensions import SUSPENSION_KINDS
from app.operations import lifecycle as ops
from app.operations.lifecycle import StepTaken
from app.operations.person import Actor
from app.workspace import Workspace

EXIT_OK = 0
SignedIn = Callable[[Workspace, argparse.Namespace], tuple[Actor, str]]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} 不是有效日期（应为 YYYY-MM-DD）") from None


def brought_materials(item: ServiceItem, specs: list[str], defects: list[str]) -> list[ReceivedMaterial]:
    """What the applicant brought, from `--material` and `--defect` options; LifecycleError naming a bad
    one."""
    notes: dict[str, str] = {}
    for option in defects:
        code, sep, text = option.partition("=")
        if not sep or not text.strip():
            raise LifecycleError(f"--defect {option!r} 应写作 材料编码=瑕疵说明")
        notes[code.strip()] = text.strip()
    out: list[ReceivedMaterial] = []
    for spec in specs:
        parts = spec.split(":")
        material = item.material(parts[0].strip())
        if material is None:
            raise LifecycleError(f"事项“{item.name}”的材料清单中没有材料编码 {parts[0]!r}")
        try:
            forms = [Form(parts[1])] if len(parts) > 1 and parts[1] else list(material.forms)
            copies = int(parts[2]) if len(parts) > 2 else None
            pages = int(parts[3]) if len(parts) > 3 else 1
        except ValueError:
            raise LifecycleError(
                f"--material {spec!r} 应写作 编码[:形式[:份数[:页数]]]，形式为 original、copy 或 electronic"
            ) from None
        for form in forms:
            count = (
                copies if copies is not None else (0 if form is Form.ELECTRONIC else max(material.copies, 1))
            )
            out.append(ReceivedMaterial(material.code, form, count, max(pages, 1), notes.get(material.code)))
    unknown = set(notes) - {m.material_code for m in out}
    if unknown:
        raise LifecycleError(f"--defect 指向未带来的材料：{'、'.join(sorted(unknown))}")
    return out


def _emit_step(out: Output, taken: StepTaken, text: str) -> int:
    documents = [str(kind) for kind in taken.print_next]
    titles = "、".join(TITLE[kind] for kind in taken.print_next)
    out.emit(
        {
            "case_number": taken.changed.number,
            "status": str(taken.changed.status),
            "print_next": documents,
            "event_id": taken.event_id,
        },
        text + (f"；请打印：{titles}" if titles else ""),
    )
    return EXIT_OK


def add_commands(case: Any, common: argparse.ArgumentParser, *, signed_in: SignedIn, clerk_help: str) -> None:
    """Add the lifecycle's steps to `clerk case`."""

    def command(
        name: str, help_text: str, handler: Callable[[Workspace, argparse.Namespace, Output], int]
    ) -> Any:
        p = case.add_parser(name, parents=[common], help=help_text)
        p.add_argument("number", help="办件编号")
        p.add_argument("--clerk", default=None, help=clerk_help)
        p.set_defaults(handler=handler)
        return p

    def supplement(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
        form = ops.supplement_form(ws, number=args.number)
        if not args.material:
            asked = [
                {"material": a.code, "name": a.name, "why": a.why, "standard": a.standard} for a in form.asked
            ]
            what = "补正" if form.kind == "supplement" else "容缺补交"
            lines = [f"办件 {args.number}（{form.case.item_name}）{what}："]
            lines += [f"  {a.code} {a.name}：{a.why}" for a in form.asked]
            if form.deadline:
                lines.append(f"期限：{form.deadline}{'（已届满）' if form.overdue else ''}")
            deadline = form.deadline.isoformat() if form.deadline else None
            data = {"kind": form.kind, "asked": asked, "deadline": deadline, "overdue": form.overdue}
            out.emit({**data, "visit": form.visit}, "\n".join(lines))
            return EXIT_OK
        brought = brought_materials(form.item, args.material, args.defect)
        person, _ = signed_in(ws, args)
        if args.check:
            check = ops.check_supplement(ws, person=person, number=args.number, brought=brought)
            out.emit(
                {"outcome": str(check.outcome), "gaps": list(check.gaps), "warnings": list(check.warnings),
                 "tolerated": list(check.tolerated)},
                f"检查结果：{OUTCOME_LABEL[check.outcome]}" + "".join(f"\n警告：{w}" for w in check.warnings),
            )  # fmt: skip
            return EXIT_OK
        done = ops.record_supplement(ws, person=person, number=args.number, brought=brought)
        for warning in done.check.warnings:
            print(f"警告：{warning}", file=sys.stderr)
        return _emit_step(out, done, f"办件 {args.number}：{OUTCOME_LABEL[done.check.outcome]}")

    p = command("supplement", "补正或容缺补交：不带 --material 时列出告知书所列材料", supplement)
    p.add_argument("--material", action="append", default=[], metavar="编码[:形式[:份数[:页数]]]")
    p.add_argument("--defect", action="append", default=[], metavar="编码=瑕疵说明")
    p.add_argument("--check", action="store_true", help="只检查，不保存")

    def review(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
        person, _ = signed_in(ws, args)
        return _emit_step(
            out, ops.start_review(ws, person=person, number=args.number), f"办件 {args.number} 开始审查"
        )

    command("review", "开始审查（审批人员）", review)

    def suspend(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
        person, _ = signed_in(ws, args)
        taken = ops.suspend(
            ws, person=person, number=args.number, kind=args.kind, reason=args.reason,
            start=args.start or ws.clock.today(), expected_end=args.expected_end,
        )  # fmt: skip
        return _emit_step(out, taken, f"办件 {args.number} 已挂起")

    p = command("suspend", "挂起（听证、检验、检测、鉴定、专家评审、公示、现场勘验等）", suspend)
    p.add_argument("--kind", required=True, choices=[str(k) for k in SUSPENSION_KINDS])
    p.add_argument("--reason", required=True)
    p.add_argument("--start", type=_day, default=None, help="开始日（默认今天）")
    p.add_argument("--expected-end", type=_day, required=True, help="预计结束日")

    def resume(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
        person, _ = signed_in(ws, args)
        taken = ops.resume(ws, person=person, number=args.number, actual_end=args.end or ws.clock.today())
        return _emit_step(out, taken, f"办件 {args.number} 恢复办理")

    p = command("resume", "挂起结束，恢复计时", resume)
    p.add_argument("--end", type=_day, default=None, help="挂起实际结束日（默认今天）")

    def extend(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
        person, _ = signed_in(ws, args)
        taken = ops.extend(
            ws, person=person, number=args.number, reason=args.reason, approved_by=args.approved_by,
            approved_on=args.approved_on or ws.clock.today(),
        )  # fmt: skip
        return _emit_step(out, taken, f"办件 {args.number} 法定期限已延长")

    p = command("extend", "延长办理期限（行政许可法第四十二条，一次）", extend)
    p.add_argument("--reason", required=True)
    p.add_argument("--approved-by", required=True, help="批准延期的本机关负责人")
    p.add_argument("--approved-on", type=_day, default=None)

    def refuse(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
        person, password = signed_in(ws, args)
        taken = ops.refuse(
            ws, person=person, number=args.number, reasons=args.reasons, basis=args.basis, password=password
        )
        return _emit_step(out, taken, f"办件 {args.number} 不予许可")

    p = command("refuse", "作出不予许可决定（审批人员）", refuse)
    p.add_argument("--reasons", required=True)
    p.add_argument("--basis", required=True, help="法律依据")

    def withdraw(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
        person, _ = signed_in(ws, args)
        taken = ops.withdraw(
            ws,
            person=person,
            number=args.number,
            reason=args.reason,
            request_day=args.request_day or ws.clock.today(),
        )
        return _emit_step(out, taken, f"办件 {args.number} 已撤回")

    p = command("withdraw", "申请人书面撤回申请", withdraw)
    p.add_argument("--reason", required=True)
    p.add_argument("--request-day", type=_day, default=None, help="撤回申请书的日期（默认今天）")

    def terminate(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
        person, _ = signed_in(ws, args)
        taken = ops.terminate(ws, person=person, number=args.number, reason=args.reason, basis=args.basis)
        return _emit_step(out, taken, f"办件 {args.number} 已终止办理")

    p = command("terminate", "终止办理（如逾期未补正）", terminate)
    p.add_argument("--reason", required=True)
    p.add_argument("--basis", required=True)

    def mail(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
        person, _ = signed_in(ws, args)
        taken = ops.mail(
            ws, person=person, number=args.number, recipient=args.recipient, phone=args.phone,
            address=args.address, carrier=args.carrier, tracking_number=args.tracking,
        )  # fmt: skip
        return _emit_step(out, taken, f"办件 {args.number} 证照已邮寄")

    p = command("mail", "邮寄送达证照", mail)
    p.add_argument("--recipient", required=True)
    p.add_argument("--phone", required=True)
    p.add_argument("--address", required=True)
    p.add_argument("--carrier", required=True, choices=[str(c) for c in Carrier])
    p.add_argument("--tracking", required=True, help="快递单号")

    def revoke(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
        person, password = signed_in(ws, args)
        taken = ops.revoke(
            ws, person=person, number=args.number, reason=args.reason, basis=args.basis, password=password
        )
        return _emit_step(out, taken, f"办件 {args.number} 的许可已撤销")

    p = command("revoke", "撤销许可（行政许可法第六十九条，审批人员）", revoke)
    p.add_argument("--reason", required=True)
    p.add_argument("--basis", required=True)

    def correct(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
        values: dict[str, str] = {}
        for option in args.set:
            name, sep, value = option.partition("=")
            if not sep:
                raise LifecycleError(f"--set {option!r} 应写作 字段=新值（字段：{'、'.join(CORRECTABLE)}）")
            values[name.strip()] = value
        person, _ = signed_in(ws, args)
        taken = ops.correct(ws, person=person, number=args.number, reason=args.reason, values=values)
        return _emit_step(out, taken, f"办件 {args.number} 已更正")

    p = command("correct", "更正办件信息（值班主任，原值保留）", correct)
    p.add_argument("--reason", required=True)
    p.add_argument("--set", action="append", default=[], metavar="字段=新值", required=True)
