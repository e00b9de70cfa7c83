"""Accept a case with 10 materials, warm (≤ 100 ms incl. the receipt once documents exist)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from app.catalog import ApplicantKind
from app.completeness import applicable_materials
from app.intake import parse_request
from app.workspace import open_workspace
from tests.bench.report import summary
from tests.helpers import COMPANY, request_json


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        ws = open_workspace(Path(folder) / "home")
        counter = ws.counter()
        # An item whose checklist for an organisation without agent has exactly 10 materials.
        item = next(
            i
            for code in ws.catalog.codes()
            if (i := ws.catalog.item(code)) is not None
            and len(applicable_materials(i, applicant_kind=ApplicantKind.ORGANIZATION, has_agent=False)) == 10
            and i.body_code in counter.hall.bodies
        )
        data = request_json(item, applicant=COMPANY, agent=None)
        for _ in range(20):
            ws.acceptance.accept(parse_request(data), counter=counter)
        samples = []
        for _ in range(300):
            t0 = time.perf_counter()
            number = ws.acceptance.accept(parse_request(data), counter=counter)
            samples.append(time.perf_counter() - t0)
        case = ws.cases.find(number)
        assert case is not None and case["decision"] == "accepted"
        ws.close()
    print(f"item: {item.name} ({len(case['materials'])} material entries, 10 materials)")
    print(
        summary(
            "accept (validate, check, number, store case+materials+findings+event, fsync)",
            samples,
            budget_ms=100,
        )
    )


if __name__ == "__main__":
    main()
