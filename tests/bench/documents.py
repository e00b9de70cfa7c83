"""Render documents warm (receipt, certificate), and accept-then-render a receipt (≤ 100 ms)."""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
from pathlib import Path

from app.documents.content import DocumentKind
from app.documents.layout import Layout
from app.intake import parse_request
from tests.bench.report import summary
from tests.helpers import COMPANY, PLANNING_FIELDS, item_with_materials, open_demo_workspace, request_json


def main() -> None:
    import keyring

    from tests.conftest import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory() as folder:
        ws = open_demo_workspace(Path(folder) / "home")
        counter = ws.counter("demo")
        item = item_with_materials(ws.catalog, counter.hall, count=10)
        data = request_json(item, applicant=COMPANY, agent=None)
        number = ws.acceptance.accept(parse_request(data), counter=counter)
        ws.certificates.approve(number, approver=counter, fields=PLANNING_FIELDS)
        for kind in (
            DocumentKind.RECEIPT,
            DocumentKind.CERTIFICATE,
        ):  # warm: fonts registered, subsets cached
            ws.documents.prepare(kind, number, counter=counter)
        gc.freeze()  # as the window does once it is ready
        for kind, layout in (
            (DocumentKind.RECEIPT, Layout.A4),
            (DocumentKind.RECEIPT, Layout.RECEIPT80),
            (DocumentKind.CERTIFICATE, Layout.A4),
        ):
            samples = []
            for _ in range(100):
                t0 = time.perf_counter()
                ws.documents.prepare(kind, number, counter=counter, layout=layout)
                samples.append(time.perf_counter() - t0)
            print(
                summary(
                    f"render {kind} {layout} (from the stored case, glyph check, PDF)", samples, budget_ms=100
                )
            )
        combined = []
        for _ in range(100):
            t0 = time.perf_counter()
            n = ws.acceptance.accept(parse_request(data), counter=counter)
            ws.documents.prepare(DocumentKind.RECEIPT, n, counter=counter)
            combined.append(time.perf_counter() - t0)
        print(summary("accept a case with 10 materials + render its receipt", combined, budget_ms=100))
        print(f"  median {statistics.median(combined) * 1000:.1f} ms")
        ws.close()


if __name__ == "__main__":
    main()
