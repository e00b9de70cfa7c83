"""`clerk licences import FILE` and `clerk licences list --holder ID` (issue 15): hall IT imports a
third-party licence file through the CLI entry; a bad file is refused whole, naming what is wrong, with
nothing stored; a person without the role is refused; the list reads the library by the holder's ID."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.demo import DEMO_PASSWORD
from app.cli import main
from app.seal import OfficeKey, sign_certificate
from app.workspace import Workspace
from db.models import ImportedLicence, LicenceIssuerKey
from tests.helpers import COMPANY, PERSON
from tests.test_licence_library import ISSUER, _claims, licence_file


def clerk(capsys: pytest.CaptureFixture[str], workspace: Workspace, *args: str) -> tuple[int, str, str]:
    code = main(["--home", str(workspace.home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def held(ws: Workspace) -> tuple[int, int]:
    with ws.store.read() as session:
        licences = session.scalar(select(func.count()).select_from(ImportedLicence)) or 0
        keys = session.scalar(select(func.count()).select_from(LicenceIssuerKey)) or 0
    return licences, keys


@pytest.fixture
def key() -> OfficeKey:
    return OfficeKey.generate(key_id="SAMR-SC-2024", office_code=ISSUER)


@pytest.fixture
def business(key: OfficeKey) -> str:
    return sign_certificate(
        _claims(holder=COMPANY, type_name="营业执照"), key=key, verify_base="https://gsxt.example.gov.cn/V/"
    )


@pytest.fixture(autouse=True)
def signed_in_as_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_PASSWORD", DEMO_PASSWORD)
    monkeypatch.delenv("CLERK_LOGIN", raising=False)


def test_hall_it_imports_a_licence_file_and_lists_it_by_holder(
    workspace: Workspace, key: OfficeKey, business: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "licences.json"
    path.write_bytes(licence_file(key, [("business_licence", business)]))
    code, out, err = clerk(capsys, workspace, "licences", "import", str(path), "--clerk", "xinxi")
    assert code == 0, err
    assert "已导入电子证照 1 个、签发机关公钥 1 个" in out
    assert held(workspace) == (1, 1)
    code, out, _ = clerk(capsys, workspace, "--json", "licences", "import", str(path), "--clerk", "xinxi")
    assert code == 0 and json.loads(out) == {"licences": 0, "keys": 0, "already": 1}

    code, out, _ = clerk(capsys, workspace, "licences", "list", "--holder", COMPANY["id_number"].lower())
    assert code == 0 and "营业执照" in out and COMPANY["name"] in out and "外部导入" in out
    code, out, _ = clerk(capsys, workspace, "--json", "licences", "list", "--holder", COMPANY["id_number"])
    [listed] = json.loads(out)
    assert listed["licence_type"] == "business_licence" and listed["source"] == "imported"
    assert listed["status"] == "valid" and listed["holder_name"] == COMPANY["name"]
    code, out, _ = clerk(capsys, workspace, "licences", "list", "--holder", PERSON["id_number"])
    assert code == 0 and "没有电子证照" in out


def test_a_bad_licence_file_is_refused_whole_through_the_cli(
    workspace: Workspace, key: OfficeKey, business: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = OfficeKey.generate(key_id="SAMR-SC-2024", office_code=ISSUER)  # same id, another key
    forged = sign_certificate(
        _claims(holder=PERSON, type_name="营业执照", serial="20260000002"),
        key=other,
        verify_base="https://gsxt.example.gov.cn/V/",
    )
    cases = {
        "forged.json": (
            licence_file(key, [("business_licence", business), ("business_licence", forged)]),
            "第 2 个证照核验未通过：签名不符",
        ),
        "type.json": (licence_file(key, [("food_business", business)]), "与签名中的证照名称不符"),
        "broken.json": (b"{not json", "电子证照文件"),
        "format.json": (b'{"format": "window-clerk-licences/9"}', "format 应为 window-clerk-licences/1"),
        "empty.json": (
            json.dumps({"format": "window-clerk-licences/1", "keys": [], "licences": []}).encode(),
            "keys",
        ),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        code, out, err = clerk(
            capsys, workspace, "--json", "licences", "import", str(path), "--clerk", "xinxi"
        )
        assert code == 1, name
        assert expected in err and "未导入任何内容" in err, (name, err)
        assert expected in json.loads(out)["error"]
    code, _, err = clerk(
        capsys, workspace, "licences", "import", str(tmp_path / "missing.json"), "--clerk", "xinxi"
    )
    assert code == 1 and "无法读取电子证照文件" in err
    assert held(workspace) == (0, 0)


def test_only_hall_it_imports_and_the_holder_id_is_checked(
    workspace: Workspace,
    key: OfficeKey,
    business: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "licences.json"
    path.write_bytes(licence_file(key, [("business_licence", business)]))
    code, _, err = clerk(capsys, workspace, "licences", "import", str(path), "--clerk", "demo")
    assert code == 1 and "系统管理员" in err
    code, _, err = clerk(capsys, workspace, "licences", "import", str(path))
    assert code == 1 and "--clerk" in err
    monkeypatch.setenv("CLERK_PASSWORD", "wrong-password")
    code, _, err = clerk(capsys, workspace, "licences", "import", str(path), "--clerk", "xinxi")
    assert code == 1
    assert held(workspace) == (0, 0)
    code, _, err = clerk(capsys, workspace, "licences", "list", "--holder", "110105194912310021")
    assert code == 1 and "持证人证件号码无效" in err
    code, _, err = clerk(capsys, workspace, "licences", "list", "--holder", "X" * 40)
    assert code == 1 and "过长" in err
