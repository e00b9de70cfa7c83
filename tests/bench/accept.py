"""Accept a case with 10 materials, warm (≤ 100 ms incl. the receipt once documents exist)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from app.intake import parse_request
from tests.bench.report import summary
from tests.helpers import COMPANY, item_with_materials, open_demo_workspace, request_json


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        ws = open_demo_workspace(Path(folder) / "home")
        counter = ws.counter("demo")
        item = item_with_materials(ws.catalog, counter.hall, count=10)
        data = request_json(item, applicant=COMPANY, agent=None)
        for _ in range(20):
            ws.acceptance.accept(parse_request(data), counter=counter)
        samples = []
        for _ in range(300):
            t0 = time.perf_counter()
            number = ws.acceptance.accept(parse_request(data), counter=counter)
            samples.append(time.perf_counter() - t0)
        case = ws.cases.find(number)
        assert case is not None and case.decision == "accepted"
        ws.close()
    print(f"item: {item.name} ({len(case.materials)} material entries, 10 materials)")
    print(
        summary(
            "accept (validate, check, number, store case+materials+findings+event, fsync)",
            samples,
            budget_ms=100,
        )
    )


if __name__ == "__main__":
    main()
