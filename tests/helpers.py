"""Builders of realistic acceptance requests over the demo catalog."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from subprocess import CompletedProcess
from typing import TYPE_CHECKING, Any

from app.catalog import ApplicantKind, Form, Hall, ServiceItem
from app.catalog_store import CatalogRepository
from app.completeness import applicable_materials

if TYPE_CHECKING:
    from app.clock import Clock
    from app.workspace import Workspace

PLANNING = "511A0139000000-510100000000-000-11510100MB1C5E420M-1-00"  # 建设工程规划许可证核发
SEAL = "511K0312000000-510100000000-000-11510100009025140U-1-00"  # 公章刻制备案 (即办件)
PASSPORT = "511A0611000000-510100000000-000-11510100MB0N4432XD-1-00"  # 普通护照签发 (other office)
FIRST_REGISTRATION = "511G0512001000-510100000000-000-12510100MB0T72182L-1-00"  # 不动产首次登记
MARRIAGE = "511G0621000000-510100000000-000-11510100009027330L-1-00"  # 结婚登记 (民政局: other office)

COMPANY = {
    "kind": "organization",
    "name": "示例市锦华建设发展有限公司",
    "id_number": "91310110666007217T",
    "phone": "028-61881234",
}
PERSON = {
    "kind": "person",
    "name": "阿卜杜热依木·艾合买提",
    "id_number": "11010519491231002X",
    "phone": "13800138000",
}
AGENT = {"name": "李𠮷䶮", "id_number": "440524188001010014", "phone": "13912345678"}


def complete_materials(
    item: ServiceItem, *, kind: str, agent: bool, skip: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Everything the checklist asks of this applicant, in the forms and copies it asks for."""
    entries: list[dict[str, Any]] = []
    for material in applicable_materials(item, applicant_kind=ApplicantKind(kind), has_agent=agent):
        if material.code in skip:
            continue
        for form in material.forms:
            copies = 0 if form is Form.ELECTRONIC else max(material.copies, 1)
            entries.append(
                {"material": material.code, "form": str(form), "copies": copies, "pages": 4, "defect": None}
            )
    return entries


def request_json(
    item: ServiceItem,
    *,
    applicant: dict[str, Any] = COMPANY,
    agent: dict[str, Any] | None = AGENT,
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "item": item.code,
        "applicant": dict(applicant),
        "agent": dict(agent) if agent else None,
        "materials": complete_materials(item, kind=applicant["kind"], agent=agent is not None, skip=skip),
        "commitments": [],
    }


def item_with_materials(catalog: CatalogRepository, hall: Hall, *, count: int) -> ServiceItem:
    """An item of this hall whose checklist for an organisation without agent has `count` materials."""
    for code in catalog.codes():
        item = catalog.item(code)
        if (
            item is not None
            and item.body_code in hall.bodies
            and len(applicable_materials(item, applicant_kind=ApplicantKind.ORGANIZATION, has_agent=False))
            == count
        ):
            return item
    raise LookupError(f"no item with {count} materials")


TEST_CALENDAR_SOURCE = "测试用节假日安排（非真实通知）"


def calendar_json(year: int = 2027, **changes: Any) -> bytes:
    """A published year in the window-clerk-calendar/1 format. Made up for tests, not the real notice:
    元旦 2027-01-01–03, 春节 2027-02-05–12 (Fri–Fri), working Sunday 2027-02-14 and Saturday 2027-02-20."""
    data: dict[str, Any] = {
        "format": "window-clerk-calendar/1",
        "year": year,
        "source": TEST_CALENDAR_SOURCE,
        "holidays": [
            {"name": "元旦", "from": f"{year}-01-01", "to": f"{year}-01-03"},
            {"name": "春节", "from": f"{year}-02-05", "to": f"{year}-02-12"},
        ],
        "workdays": [
            {"name": "春节", "date": f"{year}-02-14"},
            {"name": "春节", "date": f"{year}-02-20"},
        ],
    }
    data.update(changes)
    return json.dumps(data, ensure_ascii=False).encode()


def newer_catalog(
    version: str = "2026.12-demo.2",
    published: str = "2026-11-21",
    *,
    revise: str | None = None,
    halls: list[dict[str, Any]] | None = None,
) -> bytes:
    """The demo catalog as a later version; `revise` = an item code whose checklist changes (its first
    material's standard gets a revision note); `halls` = extra halls."""
    from app.catalog_store import demo_catalog_bytes

    data = json.loads(demo_catalog_bytes())
    data["version"], data["published"] = version, published
    if revise is not None:
        [item] = [i for i in data["items"] if i["code"] == revise]
        item["materials"][0]["standard"] += f"（{version} 修订）"
    data["halls"] += halls or []
    return json.dumps(data, ensure_ascii=False).encode()


def demo_item(code: str) -> ServiceItem:
    """An item of the demo catalog, read from the file (no data folder needed)."""
    from app.catalog import parse_catalog
    from app.catalog_store import demo_catalog_bytes

    return next(i for i in parse_catalog(demo_catalog_bytes()).items if i.code == code)


def open_demo_workspace(
    home: Path,
    *,
    clock: Clock | None = None,
    secrets_in_file: bool = False,
    window_code: str | None = None,
    **options: Any,
) -> Workspace:
    """A demo data folder (the demo hall's window SZX0103, its accounts and catalog), opened. A folder that
    is not one has no window code: tests that accept cases make their folders demo folders explicitly.

    Its secrets go to the test's keyring (conftest's MemoryKeyring standing in for the PC's OS keyring, as
    on a counter PC), shared by every folder of the test like folders of one PC; `secrets_in_file` keeps
    them in the folder's own file, as the demo itself does (a PC of its own). `window_code`: another PC
    of the demo hall (the folder made as the demo's, then set to that window before it is opened)."""
    from app.settings import Settings
    from app.workspace import SETTINGS_NAME, open_workspace, prepare_demo_home
    from tests.templates import demo_home

    if clock is None or not demo_home(home, clock=clock):  # a copy of the same folder made once per run
        prepare_demo_home(home, clock=clock)
    if window_code is not None:
        Settings(home / SETTINGS_NAME).set("window_code", window_code)
    if not secrets_in_file:
        Settings(home / SETTINGS_NAME).set("secret_store", "system")
    return open_workspace(home, clock=clock, **options)


def run_program(module: str, *args: str, env: dict[str, str], timeout: float = 120) -> CompletedProcess[str]:
    """`python -m MODULE ARGS` of this checkout in a process of its own (a window, `clerk`), as a person
    starts it; its output captured, its exit code left to the test."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# The entries a 建设工程规划许可证 needs at approval (app.licences: planning_permit).
PLANNING_FIELDS = {"建设项目名称": "示例大厦", "建设位置": "示例市锦华区锦城大道1号", "建设规模": "地上12层"}
# The entries of a 城市建筑垃圾处置核准证 (app.licences "construction_waste").
WASTE_FIELDS = {
    "工程名称": "示例大厦",
    "工程地址": "示例市锦华区锦城大道1号",
    "处置量": "12000立方米",
    "运输单位": "示例市锦华渣土运输有限公司",
    "运输车辆": "川A·D1234等8辆",
    "运输路线": "锦城大道—绕城高速—东山路",
    "消纳场所": "示例市东山建筑垃圾消纳场",
}
