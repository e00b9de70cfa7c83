"""The completeness check: 行政许可法 Art. 32 as a deterministic, explainable decision.

Given an item, the hall, the applicant (and agent) and what was handed over, the engine finds, for each
material of the checklist that applies to this applicant, whether it was supplied, committed
(告知承诺), tolerated (容缺) or is missing or defective, and decides:

- `rejected`: the item's implementing body is not within this hall's competence (Art. 32 (2)); the
  finding names the office to go to.
- `supplement_required`: something required is missing or defective. Every missing or defective
  material is listed at once (Art. 32 (4), 一次性告知), tolerable ones included, since the applicant
  must bring everything back; materials that do not apply to this applicant are never listed.
- `accepted_with_tolerance`: only tolerable materials are missing or defective.
- `accepted`: complete.

A material the hall obtains by data sharing (the catalog's `shared_by`, 国办发〔2022〕3号 能共享不再提交)
is never demanded: its finding says where it comes from, and nothing handed in for it is examined.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from app.catalog import ApplicantKind, Form, Hall, Material, Necessity, ServiceItem
from app.competence import referral
from app.licence_library.evidence import LicenceEvidence, type_label


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_TOLERANCE = "accepted_with_tolerance"
    SUPPLEMENT_REQUIRED = "supplement_required"
    REJECTED = "rejected"


OUTCOME_LABEL = {
    Outcome.ACCEPTED: "受理",
    Outcome.ACCEPTED_WITH_TOLERANCE: "容缺受理",
    Outcome.SUPPLEMENT_REQUIRED: "补正告知",
    Outcome.REJECTED: "不予受理",
}


class Rule(StrEnum):
    """Every finding names the rule that produced it."""

    COMPETENCE = "competence"  # Art. 32 (2): not this hall's competence
    SERVICE_OBJECT = "service_object"  # applicant kind not among the item's service objects (warning)
    NOT_APPLICABLE = "not_applicable"  # material handed in though its condition does not apply
    SUPPLIED = "supplied"
    ELECTRONIC = "electronic"  # electronic version / shared e-licence accepted in lieu
    ORIGINAL_FOR_COPY = "original_for_copy"  # copy required, original shown: the window copies it
    COMMITMENT = "commitment"  # 告知承诺 replaces the material
    SHARED = "shared"  # obtained by data sharing (能共享不再提交): never asked of the applicant
    LICENCE = "licence"  # an electronic licence of the licence library in place of the paper (电子证照)
    COMMITMENT_NOT_ALLOWED = "commitment_not_allowed"
    MISSING = "missing"
    DEFECT = "defect"  # the clerk noted a defect
    FORM = "form"  # a required form (original / copy) not presented
    COPIES = "copies"  # fewer paper copies than required
    TOLERATED = "tolerated"  # 容缺: may be supplied later
    OPTIONAL_ABSENT = "optional_absent"
    ID_OVERRIDE = "id_override"  # a failed credit-code check the clerk overrode, with the reason
    ID_PLAUSIBILITY = "id_plausibility"  # an identity number that passes but looks wrong (age over 120)


class Verdict(StrEnum):
    """What a finding means for the decision."""

    OK = "ok"
    NOTE = "note"
    TOLERATED = "tolerated"
    MISSING = "missing"
    DEFECTIVE = "defective"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ReceivedMaterial:
    material_code: str
    form: Form
    copies: int
    pages: int
    defect: str | None = None
    licence: LicenceEvidence | None = None  # form LICENCE: the licence that stands in for the paper


@dataclass(frozen=True)
class Submission:
    applicant_kind: ApplicantKind
    has_agent: bool
    materials: tuple[ReceivedMaterial, ...] = ()
    commitments: frozenset[str] = frozenset()
    # A 一件事's shared material handed over as an electronic licence that this item's material does not
    # accept (material code, licence type): not handed over for this item, and its finding says why.
    unaccepted_licences: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Finding:
    rule: Rule
    verdict: Verdict
    message: str
    material: Material | None = None


@dataclass(frozen=True)
class CompletenessResult:
    outcome: Outcome
    findings: tuple[Finding, ...]
    applicable: tuple[Material, ...] = ()
    referral_office: str | None = None
    missing: tuple[Material, ...] = field(default=())
    defective: tuple[tuple[Material, str], ...] = field(default=())
    tolerated: tuple[Material, ...] = field(default=())


def applicable_materials(
    item: ServiceItem, *, applicant_kind: ApplicantKind, has_agent: bool
) -> tuple[Material, ...]:
    return tuple(
        m for m in item.materials if m.applies_to(applicant_kind=applicant_kind, has_agent=has_agent)
    )


def materials_to_hand_over(
    materials: Iterable[Material], *, commitments: Collection[str] = ()
) -> tuple[Material, ...]:
    """What the applicant has to hand over of `materials` (the window's 全部收到, F9): required and
    tolerable (容缺) ones — 容缺 only allows them later — and 告知承诺 ones unless the applicant signed the
    commitment instead (`commitments`, material codes). Optional (非必要) ones are never assumed, nor ones
    the hall obtains by data sharing."""
    return tuple(
        m
        for m in materials
        if m.necessity is not Necessity.OPTIONAL
        and m.shared_by is None
        and not (m.commitment_allowed and m.code in commitments)
    )


def check_completeness(*, item: ServiceItem, hall: Hall, submission: Submission) -> CompletenessResult:
    outside = referral(item=item, hall=hall)
    if outside is not None:
        finding = Finding(Rule.COMPETENCE, Verdict.REJECTED, outside.message)
        return CompletenessResult(Outcome.REJECTED, (finding,), referral_office=outside.office)

    findings: list[Finding] = []
    if submission.applicant_kind == ApplicantKind.PERSON and "natural_person" not in item.service_object:
        findings.append(Finding(Rule.SERVICE_OBJECT, Verdict.NOTE, "本事项服务对象为法人，请核实申请人类型"))
    if submission.applicant_kind == ApplicantKind.ORGANIZATION and "legal_person" not in item.service_object:
        findings.append(
            Finding(Rule.SERVICE_OBJECT, Verdict.NOTE, "本事项服务对象为自然人，请核实申请人类型")
        )

    received: dict[str, list[ReceivedMaterial]] = defaultdict(list)
    for entry in submission.materials:
        received[entry.material_code].append(entry)

    applicable = applicable_materials(
        item, applicant_kind=submission.applicant_kind, has_agent=submission.has_agent
    )
    applicable_codes = {m.code for m in applicable}
    for material in item.materials:
        if material.code not in applicable_codes and material.code in received:
            findings.append(
                Finding(
                    Rule.NOT_APPLICABLE,
                    Verdict.NOTE,
                    f"「{material.name}」本次申请无需提交，已收下可退还",
                    material,
                )
            )

    unaccepted = dict(submission.unaccepted_licences)

    def examine(material: Material, *, tolerate: bool) -> list[Finding]:
        entries = received.get(material.code, [])
        committed = material.code in submission.commitments
        found = _examine(material, entries, committed, tolerate=tolerate)
        licence_type = unaccepted.get(material.code)
        if licence_type is None or material.shared_by is not None or found[-1].rule is Rule.COMMITMENT:
            return found
        return [_licence_not_accepted(material, licence_type), *found]

    examined = [(material, examine(material, tolerate=True)) for material in applicable]
    blocking = any(
        found[-1].verdict in (Verdict.MISSING, Verdict.DEFECTIVE) for _, found in examined if found
    )
    if blocking:
        # One notice with everything (Art. 32 (4)): 容缺 no longer applies, so a tolerable gap is said once,
        # as a gap like any other, to be brought back with the supplement.
        examined = [
            (
                material,
                examine(material, tolerate=False) if material.necessity is Necessity.TOLERABLE else found,
            )
            for material, found in examined
        ]

    missing: list[Material] = []
    defective: list[tuple[Material, str]] = []
    tolerated: list[Material] = []
    for material, found in examined:
        for finding in found:
            findings.append(finding)
            if finding.verdict is Verdict.MISSING:
                missing.append(material)
            elif finding.verdict is Verdict.DEFECTIVE:
                defective.append((material, finding.message))
            elif finding.verdict is Verdict.TOLERATED:
                tolerated.append(material)

    if blocking:
        outcome = Outcome.SUPPLEMENT_REQUIRED
    elif tolerated:
        outcome = Outcome.ACCEPTED_WITH_TOLERANCE
    else:
        outcome = Outcome.ACCEPTED
    return CompletenessResult(
        outcome,
        tuple(findings),
        applicable=applicable,
        missing=tuple(_unique(missing)),
        defective=tuple(defective),
        tolerated=tuple(_unique(tolerated)),
    )


def _unique(materials: Iterable[Material]) -> list[Material]:
    seen: set[str] = set()
    out: list[Material] = []
    for m in materials:
        if m.code not in seen:
            seen.add(m.code)
            out.append(m)
    return out


def _examine(
    material: Material, entries: list[ReceivedMaterial], committed: bool, *, tolerate: bool
) -> list[Finding]:
    """Findings for one applicable material; the last one carries the decisive verdict. `tolerate` False:
    a tolerable (容缺) material counts as required (a supplement notice asks for everything at once)."""
    if material.shared_by is not None:
        return _shared(material, handed_in=bool(entries))
    notes: list[Finding] = []
    if committed:
        if material.commitment_allowed:
            return [Finding(Rule.COMMITMENT, Verdict.OK, f"「{material.name}」以告知承诺替代", material)]
        notes.append(
            Finding(
                Rule.COMMITMENT_NOT_ALLOWED,
                Verdict.NOTE,
                f"「{material.name}」不适用告知承诺制，须提交材料",
                material,
            )
        )

    if not entries:
        return notes + [_absent(material, tolerate=tolerate)]
    licensed = _licensed(material, entries)
    if licensed is not None:
        return notes + [licensed]

    problems: list[tuple[Rule, str]] = []
    forms = {e.form for e in entries}
    if Form.ELECTRONIC in forms and (material.electronic_accepted or Form.ELECTRONIC in material.forms):
        notes.append(
            Finding(Rule.ELECTRONIC, Verdict.OK, f"「{material.name}」电子材料/电子证照可替代", material)
        )
    else:
        for form in material.forms:
            if form in forms:
                continue
            if form is Form.COPY and Form.ORIGINAL in forms:
                notes.append(
                    Finding(
                        Rule.ORIGINAL_FOR_COPY,
                        Verdict.NOTE,
                        f"「{material.name}」仅交原件，由窗口复印留存",
                        material,
                    )
                )
                continue
            problems.append((Rule.FORM, f"未提交{_form_label(form)}"))
        paper = sum(e.copies for e in entries if e.form is not Form.ELECTRONIC)
        needed = material.copies
        if needed and paper < needed and not any(r is Rule.FORM for r, _ in problems):
            problems.append((Rule.COPIES, f"纸质份数不足：需 {needed} 份，收到 {paper} 份"))
    # One note per distinct defect: "原件和复印件" hands in two entries carrying the clerk's one note.
    for defect in dict.fromkeys(e.defect.strip() for e in entries if e.defect and e.defect.strip()):
        problems.append((Rule.DEFECT, defect))

    if not problems:
        return notes + [Finding(Rule.SUPPLIED, Verdict.OK, f"「{material.name}」已收齐", material)]
    detail = "；".join(text for _, text in problems)
    rule = problems[0][0]
    if material.necessity is Necessity.TOLERABLE and tolerate:
        return notes + [
            Finding(
                Rule.TOLERATED,
                Verdict.TOLERATED,
                f"「{material.name}」存在瑕疵（{detail}），按容缺受理后补",
                material,
            )
        ]
    if material.necessity is Necessity.OPTIONAL:
        return notes + [Finding(rule, Verdict.NOTE, f"「{material.name}」（非必要材料）{detail}", material)]
    return notes + [Finding(rule, Verdict.DEFECTIVE, f"「{material.name}」{detail}", material)]


def _licensed(material: Material, entries: list[ReceivedMaterial]) -> Finding | None:
    """The finding of a material handed in as an electronic licence: satisfied (no copies, no pages) when
    the licence is of a type the catalog accepts for it. Whether the licence is genuine, in force and the
    applicant's is checked before (app.licence_library, app.acceptance)."""
    licences = [e.licence for e in entries if e.form is Form.LICENCE and e.licence is not None]
    if not licences:
        return None
    licence = licences[0]
    if licence.licence_type in material.licence_types:
        return Finding(
            Rule.LICENCE,
            Verdict.OK,
            # Its identifier is recorded with the material (a GB/T 36904 id is too long to read here).
            f"「{material.name}」以电子证照（{type_label(licence.licence_type)}）替代，免交纸质",
            material,
        )
    wanted = "、".join(type_label(t) for t in material.licence_types) or "纸质材料"
    return Finding(
        Rule.LICENCE,
        Verdict.DEFECTIVE,
        f"「{material.name}」所附电子证照类型不符（须为{wanted}）",
        material,
    )


def _licence_not_accepted(material: Material, licence_type: str) -> Finding:
    """A licence handed over once for a 一件事's shared material that this item's material does not accept."""
    wanted = "、".join(type_label(t) for t in material.licence_types)
    why = f"本事项此材料须为{wanted}" if wanted else "本事项此材料不接受电子证照"
    return Finding(
        Rule.LICENCE,
        Verdict.NOTE,
        f"「{material.name}」所附电子证照（{type_label(licence_type)}）不适用：{why}，须提交纸质材料",
        material,
    )


def shared_message(material: Material) -> str:
    return f"「{material.name}」由{material.shared_by}共享，无需提交"


def _shared(material: Material, *, handed_in: bool) -> list[Finding]:
    notes = []
    if handed_in:
        notes.append(
            Finding(
                Rule.NOT_APPLICABLE, Verdict.NOTE, f"「{material.name}」可共享获取，已收下可退还", material
            )
        )
    return [*notes, Finding(Rule.SHARED, Verdict.OK, shared_message(material), material)]


def _absent(material: Material, *, tolerate: bool) -> Finding:
    if material.necessity is Necessity.REQUIRED or (
        material.necessity is Necessity.TOLERABLE and not tolerate
    ):
        return Finding(Rule.MISSING, Verdict.MISSING, f"缺少「{material.name}」", material)
    if material.necessity is Necessity.TOLERABLE:
        return Finding(
            Rule.TOLERATED, Verdict.TOLERATED, f"「{material.name}」可容缺，受理后限期补交", material
        )
    return Finding(Rule.OPTIONAL_ABSENT, Verdict.NOTE, f"「{material.name}」为非必要材料，未提交", material)


def _form_label(form: Form) -> str:
    return {
        Form.ORIGINAL: "原件",
        Form.COPY: "复印件",
        Form.ELECTRONIC: "电子材料",
        Form.LICENCE: "电子证照",
    }[form]
