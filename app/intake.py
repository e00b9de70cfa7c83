"""What the clerk enters at the counter, checked field by field before the completeness check.

`parse_request` turns the JSON of `clerk accept` (or the window's form) into an `AcceptanceRequest`;
`validate_request` checks names, identity numbers (each by the rule of its 证件类型) and phones. Every
problem is collected and reported together, naming the field, so a clerk fixes them in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, replace
from datetime import date
from typing import Any

from app.catalog import ApplicantKind, Form, Material, ServiceItem
from app.completeness import ReceivedMaterial
from app.helpers.prepared_by import PreparedBy
from app.identifiers import IdCheck, check_name, check_phone
from app.identity_documents import ID_KINDS, PERSON_ID_KINDS, IdKind, check_id
from app.licence_library.evidence import LicenceEvidence, LicenceSource, VerifiedBy
from app.seal import QR_MAX_CHARS
from app.sync.event_parts import CLERK_TEXT
from app.sync.schema import Problem as SchemaProblem
from app.sync.wire import MAX_COPIES, MAX_NAME_CHARS, MAX_PAGES

# The limits of what travels to the server are the wire module's, and free text is checked by the rule
# of the event field it goes to: a request that passes here makes an event the server accepts.
MAX_NAME_LENGTH = MAX_NAME_CHARS
COPIES_RANGE = (0, MAX_COPIES)  # copies of one material handed in (0: an electronic file)
PAGES_RANGE = (1, MAX_PAGES)  # pages of one material


@dataclass(frozen=True)
class FormChoice:
    """A way one material can be handed in at the counter, as the clerk picks it."""

    label: str
    forms: tuple[Form, ...]


# The choices offered per material; "原件和复印件" hands in both.
FORM_CHOICES: tuple[FormChoice, ...] = (
    FormChoice("原件", (Form.ORIGINAL,)),
    FormChoice("复印件", (Form.COPY,)),
    FormChoice("原件和复印件", (Form.ORIGINAL, Form.COPY)),
    FormChoice("电子", (Form.ELECTRONIC,)),
)


def default_form_choice(material: Material) -> int:
    """The index in FORM_CHOICES of what the checklist asks for this material (the first when none fits)."""
    for index, choice in enumerate(FORM_CHOICES):
        if choice.forms == tuple(material.forms):
            return index
    return 0


def licence_received(*, material_code: str, evidence: LicenceEvidence) -> ReceivedMaterial:
    """A material satisfied by an electronic licence: no copies, no pages (电子证照免提交)."""
    return ReceivedMaterial(material_code, Form.LICENCE, 0, 0, None, evidence)


def pending_evidence(qr_text: str, verified_by: VerifiedBy = VerifiedBy.QR_OFFLINE) -> LicenceEvidence:
    """A licence named by its QR text only (a request file): the acceptance verifies it and fills in the
    rest (app.licence_library.LicenceLibrary.verify)."""
    return LicenceEvidence("", "", LicenceSource.ISSUED, verified_by, qr_text)


def materials_received(
    *, material_code: str, choice: FormChoice, copies: int, pages: int, defect: str
) -> tuple[ReceivedMaterial, ...]:
    """One material as the clerk ticked it off, as what was received: one entry per form handed in. An
    electronic file has no copies; handed in as original and copies, the original counts one and the
    copies `copies`. A blank defect is none."""
    both = len(choice.forms) > 1
    return tuple(
        ReceivedMaterial(
            material_code,
            form,
            0 if form is Form.ELECTRONIC else (1 if both and form is Form.ORIGINAL else copies),
            pages,
            defect.strip() or None,
        )
        for form in choice.forms
    )


@dataclass(frozen=True)
class Problem:
    field: str  # e.g. "applicant.id_number", "materials[2].pages"
    message: str
    overridable: bool = False  # a warning the clerk may override with a reason


class InputError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("；".join(f"{p.field}: {p.message}" for p in problems))


@dataclass(frozen=True)
class Party:
    name: str
    id_number: str
    phone: str
    # 证件类型; None = the default: 居民身份证 (for an organisation: 统一社会信用代码).
    id_kind: IdKind | None = None

    @property
    def id_type(self) -> IdKind:
        """The kind the number is checked, stored and printed as."""
        return self.id_kind or IdKind.RESIDENT_ID


@dataclass(frozen=True)
class Applicant(Party):
    _: KW_ONLY
    kind: ApplicantKind
    id_override_reason: str | None = None

    @property
    def id_type(self) -> IdKind:
        if self.id_kind is not None:
            return self.id_kind
        return IdKind.RESIDENT_ID if self.kind is ApplicantKind.PERSON else IdKind.USCC


@dataclass(frozen=True)
class AcceptanceRequest:
    item_code: str
    applicant: Applicant
    agent: Party | None
    materials: tuple[ReceivedMaterial, ...]
    commitments: tuple[str, ...] = ()
    # The checklist the clerk checked against (ServiceItem.checklist_sha256); None = the current one. If the
    # catalog changed under the clerk (sync brought a new version), the request is refused, not re-read.
    checklist_sha256: str | None = None
    # Who prepared it before the counter (a scanned 帮办预审单: app.helpers.handoff); None: the clerk alone.
    prepared_by: PreparedBy | None = None
    # One item of a 一件事: a shared material handed over as a licence this item's material does not accept
    # (material code, licence type; app.bundles.intake.split). Not handed over for this item: its finding
    # says why.
    unaccepted_licences: tuple[tuple[str, str], ...] = ()


def _text(
    data: Mapping[str, Any], key: str, where: str, problems: list[Problem], *, required: bool = True
) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            problems.append(Problem(f"{where}.{key}", "必填"))
        return ""
    if not isinstance(value, str):
        problems.append(Problem(f"{where}.{key}", "应为文本"))
        return ""
    return value


_ID_KIND_CHOICES = "、".join(f"{k}（{ID_KINDS[k].label}）" for k in PERSON_ID_KINDS)


def _party(
    data: Any, where: str, problems: list[Problem], *, identity_required: bool = True
) -> tuple[str, str, str]:
    if not isinstance(data, Mapping):
        problems.append(Problem(where, "应为对象（含 name、id_number、phone）"))
        return "", "", ""
    return (
        _text(data, "name", where, problems),
        _text(data, "id_number", where, problems, required=identity_required),
        _text(data, "phone", where, problems, required=identity_required),
    )


def _id_kind(data: Any, where: str, problems: list[Problem]) -> IdKind | None:
    """The optional `id_type` of a party (a request without it is one of the time before 证件类型)."""
    if not isinstance(data, Mapping) or data.get("id_type") is None:
        return None
    try:
        return IdKind(str(data["id_type"]))
    except ValueError:
        problems.append(
            Problem(f"{where}.id_type", f"应为以下之一：{_ID_KIND_CHOICES}、uscc（统一社会信用代码）")
        )
        return None


def _count(value: Any, field: str, low: int, high: int, problems: list[Problem]) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(Problem(field, "应为整数"))
        return low
    if not low <= value <= high:
        problems.append(Problem(field, f"数值 {value} 不合理（应在 {low}–{high} 之间）"))
    return value


def parse_request(data: Any) -> AcceptanceRequest:
    """Structural checks of an acceptance request; raises InputError listing every problem."""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise InputError([Problem("request", "应为 JSON 对象")])
    item_code = _text(data, "item", "request", problems)
    applicant_data = data.get("applicant")
    # The applicant's number and phone may be left out here: `validate_request` decides (a rejection for
    # an item outside the hall's competence needs only the name).
    name, id_number, phone = _party(applicant_data, "applicant", problems, identity_required=False)
    applicant_id_kind = _id_kind(applicant_data, "applicant", problems)
    kind = ApplicantKind.PERSON
    override: str | None = None
    if isinstance(applicant_data, Mapping):
        try:
            kind = ApplicantKind(str(applicant_data.get("kind")))
        except ValueError:
            problems.append(Problem("applicant.kind", "应为 person 或 organization"))
        override = _text(applicant_data, "id_override_reason", "applicant", problems, required=False) or None
    agent: Party | None = None
    if data.get("agent") is not None:
        agent_data = data.get("agent")
        agent = Party(*_party(agent_data, "agent", problems), id_kind=_id_kind(agent_data, "agent", problems))

    materials: list[ReceivedMaterial] = []
    raw_materials = data.get("materials", [])
    if not isinstance(raw_materials, list):
        problems.append(Problem("materials", "应为列表"))
        raw_materials = []
    for index, entry in enumerate(raw_materials):
        where = f"materials[{index}]"
        if not isinstance(entry, Mapping):
            problems.append(Problem(where, "应为对象"))
            continue
        code = _text(entry, "material", where, problems)
        try:
            form = Form(str(entry.get("form")))
        except ValueError:
            problems.append(Problem(f"{where}.form", "应为 original、copy、electronic 或 licence"))
            form = Form.ORIGINAL
        if form is Form.LICENCE:
            licence = _licence(entry.get("licence"), f"{where}.licence", problems)
            if licence is not None:
                materials.append(licence_received(material_code=code, evidence=licence))
            continue
        if entry.get("licence") is not None:
            problems.append(Problem(f"{where}.licence", "只有 form 为 licence（电子证照）的材料才附证照"))
        copies = _count(entry.get("copies", 1), f"{where}.copies", *COPIES_RANGE, problems)
        pages = _count(entry.get("pages", 1), f"{where}.pages", *PAGES_RANGE, problems)
        defect = entry.get("defect")
        if defect is not None and not isinstance(defect, str):
            problems.append(Problem(f"{where}.defect", "应为文本或 null"))
            defect = None
        elif defect is not None:
            defect = defect.strip() or None
            _clerk_text(defect, f"{where}.defect", problems)
        materials.append(ReceivedMaterial(code, form, copies, pages, defect))

    commitments = data.get("commitments", [])
    if not isinstance(commitments, list) or not all(isinstance(c, str) for c in commitments):
        problems.append(Problem("commitments", "应为材料编码的列表"))
        commitments = []
    if problems:
        raise InputError(problems)
    applicant = Applicant(
        name=name,
        id_number=id_number,
        phone=phone,
        id_kind=applicant_id_kind,
        kind=kind,
        id_override_reason=override,
    )
    return AcceptanceRequest(item_code, applicant, agent, tuple(materials), tuple(commitments))


def _licence(data: Any, where: str, problems: list[Problem]) -> LicenceEvidence | None:
    """`{"qr_text": …}`: the licence's QR text, verified when the case is decided."""
    if not isinstance(data, Mapping) or not isinstance(data.get("qr_text"), str):
        problems.append(Problem(where, "电子证照应为含 qr_text（证照二维码内容）的对象"))
        return None
    text = data["qr_text"].strip()
    if not text or len(text) > QR_MAX_CHARS:
        problems.append(Problem(f"{where}.qr_text", f"证照二维码内容应为 1–{QR_MAX_CHARS} 个字符"))
        return None
    return pending_evidence(text)


