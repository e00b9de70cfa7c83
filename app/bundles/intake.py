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
from app.catalog import FORM_LABEL, ServiceItem
from app.catalog_store import CatalogRepository
from app.clock import Clock
from app.completeness import ReceivedMaterial
from app.documents.service import DocumentService
from app.intake import AcceptanceRequest, Applicant, InputError, Party, Problem, parse_request
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
        _check_reference(
            bundle, items, commitment.shared, commitment.item_code, commitment.material_code, where, problems
        )
    if problems:
        raise InputError(problems)
    requests = []
    for item_code in bundle.item_codes:
        materials: list[ReceivedMaterial] = []
        for handed in request.materials:
            if handed.shared is not None:
                entry = bundle.shared_entry(handed.shared)
                target = entry.material_for(item_code) if entry else None
                if target is not None:
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
        item = items[item_code]
        requests.append(
            AcceptanceRequest(
                item_code,
                request.applicant,
                request.agent,
                tuple(materials),
                tuple(committed),
                checklist_sha256=item.checklist_sha256,
            )
        )
    return tuple(requests)


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
            }
        )
    return rows


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
                    handed_over=handed_over_json(bundle, request, items),
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
