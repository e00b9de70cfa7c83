"""The material checklist as an item model over the demo catalog: what the clerk ticks becomes the
materials received by the intake rule (app.intake), and counts stay within the limits a request is checked
by on both sides of the wire."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSpinBox, QStyleOptionViewItem, QWidget
from pytestqt.qtbot import QtBot

from app.catalog import ApplicantKind, Form
from app.completeness import ReceivedMaterial, applicable_materials
from app.intake import (
    COPIES_RANGE,
    FORM_CHOICES,
    PAGES_RANGE,
    FormChoice,
    default_form_choice,
    materials_received,
)
from app.sync.wire import MAX_COPIES, MAX_PAGES
from app.workspace import Workspace
from tests.helpers import PLANNING
from ui.delegates import CountDelegate
from ui.models import MaterialChecklistModel, MaterialColumn

BOTH = next(c for c in FORM_CHOICES if c.forms == (Form.ORIGINAL, Form.COPY))


def checklist(workspace: Workspace) -> MaterialChecklistModel:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    model = MaterialChecklistModel()
    model.set_materials(applicable_materials(item, applicant_kind=ApplicantKind.ORGANIZATION, has_agent=True))
    return model


def test_a_form_choice_becomes_what_was_received() -> None:
    def received(choice: FormChoice, defect: str = "") -> tuple[ReceivedMaterial, ...]:
        return materials_received(material_code="M01", choice=choice, copies=3, pages=4, defect=defect)

    by_label = {c.label: c for c in FORM_CHOICES}
    assert received(by_label["原件"]) == (ReceivedMaterial("M01", Form.ORIGINAL, 3, 4, None),)
    assert received(by_label["复印件"], "  ") == (ReceivedMaterial("M01", Form.COPY, 3, 4, None),)
    # Both handed in: the original is one piece, the copies are counted.
    assert received(BOTH, " 缺页 ") == (
        ReceivedMaterial("M01", Form.ORIGINAL, 1, 4, "缺页"),
        ReceivedMaterial("M01", Form.COPY, 3, 4, "缺页"),
    )
    assert received(by_label["电子"]) == (ReceivedMaterial("M01", Form.ELECTRONIC, 0, 4, None),)


def test_the_checklist_hands_in_what_was_ticked_by_the_intake_rule(
    workspace: Workspace, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    model = checklist(workspace)
    qtmodeltester.check(model)
    rows = model.rows()
    assert [r.choice for r in rows] == [default_form_choice(r.material) for r in rows]
    assert model.received() == ()
    model.mark_all_received()
    first = rows[0]
    assert model.setData(model.index(0, MaterialColumn.FORM), FORM_CHOICES.index(BOTH))
    assert model.setData(model.index(0, MaterialColumn.COPIES), 2)
    expected = tuple(
        entry
        for row in rows
        if row.received
        for entry in materials_received(
            material_code=row.material.code,
            choice=FORM_CHOICES[row.choice],
            copies=row.copies,
            pages=row.pages,
            defect=row.defect,
        )
    )
    assert model.received() == expected
    assert model.received()[:2] == (
        ReceivedMaterial(first.material.code, Form.ORIGINAL, 1, 1, None),
        ReceivedMaterial(first.material.code, Form.COPY, 2, 1, None),
    )
    assert model.data(model.index(0, MaterialColumn.FORM), Qt.ItemDataRole.DisplayRole) == "原件和复印件"
    qtmodeltester.check(model)


def test_counts_stay_within_the_wire_limits(workspace: Workspace, qtbot: QtBot) -> None:
    assert COPIES_RANGE == (0, MAX_COPIES) and PAGES_RANGE == (1, MAX_PAGES)
    model = checklist(workspace)
    copies, pages = model.index(0, MaterialColumn.COPIES), model.index(0, MaterialColumn.PAGES)
    assert model.setData(copies, MAX_COPIES) and model.setData(copies, 0)
    assert not model.setData(copies, MAX_COPIES + 1) and not model.setData(copies, -1)
    assert model.setData(pages, MAX_PAGES) and model.setData(pages, 1)
    assert not model.setData(pages, MAX_PAGES + 1) and not model.setData(pages, 0)
    assert model.rows()[0].copies == 0 and model.rows()[0].pages == 1
    parent = QWidget()
    qtbot.addWidget(parent)
    for delegate, (low, high) in (
        (CountDelegate.for_copies(), COPIES_RANGE),
        (CountDelegate.for_pages(), PAGES_RANGE),
    ):
        editor = delegate.createEditor(parent, QStyleOptionViewItem(), copies)
        assert isinstance(editor, QSpinBox) and (editor.minimum(), editor.maximum()) == (low, high)
