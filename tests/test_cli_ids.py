"""`clerk id check` on every identifier example of DOMAIN.md and the README, `--kind` for each 证件类型, and
a case accepted from JSON for a holder of a 2023 外国人永久居留身份证, printed with the kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.cli import EXIT_INVALID, EXIT_OK, EXIT_OVERRIDABLE, main
from app.workspace import Workspace
from db.models import Case
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import AGENT, PERSON, PLANNING, request_json
from tests.id_numbers import FOREIGN_2023, HK_PERMIT, wrong_check

pytestmark = pytest.mark.usefixtures("clerk_env")  # `clerk` acts as the demo clerk


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# (value, exit code, kind): DOMAIN.md "Identifiers" and the README, every one.
EXAMPLES = [
    ("11010519491231002X", EXIT_OK, "resident_id"),
    ("440524188001010014", EXIT_OK, "resident_id"),  # valid, born 1880: with the age warning
    ("110105194912310021", EXIT_INVALID, "resident_id"),
    ("91350100M000100Y43", EXIT_OK, "uscc"),
    ("91310110666007217T", EXIT_OK, "uscc"),  # the README's own organisation
    ("11100000000013338W", EXIT_OK, "uscc"),
    ("91350211M00013FA1N", EXIT_OVERRIDABLE, "uscc"),  # an early pilot code: overridable, not valid
]


@pytest.mark.parametrize(("value", "exit_code", "kind"), EXAMPLES)
def test_every_documented_example(
    capsys: pytest.CaptureFixture[str], value: str, exit_code: int, kind: str
) -> None:
    code, out, err = run(capsys, "id", "check", value, "--json")
    data = json.loads(out)
    assert code == exit_code, err
    assert data["kind"] == kind and data["valid"] is (exit_code == EXIT_OK)
    assert data["overridable"] is (exit_code == EXIT_OVERRIDABLE)
    code, out, err = run(capsys, "id", "check", value)
    assert code == exit_code
    if exit_code == EXIT_OK:
        assert out.startswith("有效：") and value in out and err == ""
    else:
        assert out == "" and err.strip()


def test_the_readme_organisation_is_a_credit_code_not_a_bad_resident_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "id", "check", "91310110666007217T")
    assert code == 0 and out.strip() == "有效：统一社会信用代码 91310110666007217T"
    assert "身份证" not in out + err


def test_a_resident_born_in_1880_is_valid_with_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "id", "check", "440524188001010014")
    assert code == 0 and "有效：居民身份证 440524188001010014" in out
    assert "警告" in out and "超过 120 岁" in out
    code, out, _ = run(capsys, "id", "check", "440524188001010014", "--json")
    [warning] = json.loads(out)["warnings"]
    assert "1880-01-01" in warning and "超过 120 岁" in warning


def test_a_number_that_fails_every_kind_says_why_for_each(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "id", "check", "110105194912310021")
    assert code == EXIT_INVALID and out == ""
    for label in ("居民身份证：", "港澳台居民居住证：", "外国人永久居留身份证：", "统一社会信用代码："):
        assert label in err
    assert "应为 X，实为 1" in err
    code, out, _ = run(capsys, "id", "check", "110105194912310021", "--json")
    data = json.loads(out)
    assert [t["kind"] for t in data["tried"]] == [
        "resident_id",
        "residence_permit_hmt",
        "foreign_permanent",
        "uscc",
    ]
    assert all(t["reason"] for t in data["tried"])


def test_a_pilot_credit_code_is_told_apart_from_an_invalid_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "id", "check", "91350211M00013FA1N")
    assert code == EXIT_OVERRIDABLE and "说明理由放行" in err
    code, _, err = run(capsys, "id", "check", "91350211M00013FA1O")  # O is never in a credit code
    assert code == EXIT_INVALID


def test_a_length_no_kind_has(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "id", "check", "1234567")
    assert code == EXIT_INVALID and "无法判断证件类型" in err and "--kind" in err


@pytest.mark.parametrize(
    ("kind", "valid", "invalid"),
    [
        ("resident_id", "11010519491231002X", "110105194912310021"),
        ("person", "11010519491231002X", FOREIGN_2023),  # the kind's word before 证件类型
        ("residence_permit_hmt", HK_PERMIT, wrong_check(HK_PERMIT)),
        ("foreign_permanent", FOREIGN_2023, wrong_check(FOREIGN_2023)),
        ("foreign_permanent", "CAN110690315001", "CA1110690315001"),
        ("hk_macao_permit", "H12345678", "A12345678"),
        ("taiwan_permit", "12345678", "1234567"),
        ("passport", "E12345678", "   "),
        ("uscc", "91310110666007217T", "110105194912310021X"),
        ("organization", "91310110666007217T", "91310110666007217"),
    ],
)
def test_kind_option_for_each_kind(
    capsys: pytest.CaptureFixture[str], kind: str, valid: str, invalid: str
) -> None:
    code, out, _ = run(capsys, "id", "check", "--kind", kind, valid, "--json")
    assert code == EXIT_OK and json.loads(out)["valid"] is True
    code, out, err = run(capsys, "id", "check", "--kind", kind, invalid)
    assert code == EXIT_INVALID and out == "" and err.strip()


def test_a_foreign_card_under_the_resident_id_kind_names_the_right_kind(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "id", "check", "--kind", "resident_id", FOREIGN_2023)
    assert code == EXIT_INVALID and "外国人永久居留身份证" in err
    code, out, _ = run(capsys, "id", "check", FOREIGN_2023, "--json")
    data = json.loads(out)
    assert code == EXIT_OK and data["kind"] == "foreign_permanent" and data["birth_date"] == "1985-03-01"


# -- a case from JSON ------------------------------------------------------------------------------

FOREIGN_PERSON = {
    "kind": "person",
    "name": "JOHNSON·EMILY ANNE",
    "id_type": "foreign_permanent",
    "id_number": FOREIGN_2023.lower(),
    "phone": "13800138000",
}
HK_AGENT = {"name": "陈大文", "id_type": "hk_macao_permit", "id_number": "H12345678", "phone": "13912345678"}


def accept_json(capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, data: Any) -> dict[str, Any]:
    request = tmp_path / "case.json"
    request.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "--home", str(home), "accept", str(request), "--json")
    assert code == 0, err
    number = json.loads(out)["case_number"]
    code, out, err = run(capsys, "--home", str(home), "case", "show", number, "--json")
    assert code == 0, err
    case: dict[str, Any] = json.loads(out)
    return case


@needs_poppler
def test_a_2023_foreign_permanent_card_holder_is_accepted_and_printed_with_the_kind(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, tmp_path: Path
) -> None:
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    case = accept_json(
        capsys, workspace.home, tmp_path, request_json(planning, applicant=FOREIGN_PERSON, agent=HK_AGENT)
    )
    assert case["decision"] == "accepted"
    assert (
        case["applicant"]["id_type"] == "foreign_permanent" and case["applicant"]["id_number"] == FOREIGN_2023
    )
    assert case["agent"]["id_type"] == "hk_macao_permit" and case["agent"]["id_number"] == "H12345678"
    pdf = tmp_path / "receipt.pdf"
    code, _, err = run(
        capsys, "--home", str(workspace.home), "print", "receipt", case["number"], "-o", str(pdf)
    )
    assert code == 0, err
    text = "".join(read_back(pdf.read_bytes(), tmp_path / "read").text.split())
    assert f"外国人永久居留身份证{FOREIGN_2023[:6]}********{FOREIGN_2023[-4:]}" in text
    assert "港澳居民来往内地通行证H1*****78" in text
    assert FOREIGN_2023 not in text and "H12345678" not in text


def test_a_request_without_id_types_is_accepted_as_before(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, tmp_path: Path
) -> None:
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    data = request_json(planning)  # an organisation, and an agent with a resident ID: no id_type anywhere
    assert "id_type" not in data["applicant"] and "id_type" not in data["agent"]
    case = accept_json(capsys, workspace.home, tmp_path, data)
    assert case["applicant"]["id_type"] == "uscc" and case["agent"]["id_type"] == "resident_id"
    # The agent's number (born 1880) passes; the age warning is recorded with the decision.
    [note] = [f for f in case["findings"] if f["rule"] == "id_plausibility"]
    assert note["outcome"] == "note" and "代理人" in note["message"] and "超过 120 岁" in note["message"]
    person = request_json(planning, applicant=PERSON, agent={**AGENT, "id_number": "11010519491231002X"})
    case = accept_json(capsys, workspace.home, tmp_path, person)
    assert case["applicant"]["id_type"] == "resident_id" and case["agent"]["id_type"] == "resident_id"
    assert not [f for f in case["findings"] if f["rule"] == "id_plausibility"]


@pytest.mark.parametrize(
    ("applicant", "field", "message"),
    [
        ({**PERSON, "id_type": "uscc"}, "applicant.id_type", "自然人"),
        ({**PERSON, "id_type": "green_card"}, "applicant.id_type", "应为以下之一"),
        ({**FOREIGN_PERSON, "kind": "organization"}, "applicant.id_type", "统一社会信用代码"),
        ({**PERSON, "id_number": FOREIGN_2023}, "applicant.id_number", "外国人永久居留身份证"),
    ],
)
def test_a_kind_that_does_not_fit_is_refused_and_nothing_stored(
    capsys: pytest.CaptureFixture[str],
    workspace: Workspace,
    tmp_path: Path,
    applicant: dict[str, Any],
    field: str,
    message: str,
) -> None:
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    request = tmp_path / "bad.json"
    request.write_text(json.dumps(request_json(planning, applicant=applicant, agent=None)), encoding="utf-8")
    code, out, _ = run(capsys, "--home", str(workspace.home), "accept", str(request), "--json")
    assert code == EXIT_INVALID
    problems = json.loads(out)["problems"]
    assert any(p["field"] == field and message in p["message"] for p in problems), problems
    with workspace.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