@dataclass(frozen=True)
class CheckedRequest:
    request: AcceptanceRequest  # with normalized values
    # Values that pass but deserve a second look (a birth date more than 120 years back): shown and
    # recorded with the decision, never a wall.
    warnings: tuple[Problem, ...] = ()


def _party_id(
    party: Party, where: str, who: str, *, today: date, problems: list[Problem], warnings: list[Problem]
) -> IdCheck | None:
    """Check a party's number by its 证件类型; None (and a problem) when the kind does not fit the party."""
    kind = party.id_type
    person = not isinstance(party, Applicant) or party.kind is ApplicantKind.PERSON
    if person and not ID_KINDS[kind].person:
        problems.append(Problem(f"{where}.id_type", f"{who}是自然人，证件类型不能是{ID_KINDS[kind].label}"))
        return None
    if not person and kind is not IdKind.USCC:
        label = ID_KINDS[kind].label
        problems.append(
            Problem(f"{where}.id_type", f"法人/其他组织以统一社会信用代码登记，证件类型不能是{label}")
        )
        return None
    result = check_id(kind, party.id_number, today=today)
    if result.warning:
        warnings.append(Problem(f"{where}.id_number", f"{who}{result.warning}"))
    return result


def validate_request(
    request: AcceptanceRequest, *, item: ServiceItem, today: date, identity_required: bool = True
) -> CheckedRequest:
    """Check parties and material codes against the item: the request with normalized values, and what
    the clerk should look at again. Raises InputError listing every problem.

    `identity_required` False (a 不予受理 notice, which is addressed to the applicant by name): the
    applicant's number and phone may be left empty; what is typed is still checked."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    applicant = request.applicant
    name = _name(applicant.name, "applicant.name", problems)
    id_check: IdCheck | None = None
    override = (applicant.id_override_reason or "").strip() or None
    _clerk_text(override, "applicant.id_override_reason", problems)
    if identity_required or applicant.id_number.strip():
        id_check = _party_id(
            applicant, "applicant", "申请人", today=today, problems=problems, warnings=warnings
        )
        if id_check is not None and not id_check.ok:
            if id_check.overridable and override:
                pass  # recorded with the case
            else:
                hint = "（如核实无误，可填写原因后继续）" if id_check.overridable else ""
                problems.append(
                    Problem("applicant.id_number", f"{id_check.reason}{hint}", id_check.overridable)
                )
        elif override:
            override = None  # nothing to override
    else:
        override = None
    phone = ""
    if identity_required or applicant.phone.strip():
        phone = _phone(applicant.phone, "applicant.phone", problems)
    applicant = replace(
        applicant,
        name=name,
        id_number=id_check.normalized if id_check else applicant.id_number.strip(),
        id_kind=applicant.id_type,
        phone=phone,
        id_override_reason=override,
    )

    agent = request.agent
    if agent is not None:
        agent_id = _party_id(agent, "agent", "代理人", today=today, problems=problems, warnings=warnings)
        if agent_id is not None and not agent_id.ok:
            problems.append(Problem("agent.id_number", agent_id.reason or "代理人证件号码无效"))
        agent = Party(
            _name(agent.name, "agent.name", problems),
            agent_id.normalized if agent_id else agent.id_number,
            _phone(agent.phone, "agent.phone", problems),
            id_kind=agent.id_type,
        )

    known = {m.code for m in item.materials}
    for index, entry in enumerate(request.materials):
        _clerk_text(entry.defect, f"materials[{index}].defect", problems)
        if entry.material_code not in known:
            problems.append(
                Problem(
                    f"materials[{index}].material", f"事项「{item.name}」没有材料编码 {entry.material_code}"
                )
            )
    for code in request.commitments:
        if code not in known:
            problems.append(Problem("commitments", f"事项「{item.name}」没有材料编码 {code}"))
    if problems:
        raise InputError(problems)
    return CheckedRequest(replace(request, applicant=applicant, agent=agent), tuple(warnings))


def _clerk_text(value: str | None, field: str, problems: list[Problem]) -> None:
    """Free text a clerk typed (a reason, a defect), by the rule its event field is checked with."""
    if value is None:
        return
    found: list[SchemaProblem] = []
    CLERK_TEXT.check(value, field, found)
    problems.extend(Problem(p.path, p.message) for p in found)


def _name(value: str, field: str, problems: list[Problem]) -> str:
    result = check_name(value, max_length=MAX_NAME_LENGTH)
    if not result.ok:
        problems.append(Problem(field, result.reason or "姓名/名称无效"))
    return result.normalized


def _phone(value: str, field: str, problems: list[Problem]) -> str:
    result = check_phone(value)
    if not result.ok:
        problems.append(Problem(field, result.reason or "电话号码无效"))
    return result.normalized
