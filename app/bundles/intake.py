"""One intake for a 一件事 bundle: one applicant, one agent, one set of materials (a shared one once), one
decision per item, every case stored in one transaction under one bundle number.

The combined request (JSON, as `parse_bundle_request` reads it; no `clerk` command takes it yet)::

    {"bundle": "YJS-510100-001",
     "applicant": {…}, "agent": {…} | null,           (as in an acceptance request)
     "materials": [{"shared": "S01", "form": "copy", "copies": 1, "pages": 1},
                   {"item": "<item code>", "material": "M01", "form": "original", …}],
     "commitments": [{"shared": "S02"} | {"item": "<item code>", "material": "M05"}]}

`split` makes one `AcceptanceRequest` per item of the bundle: a shared material counts for each item that
needs it, under that item's own material code (the bundle's explicit mapping); an item's own material
counts for that item alone. Each request is then decided by the Art. 32 engine, as a case on its own would
be: one item may be accepted while another needs 补正, and an item outside the hall's competence gets its
不予受理. Nothing is stored unless every case can be.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.acceptance import AcceptanceError, AcceptanceService, Counter, Evaluation
from app.bundles.definition import KIND_LABEL, Bundle
from app.bundles.documents import BundleDocuments
from app.bundles.numbers import MAX_BUNDLE_SERIAL, format_bundle_number
from app.bundles.views import BundleQueries, BundleView
from app.cases.queries import CaseQueries
from app.catalog import FORM_LABEL, Form, Material, ServiceItem
from app.catalog_store import CatalogRepository
from app.clock import Clock
from app.completeness import ReceivedMaterial
from app.documents.service import DocumentService
from app.intake import AcceptanceRequest, Applicant, InputError, Party, Problem, parse_request
from app.licence_library.fitness import Holder
from app.licence_library.library import LicenceError, LicenceLibrary
from db.models import CaseBundle
from db.store import Store

log = logging.getLogger("clerk.bundles")


@dataclass(frozen=True)
class HandedOver:
    """One material of the combined checklist as handed over: a shared one under its key (`shared`), or an
    item's own (`item_code`); `material.material_code` is the shared key or the item's material code."""

    material: ReceivedMaterial
    shared: str | None = None
    item_code: str | None = None


@dataclass(frozen=True)
class Commitment:
    """A material replaced by a 告知承诺: a shared one by its key, or an item's own."""

    shared: str | None = None
    item_code: str | None = None
    material_code: str | None = None


@dataclass(frozen=True)
class BundleRequest:
    bundle_code: str
    applicant: Applicant
    agent: Party | None
    materials: tuple[HandedOver, ...]
    commitments: tuple[Commitment, ...] = ()


@dataclass(frozen=True)
class BundleEvaluation:
    bundle: Bundle
    request: BundleRequest
    evaluations: tuple[Evaluation, ...]  # one per item, in the bundle's order


@dataclass(frozen=True)
class StoredBundle:
    number: str
    case_numbers: tuple[str, ...]  # in the bundle's item order


def _reference(
    entry: Mapping[str, Any], where: str, problems: list[Problem]
) -> tuple[str | None, str | None]:
    shared, item = entry.get("shared"), entry.get("item")
    if shared is not None and (not isinstance(shared, str) or not shared.strip()):
        problems.append(Problem(f"{where}.shared", "应为共享材料编码（如 S01）"))
        return None, None
    if item is not None and (not isinstance(item, str) or not item.strip()):
        problems.append(Problem(f"{where}.item", "应为事项编码"))
        return None, None
    if (shared is None) == (item is None):
        problems.append(
            Problem(where, "应写明 shared（共享材料编码）或 item 与 material（某事项自己的材料），二者取一")
        )
        return None, None
    return shared, item


