"""`clerk print`, `clerk verify`, `clerk case approve|handover`, `clerk keys export` and their refusals."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.cli import main
from app.seal import KeyDirectory
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import AGENT, PLANNING, PLANNING_FIELDS, open_demo_workspace, request_json

pytestmark = pytest.mark.usefixtures("clerk_env")  # `clerk` acts as the demo clerk


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict | list | None, str]:  # type: ignore[type-arg]
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip().startswith(("{", "[")) else None), err


@pytest.fixture
def accepted(capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path) -> str:
    ws = open_demo_workspace(home)
    item = ws.catalog.item(PLANNING)
    ws.close()
    assert item is not None
    request = tmp_path / "case.json"
    request.write_text(json.dumps(request_json(item), ensure_ascii=False), encoding="utf-8")
    code, result, _ = run(capsys, "--home", str(home), "--json", "accept", str(request))
    assert code == 0 and isinstance(result, dict)
    return str(result["case_number"])


FIELDS = [f"--field={label}={value}" for label, value in PLANNING_FIELDS.items()]


@needs_poppler
def test_print_every_kind_of_an_approved_case(
    capsys: pytest.CaptureFixture[str], home: Path, accepted: str, tmp_path: Path
) -> None:
    h = ["--home", str(home), "--json"]
    assert (
        run(capsys, *h, "print", "certificate", accepted, "-o", str(tmp_path / "c.pdf"))[0] == 1
    )  # not approved
    code, _, err = run(
        capsys, *h, "case", "approve", accepted, "--clerk", "shenpi", "--valid-until", "2031-11-19", *FIELDS
    )
    assert code == 1 and "长期" in err  # the catalog fixes the validity of a 建设工程规划许可证
    code, approval, _ = run(capsys, *h, "case", "approve", accepted, "--clerk", "shenpi", *FIELDS)
    assert code == 0 and isinstance(approval, dict)
    code, _, err = run(
        capsys, *h, "case", "handover", accepted, "--recipient", AGENT["name"], "--recipient-id", "123"
    )
    assert code == 1 and "领取人信息有误" in err
    assert (
        run(
            capsys,
            *h,
            "case",
            "handover",
            accepted,
            "--recipient",
            AGENT["name"],
            "--recipient-id",
            AGENT["id_number"],
        )[0]
        == 0
    )
    for kind in ("receipt", "certificate", "pickup-receipt"):
        out = tmp_path / f"{kind}.pdf"
        code, result, err = run(capsys, *h, "print", kind, accepted, "-o", str(out))
        assert code == 0, err
        assert isinstance(result, dict) and result["reprint"] is False and out.exists()
        assert accepted in "".join(read_back(out.read_bytes(), tmp_path / kind).text.split())
    for kind in ("tolerance-notice", "supplement-notice", "rejection-notice"):
        code, _, err = run(capsys, *h, "print", kind, accepted, "-o", str(tmp_path / f"{kind}.pdf"))
        assert code == 1 and not (tmp_path / f"{kind}.pdf").exists(), kind
    code, verified, _ = run(capsys, *h, "verify", str(approval["qr_text"]))
    assert code == 0 and isinstance(verified, dict) and verified["status"] == "valid"
    assert verified["certificate"]["case_number"] == accepted


def test_reprint_needs_a_reason_and_a_failed_write_records_nothing(
    capsys: pytest.CaptureFixture[str], home: Path, accepted: str, tmp_path: Path
) -> None:
    h = ["--home", str(home), "--json"]
    code, _, err = run(
        capsys, *h, "print", "receipt", accepted, "-o", str(tmp_path / "no" / "such" / "r.pdf")
    )
    assert code == 1 and "未记录为已打印" in err
    assert run(capsys, *h, "print", "receipt", accepted, "-o", str(tmp_path / "r.pdf"))[0] == 0
    code, _, err = run(capsys, *h, "print", "receipt", accepted, "-o", str(tmp_path / "r2.pdf"))
    assert code == 1 and "补打须填写原因" in err and not (tmp_path / "r2.pdf").exists()
    code, result, _ = run(
        capsys,
        *h,
        "print",
        "receipt",
        accepted,
        "-o",
        str(tmp_path / "r2.pdf"),
        "--layout",
        "receipt80",
        "--reason",
        "申请人遗失",
    )
    assert (
        code == 0
        and isinstance(result, dict)
        and result["reprint"] is True
        and result["layout"] == "receipt80"
    )
    connection = sqlite3.connect(home / "window.sqlite3")
    rows = connection.execute("select reprint, reason from print_record order by id").fetchall()
    connection.close()
    assert rows == [(0, None), (1, "申请人遗失")]


def test_verify_refuses_tampered_truncated_and_unknown(
    capsys: pytest.CaptureFixture[str], home: Path, accepted: str, tmp_path: Path
) -> None:
    h = ["--home", str(home), "--json"]
    code, approval, _ = run(capsys, *h, "case", "approve", accepted, "--clerk", "shenpi", *FIELDS)
    assert code == 0 and isinstance(approval, dict)
    text = str(approval["qr_text"])
    keys = tmp_path / "keys.json"
    assert run(capsys, *h, "keys", "export", "-o", str(keys))[0] == 0
    directory = KeyDirectory.from_json(keys.read_text(encoding="utf-8"))
    assert len(directory) == 1
    cases = {
        "truncated": text[: len(text) // 2],
        "tampered": text[:-3] + ("Q" if text[-3] != "Q" else "R") + text[-2:],
        "mangled": text.replace("A", "0", 1) + "!",
        "empty": " ",
    }
    for name, payload in cases.items():
        code, result, _ = run(capsys, *h, "verify", payload)
        assert code == 1 and isinstance(result, dict) and result["status"] != "valid", name
        assert result["certificate"] is None, name
    # A verifier that only knows another office's key cannot vouch for this certificate.
    other_home = tmp_path / "other"
    other_home.mkdir()
    code, result, _ = run(capsys, "--home", str(other_home), "--json", "verify", text)
    assert code == 1 and isinstance(result, dict) and result["status"] == "unknown_key"
    code, result, _ = run(capsys, "--home", str(other_home), "--json", "verify", text, "--keys", str(keys))
    assert code == 0 and isinstance(result, dict) and result["status"] == "valid"
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    code, _, err = run(
        capsys, "--home", str(other_home), "verify", text, "--keys", str(tmp_path / "broken.json")
    )
    assert code == 1 and "格式错误" in err
