"""`clerk case …` for the case's life after the decision: the supplement round trip by the command line, the
back office's steps, and the bad inputs each refuses with its message and exit 1, nothing changed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from app.catalog_store import CatalogRepository
from app.cli import main
from app.clock import Clock
from app.workspace import open_workspace
from tests.helpers import PLANNING, PLANNING_FIELDS, open_demo_workspace, request_json

pytestmark = pytest.mark.usefixtures("clerk_env")  # `clerk` acts as the demo clerk; others by --clerk


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_home(home: Path) -> Path:
    open_demo_workspace(home).close()
    return home


def accepted(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, *, skip: tuple[str, ...] = ()
) -> str:
    ws = open_workspace(home)
    planning = CatalogRepository(ws.store).item(PLANNING)
    ws.close()
    assert planning is not None
    request = tmp_path / "case.json"
    request.write_text(json.dumps(request_json(planning, skip=skip), ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(capsys, "--home", str(home), "accept", str(request), "--json")
    assert code == 0
    return str(json.loads(out)["case_number"])


def test_the_supplement_round_trip_by_the_command_line(
    capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path
) -> None:
    home = ["--home", str(cli_home)]
    number = accepted(capsys, cli_home, tmp_path, skip=("M02", "M05"))
    code, out, _ = run(capsys, *home, "--json", "case", "supplement", number)
    shown = json.loads(out)
    assert code == 0 and [a["material"] for a in shown["asked"]] == ["M02", "M05"] and shown["visit"] == 1
    code, out, _ = run(capsys, *home, "case", "supplement", number)
    assert "M02" in out and "M05" in out and "期限" in out
    # Only one of the two: a new notice, nothing else asked.
    code, out, _ = run(capsys, *home, "--json", "case", "supplement", number, "--material", "M02", "--check")
    assert code == 0 and json.loads(out)["gaps"] == ["M05"]
    code, out, _ = run(capsys, *home, "--json", "case", "supplement", number, "--material", "M02")
    first = json.loads(out)
    assert code == 0 and first["status"] == "awaiting_supplement"
    assert first["print_next"] == ["supplement-receipt", "supplement-notice"]
    code, out, _ = run(capsys, *home, "--json", "case", "supplement", number, "--material", "M05")
    done = json.loads(out)
    assert (
        code == 0 and done["status"] == "accepted" and done["print_next"] == ["supplement-receipt", "receipt"]
    )
    code, out, _ = run(capsys, *home, "--json", "case", "show", number)
    case = json.loads(out)
    assert case["number"] == number and case["decision"] == "accepted"
    assert (
        case["lifecycle"]["accepted_on"] == Clock().today().isoformat()
        and len(case["lifecycle"]["visits"]) == 2
    )
    # Nothing more to supplement now: refused naming the status.
    code, _, err = run(capsys, *home, "case", "supplement", number, "--material", "M05")
    assert code == 1 and "没有待补正或待补交的材料" in err


def test_bad_supplements_are_refused_with_nothing_changed(
    capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path
) -> None:
    home = ["--home", str(cli_home)]
    number = accepted(capsys, cli_home, tmp_path, skip=("M02",))
    for args, message in (
        (["--material", "M99"], "没有材料编码"),
        (["--material", "M02:paper"], "应写作"),
        (["--material", "M02", "--defect", "M05=缺页"], "未带来的材料"),
        (["--material", "M02", "--defect", "M02"], "材料编码=瑕疵说明"),
    ):
        code, _, err = run(capsys, *home, "case", "supplement", number, *args)
        assert code == 1 and message in err, (args, err)
    code, out, _ = run(capsys, *home, "--json", "case", "show", number)
    assert json.loads(out)["lifecycle"]["step"] == 0  # nothing recorded


def test_the_back_office_steps_by_the_command_line(
    capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path
) -> None:
    home = ["--home", str(cli_home)]
    approver = ["--clerk", "shenpi"]
    number = accepted(capsys, cli_home, tmp_path)
    today = Clock().today()  # the hall's day
    assert run(capsys, *home, "case", "review", number, *approver)[0] == 0
    code, _, err = run(capsys, *home, "case", "review", number, *approver)
    assert code == 1 and "审查中" in err  # out of order: already in review
    suspend = ["case", "suspend", number, *approver, "--kind", "testing", "--expected-end"]
    code, _, err = run(capsys, *home, *suspend, (today + timedelta(days=5)).isoformat(), "--reason", " ")
    assert code == 1 and "挂起原因" in err
    with pytest.raises(SystemExit) as exited:
        main([*home, *suspend, "2026-13-01", "--reason", "检测"])
    assert exited.value.code == 2 and "不是有效日期" in capsys.readouterr().err
    code, out, _ = run(
        capsys, *home, "--json", *suspend, (today + timedelta(days=5)).isoformat(), "--reason", "委托检测"
    )
    assert code == 0 and json.loads(out)["print_next"] == ["suspension-notice"]
    code, out, _ = run(capsys, *home, "--json", "case", "resume", number, *approver)
    assert code == 0 and json.loads(out)["status"] == "in_review"
    extend = ["case", "extend", number, *approver, "--reason", "情况复杂", "--approved-by", "张局长"]
    assert run(capsys, *home, *extend)[0] == 0
    code, _, err = run(capsys, *home, *extend)
    assert code == 1 and "只允许延长一次" in err
    code, _, err = run(capsys, *home, "case", "refuse", number, "--reasons", "不符合", "--basis", "法")
    assert code == 1 and "审批员" in err  # the demo clerk may not refuse
    code, out, _ = run(
        capsys, *home, "--json", "case", "refuse", number, *approver, "--reasons", "不符合控制性详细规划",
        "--basis", "《中华人民共和国城乡规划法》第四十条",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["print_next"] == ["refusal-decision"]


def test_mailing_and_correction_by_the_command_line(
    capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path
) -> None:
    home = ["--home", str(cli_home)]
    number = accepted(capsys, cli_home, tmp_path)
    fields = [x for label, value in PLANNING_FIELDS.items() for x in ("--field", f"{label}={value}")]
    address = ["--address", "四川省示例市锦华区锦城大道1号"]
    ems = [
        "--recipient",
        "张三",
        "--phone",
        "13800138000",
        *address,
        "--carrier",
        "ems",
        "--tracking",
        "EA123456785CN",
    ]
    code, _, err = run(capsys, *home, "case", "mail", number, *ems)
    assert code == 1 and "不能邮寄证照" in err  # hand over before approval
    assert run(capsys, *home, "case", "approve", number, "--clerk", "shenpi", *fields)[0] == 0
    mail = ["case", "mail", number, "--recipient", "张三", "--phone", "13800138000", "--carrier", "sf"]
    code, _, err = run(
        capsys, *home, *mail, "--address", "四川省示例市锦华区锦城大道1号", "--tracking", "SF12"
    )
    assert code == 1 and "顺丰" in err
    code, _, err = run(capsys, *home, *mail, "--address", "", "--tracking", "SF1234567890123")
    assert code == 1 and "缺少邮寄地址" in err
    code, out, _ = run(
        capsys,
        *home,
        "--json",
        *mail,
        "--address",
        "四川省示例市锦华区锦城大道1号",
        "--tracking",
        "SF1234567890123",
    )
    assert code == 0 and json.loads(out)["status"] == "mailed"
    correct = ["case", "correct", number, "--reason", "电话录入错误", "--set", "applicant_phone=13900000000"]
    code, _, err = run(capsys, *home, *correct)
    assert code == 1 and "值班主任" in err
    assert run(capsys, *home, *correct, "--clerk", "zhuren")[0] == 0
    code, out, _ = run(capsys, *home, "--json", "case", "show", number)
    case = json.loads(out)
    assert (
        case["applicant"]["phone"] == "13900000000"
        and case["lifecycle"]["corrections"][0]["old"] != "13900000000"
    )