def parse_bundle_request(data: Any) -> BundleRequest:
    """Structural checks of a combined request (InputError listing every problem); the parties and each
    material's form, copies and pages by the rules of an acceptance request."""
    if not isinstance(data, Mapping):
        raise InputError([Problem("request", "应为 JSON 对象")])
    problems: list[Problem] = []
    code = data.get("bundle")
    if not isinstance(code, str) or not code.strip():
        problems.append(Problem("request.bundle", "必填：一件事编码"))
        code = ""
    raw_materials = data.get("materials", [])
    if not isinstance(raw_materials, list):
        problems.append(Problem("materials", "应为列表"))
        raw_materials = []
    references: list[tuple[str | None, str | None]] = []
    plain: list[Any] = []
    for index, entry in enumerate(raw_materials):
        if not isinstance(entry, Mapping):
            plain.append(entry)  # parse_request names it
            references.append((None, None))
            continue
        shared, item = _reference(entry, f"materials[{index}]", problems)
        references.append((shared, item))
        plain.append({**entry, "material": shared if shared is not None else entry.get("material")})
    commitments: list[Commitment] = []
    raw_commitments = data.get("commitments", [])
    if not isinstance(raw_commitments, list):
        problems.append(Problem("commitments", "应为列表"))
        raw_commitments = []
    for index, entry in enumerate(raw_commitments):
        where = f"commitments[{index}]"
        if not isinstance(entry, Mapping):
            problems.append(Problem(where, "应为对象（shared，或 item 与 material）"))
            continue
        shared, item = _reference(entry, where, problems)
        material = entry.get("material")
        if item is not None and (not isinstance(material, str) or not material):
            problems.append(Problem(f"{where}.material", "必填"))
        commitments.append(Commitment(shared, item, material if isinstance(material, str) else None))
    try:
        single = parse_request(
            {
                "item": code or "-",
                "applicant": data.get("applicant"),
                "agent": data.get("agent"),
                "materials": plain,
                "commitments": [],
            }
        )
    except InputError as error:
        raise InputError([*problems, *error.problems]) from None
    if problems:
        raise InputError(problems)
    handed = tuple(
        HandedOver(material, shared, item)
        for material, (shared, item) in zip(single.materials, references, strict=True)
    )
    return BundleRequest(code, single.applicant, single.agent, handed, tuple(commitments))


def split(
    bundle: Bundle, request: BundleRequest, items: Mapping[str, ServiceItem]
) -> tuple[AcceptanceRequest, ...]:
    """One acceptance request per item of the bundle (InputError naming every entry that does not fit)."""
    problems: list[Problem] = []
    if request.applicant.kind not in bundle.applicant_kinds:
        allowed = "、".join(KIND_LABEL[k] for k in sorted(bundle.applicant_kinds))
        problems.append(
            Problem("applicant.kind", f"一件事“{bundle.name}”只能由{allowed}申请，申请人类型不符")
        )
    for index, handed in enumerate(request.materials):
        where = f"materials[{index}]"
        _check_reference(
            bundle, items, handed.shared, handed.item_code, handed.material.material_code, where, problems
        )
    for index, commitment in enumerate(request.commitments):
        where = f"commitments[{index}]"
        before = len(problems)
        _check_reference(
            bundle, items, commitment.shared, commitment.item_code, commitment.material_code, where, problems
        )
        if len(problems) == before:
            _check_commitment(bundle, items, commitment, where, problems)
    if problems:
        raise InputError(problems)
    requests = []
    for item_code in bundle.item_codes:
        item = items[item_code]
        materials: list[ReceivedMaterial] = []
        unaccepted: list[tuple[str, str]] = []
        for handed in request.materials:
            if handed.shared is not None:
                entry = bundle.shared_entry(handed.shared)
                target = entry.material_for(item_code) if entry else None
                if target is None:
                    continue
                licence = handed.material.licence
                if licence is not None and not _accepts(item.material(target), licence.licence_type):
                    unaccepted.append((target, licence.licence_type))  # the finding says why
                    continue
                materials.append(replace(handed.material, material_code=target))
            elif handed.item_code == item_code:
                materials.append(handed.material)
        committed: list[str] = []
        for commitment in request.commitments:
            if commitment.shared is not None:
                entry = bundle.shared_entry(commitment.shared)
                target = entry.material_for(item_code) if entry else None
                if target is not None:
                    committed.append(target)
            elif commitment.item_code == item_code and commitment.material_code:
                committed.append(commitment.material_code)
        requests.append(
            AcceptanceRequest(
                item_code,
                request.applicant,
                request.agent,
                tuple(materials),
                tuple(committed),
                checklist_sha256=item.checklist_sha256,
                unaccepted_licences=tuple(unaccepted),
            )
        )
    return tuple(requests)


def _accepts(material: Material | None, licence_type: str) -> bool:
    """Whether an item's material takes a licence of `licence_type` in place of its paper. A licence not yet
    verified (its type unknown) goes to every material that takes licences: its acceptance checks it."""
    if material is None or not material.licence_types:
        return False
    return not licence_type or licence_type in material.licence_types


def targets_of(
    bundle: Bundle, items: Mapping[str, ServiceItem], *, shared: str | None, item_code: str | None, code: str
) -> tuple[tuple[ServiceItem, Material], ...]:
    """The items' materials a row of the combined checklist counts for: a shared one's in each item that
    needs it, an item's own in that item (none for a reference that fits nothing)."""
    found: list[tuple[ServiceItem, Material]] = []
    if shared is not None:
        entry = bundle.shared_entry(shared)
        for target in entry.targets if entry else ():
            item = items.get(target.item_code)
            material = item.material(target.material_code) if item else None
            if item is not None and material is not None:
                found.append((item, material))
    elif item_code is not None and item_code in items:
        material = items[item_code].material(code)
        if material is not None:
            found.append((items[item_code], material))
    return tuple(found)


def _check_commitment(
    bundle: Bundle,
    items: Mapping[str, ServiceItem],
    commitment: Commitment,
    where: str,
    problems: list[Problem],
) -> None:
    """A 告知承诺 only for a material at least one item allows it for (an item that does not is not satisfied
    by it: its finding says so); none allowing it is refused, naming the material."""
    targets = targets_of(
        bundle,
        items,
        shared=commitment.shared,
        item_code=commitment.item_code,
        code=commitment.material_code or "",
    )
    if not targets or any(material.commitment_allowed for _, material in targets):
        return
    entry = bundle.shared_entry(commitment.shared) if commitment.shared else None
    name = entry.name if entry else targets[0][1].name
    whose = "、".join(f"“{item.name}”" for item, _ in targets)
    problems.append(Problem(where, f"「{name}」不适用告知承诺制（{whose}均须提交材料），不能以告知承诺替代"))


def _check_reference(
    bundle: Bundle,
    items: Mapping[str, ServiceItem],
    shared: str | None,
    item_code: str | None,
    material_code: str | None,
    where: str,
    problems: list[Problem],
) -> None:
    if shared is not None:
        if bundle.shared_entry(shared) is None:
            problems.append(Problem(f"{where}.shared", f"一件事“{bundle.name}”没有共享材料 {shared}"))
        return
    if item_code not in bundle.item_codes:
        problems.append(Problem(f"{where}.item", f"事项 {item_code} 不属于一件事“{bundle.name}”"))
        return
    item = items[item_code]
    if material_code is None or item.material(material_code) is None:
        problems.append(Problem(f"{where}.material", f"事项“{item.name}”没有材料编码 {material_code}"))
        return
    key = bundle.shared_key_of(item_code, material_code)
    if key is not None:
        entry = bundle.shared_entry(key)
        name = entry.name if entry else key
        problems.append(
            Problem(
                f"{where}.material",
                f"“{item.name}”的材料 {material_code} 是共享材料 {key}（{name}）：按共享材料登记一次即可",
            )
        )


def definition_json(bundle: Bundle, items: Mapping[str, ServiceItem]) -> dict[str, Any]:
    """The bundle as stored with its cases: its definition and its items' names (documents read this)."""
    return {**bundle.as_json(), "item_names": {code: items[code].name for code in bundle.item_codes}}


def handed_over_json(bundle: Bundle, request: BundleRequest, items: Mapping[str, ServiceItem]) -> list[Any]:
    rows: list[Any] = []
    for handed in request.materials:
        received = handed.material
        if handed.shared is not None:
            entry = bundle.shared_entry(handed.shared)
            name = entry.name if entry else handed.shared
        else:
            material = items[handed.item_code or ""].material(received.material_code)
            name = material.name if material else received.material_code
        rows.append(
            {
                "shared": handed.shared,
                "item": handed.item_code,
                "material": received.material_code,
                "name": name,
                "form": str(received.form),
                "form_label": FORM_LABEL[received.form],
                "copies": received.copies,
                "pages": received.pages,
                "defect": received.defect,
                **_licence_json(received),
            }
        )
    return rows


def _licence_json(received: ReceivedMaterial) -> dict[str, str]:
    """A material handed over as an electronic licence: the licence's id and type (the receipt names it)."""
    if received.licence is None:
        return {}
    return {"licence_id": received.licence.licence_id, "licence_type": received.licence.licence_type}


class BundleService:
    """Deciding and storing bundles at the counter (the window, `clerk`, the tests)."""

    def __init__(
        self,
        *,
        store: Store,
        catalog: CatalogRepository,
        acceptance: AcceptanceService,
        cases: CaseQueries,
        documents: DocumentService,
        clock: Clock,
    ) -> None:
        self._store, self._catalog, self._acceptance, self._clock = store, catalog, acceptance, clock
        self._views = BundleQueries(store, cases)
        self._licences = LicenceLibrary(store=store, clock=clock)
        self.documents = BundleDocuments(store=store, catalog=catalog, documents=documents, clock=clock)

    def find(self, text: str) -> BundleView | None:
        """The bundle of a bundle number, or of a case decided in one (None: no such bundle here)."""
        return self._views.find(text)

    def bundle(self, code: str) -> Bundle:
        bundle = self._catalog.bundle(code) if code else None
        if bundle is None:
            raise InputError(
                [
                    Problem(
                        "request.bundle",
                        f"事项目录（{self._catalog.version or '无'}）中没有一件事 {code or '（空）'}",
                    )
                ]
            )
        return bundle

    def _items(self, bundle: Bundle) -> dict[str, ServiceItem]:
        items: dict[str, ServiceItem] = {}
        for code in bundle.item_codes:
            item = self._catalog.item(code)
            if item is None:  # checked when the catalog was loaded: a damaged database
                raise InputError(
                    [Problem("request.bundle", f"一件事“{bundle.name}”的事项 {code} 不在目录中")]
                )
            items[code] = item
        return items

    def evaluate(self, request: BundleRequest, *, counter: Counter) -> BundleEvaluation:
        """Every item's decision as it would be recorded now, nothing stored (InputError: every problem of
        the request, each named once however many items it concerns)."""
        bundle = self.bundle(request.bundle_code)
        items = self._items(bundle)
        request = self._with_licences(bundle, request, items)
        requests = split(bundle, request, items)
        problems: dict[tuple[str, str], Problem] = {}
        evaluations: list[Evaluation] = []
        for single in requests:
            try:
                evaluation = self._acceptance.evaluate(single, counter=counter)
            except InputError as error:
                for problem in error.problems:
                    problems.setdefault((problem.field, problem.message), problem)
                continue
            for problem in evaluation.problems:  # a 不予受理 decided before the applicant was entered
                problems.setdefault((problem.field, problem.message), problem)
            evaluations.append(evaluation)
        if problems:
            raise InputError(list(problems.values()))
        return BundleEvaluation(bundle, request, tuple(evaluations))

    def _with_licences(
        self, bundle: Bundle, request: BundleRequest, items: Mapping[str, ServiceItem]
    ) -> BundleRequest:
        """The request with each electronic licence verified once now (its seal, revocation, validity and
        holder: app.licence_library) and of a type at least one item it counts for accepts; InputError naming
        the material and why for each that does not. Which item it satisfies is `split`'s."""
        problems: list[Problem] = []
        handed: list[HandedOver] = []
        holder = Holder(request.applicant.name, request.applicant.id_number)
        for index, entry in enumerate(request.materials):
            received = entry.material
            targets = targets_of(
                bundle, items, shared=entry.shared, item_code=entry.item_code, code=received.material_code
            )
            if received.form is not Form.LICENCE or received.licence is None or not targets:
                handed.append(entry)  # paper, or a reference `split` names
                continue
            shared = bundle.shared_entry(entry.shared) if entry.shared else None
            name = shared.name if shared else targets[0][1].name
            where = f"materials[{index}].licence"
            try:
                licence = self._licences.verify(received.licence.qr_text)
            except LicenceError as error:
                problems.append(Problem(where, f"「{name}」的{error}"))
                continue
            if received.licence.licence_id and received.licence.licence_id != licence.licence_id:
                problems.append(Problem(where, f"「{name}」所附电子证照与其二维码内容不符"))
                continue
            accepted = tuple(dict.fromkeys(t for _, material in targets for t in material.licence_types))
            refused = self._licences.refusal(
                licence, accepted_types=accepted, material_name=name, holder=holder
            )
            if refused is not None:
                problems.append(Problem(where, refused.message))
                continue
            evidence = licence.evidence(received.licence.verified_by)
            handed.append(replace(entry, material=replace(received, licence=evidence)))
        if problems:
            raise InputError(problems)
        return replace(request, materials=tuple(handed))

    def accept(self, request: BundleRequest, *, counter: Counter) -> StoredBundle:
        """Decide every item and store the bundle and all its cases in one transaction: all or nothing."""
        evaluated = self.evaluate(request, counter=counter)
        bundle = evaluated.bundle
        items = self._items(bundle)
        now = self._clock.now()
        received_on = evaluated.evaluations[0].received_on
        with self._store.write() as session:
            serial = _next_serial(session, counter.window_code, received_on)
            number = format_bundle_number(window_code=counter.window_code, day=received_on, serial=serial)
            session.add(
                CaseBundle(
                    number=number,
                    bundle_code=bundle.code,
                    bundle_name=bundle.name,
                    catalog_version=self._catalog.version,
                    definition=definition_json(bundle, items),
                    hall_code=counter.hall.code,
                    window_code=counter.window_code,
                    received_on=received_on,
                    serial=serial,
                    clerk_login=counter.clerk_login,
                    clerk_name=counter.clerk_name,
                    created_at=now.replace(tzinfo=None),
                    handed_over=handed_over_json(bundle, evaluated.request, items),
                    documents={},
                )
            )
            session.flush()
            numbers = tuple(
                self._acceptance.store_in(session, evaluation, counter=counter, now=now, bundle_number=number)
                for evaluation in evaluated.evaluations
            )
        log.info(
            "bundle %s (%s) decided: %s by %s", number, bundle.code, ", ".join(numbers), counter.clerk_login
        )
        return StoredBundle(number, numbers)


def _next_serial(session: Session, window_code: str, day: date) -> int:
    last = session.scalar(
        select(func.max(CaseBundle.serial)).where(
            CaseBundle.window_code == window_code, CaseBundle.received_on == day
        )
    )
    serial = (last or 0) + 1
    if serial > MAX_BUNDLE_SERIAL:
        raise AcceptanceError(f"窗口 {window_code} 今日一件事编号已用完（{MAX_BUNDLE_SERIAL}）")
    return serial


def evaluation_summary(evaluated: BundleEvaluation) -> list[dict[str, Any]]:
    """Per item: its name and decision, for the clerk before saving."""
    return [
        {"item": e.item.code, "item_name": e.item.name, "decision": str(e.result.outcome)}
        for e in evaluated.evaluations
    ]
