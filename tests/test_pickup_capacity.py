"""Who collected a certificate (app.pickup): 本人, 法定代表人, or 受托人 with the authorisation recorded;
anyone else refused saying what is missing. Recorded on the certificate row, in the event and in `case show`,
and printed on the 领证回执 (A4 and 80 mm)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.certificates import CertificateError
from app.cli import main
from app.documents.content import DocumentKind
from app.documents.layout import Layout
from app.intake import parse_request
from app.workspace import Workspace
from db.models import CaseEvent
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import AGENT, COMPANY, PERSON, request_json
from tests.test_licences import HYGIENE, HYGIENE_FIELDS

pytestmark = pytest.mark.usefixtures("clerk_env")  # `clerk` acts as the demo clerk

STRANGER = ("王小明", "510105198506123010")


def approved(workspace: Workspace, *, applicant: dict, agent: dict | None = None) -> str:  # type: ignore[type-arg]
    item = workspace.catalog.item(HYGIENE)
    assert item is not None
    data = request_json(item, applicant=applicant, agent=agent)
    number = workspace.acceptance.accept(parse_request(data), counter=workspace.counter("demo"))
    workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=HYGIENE_FIELDS)
    return number


def squash(text: str) -> str:
    return "".join(text.split())


def test_the_holder_in_person(workspace: Workspace) -> None:
    number = approved(workspace, applicant=PERSON)
    counter = workspace.counter("demo")
    with pytest.raises(CertificateError, match=r"不是申请人本人.*受托人.*授权委托书"):
        workspace.certificates.hand_over(
            number,
            clerk=counter,
            recipient_name=STRANGER[0],
            recipient_id_number=STRANGER[1],
            capacity="self",
        )
    with pytest.raises(CertificateError, match="请写明领取人身份"):  # no capacity, not recognisable
        workspace.certificates.hand_over(
            number, clerk=counter, recipient_name=STRANGER[0], recipient_id_number=STRANGER[1]
        )
    with pytest.raises(CertificateError, match="没有法定代表人"):
        workspace.certificates.hand_over(
            number,
            clerk=counter,
            recipient_name=PERSON["name"],
            recipient_id_number=PERSON["id_number"],
            capacity="legal-rep",
        )
    workspace.certificates.hand_over(
        number, clerk=counter, recipient_name=PERSON["name"], recipient_id_number=PERSON["id_number"]
    )
    case = workspace.cases.find(number)
    assert case is not None and case.certificate is not None
    assert case.certificate.recipient_capacity == "self" and case.certificate.recipient_authorization is None


def test_an_organisation_collects_by_its_legal_representative_or_an_agent(workspace: Workspace) -> None:
    counter = workspace.counter("demo")
    first = approved(workspace, applicant=COMPANY)
    with pytest.raises(CertificateError, match="申请人为单位，没有“本人”"):
        workspace.certificates.hand_over(
            first, clerk=counter, recipient_name=STRANGER[0], recipient_id_number=STRANGER[1], capacity="self"
        )
    with pytest.raises(CertificateError, match="须登记授权委托书"):
        workspace.certificates.hand_over(
            first,
            clerk=counter,
            recipient_name=STRANGER[0],
            recipient_id_number=STRANGER[1],
            capacity="agent",
        )
    with pytest.raises(CertificateError, match="须为自然人"):
        workspace.certificates.hand_over(
            first,
            clerk=counter,
            recipient_name="某公司",
            recipient_id_number="91310110666007217T",
            recipient_id_type="uscc",
            capacity="legal-rep",
        )
    workspace.certificates.hand_over(
        first,
        clerk=counter,
        recipient_name=STRANGER[0],
        recipient_id_number=STRANGER[1],
        capacity="legal-rep",
    )
    case = workspace.cases.find(first)
    assert case is not None and case.certificate is not None
    assert (case.certificate.recipient_capacity, case.certificate.recipient_name) == (
        "legal-rep",
        STRANGER[0],
    )

    second = approved(workspace, applicant=COMPANY)
    workspace.certificates.hand_over(
        second,
        clerk=counter,
        recipient_name="Maria Garcia",
        recipient_id_number="E12345678",
        recipient_id_type="passport",  # 证件类型 as at intake
        capacity="agent",
        authorization="授权委托书（2026年11月18日，编号 SQ-0007）",
    )
    with workspace.store.read() as session:
        payload = (
            session.query(CaseEvent)
            .filter(CaseEvent.kind == "certificate.handed_over", CaseEvent.case_number == second)
            .one()
            .payload
        )
    assert payload["capacity"] == "agent" and payload["recipient_id_type"] == "passport"
    assert payload["authorization"] == "授权委托书（2026年11月18日，编号 SQ-0007）"


def test_the_recorded_agent_collects_on_the_case_authorisation(workspace: Workspace) -> None:
    number = approved(workspace, applicant=COMPANY, agent=AGENT)
    workspace.certificates.hand_over(
        number,
        clerk=workspace.counter("demo"),
        recipient_name=AGENT["name"],
        recipient_id_number=AGENT["id_number"],
    )
    case = workspace.cases.find(number)
    assert case is not None and case.certificate is not None
    assert case.certificate.recipient_capacity == "agent"
    assert case.certificate.recipient_authorization == "本办件申请时登记的代理人"


@needs_poppler
@pytest.mark.parametrize("layout", [Layout.A4, Layout.RECEIPT80])
def test_the_pickup_receipt_says_who_collected(workspace: Workspace, tmp_path: Path, layout: Layout) -> None:
    number = approved(workspace, applicant=COMPANY)
    workspace.certificates.hand_over(
        number,
        clerk=workspace.counter("demo"),
        recipient_name=STRANGER[0],
        recipient_id_number=STRANGER[1],
        capacity="agent",
        authorization="授权委托书（2026年11月18日）",
    )
    document = workspace.documents.prepare(
        DocumentKind.PICKUP_RECEIPT, number, counter=workspace.counter("demo"), layout=layout
    )
    text = squash(read_back(document.pdf, tmp_path).text)
    assert "领取人身份受托人" in text and "授权委托书（2026年11月18日）" in text
    assert "居民身份证510105********3010" in text and STRANGER[1] not in text


def test_cli_hand_over_with_capacity(
    workspace: Workspace, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = approved(workspace, applicant=COMPANY)
    workspace.close()
    base = ["--home", str(home), "--json", "case", "handover", number, "--recipient", STRANGER[0]]
    assert main([*base, "--recipient-id", STRANGER[1]]) == 1
    assert "请写明领取人身份" in capsys.readouterr().err
    assert main([*base, "--recipient-id", STRANGER[1], "--capacity", "agent"]) == 1
    assert "授权委托书" in capsys.readouterr().err
    assert (
        main(
            [
                *base,
                "--recipient-id",
                STRANGER[1],
                "--capacity",
                "agent",
                "--authorization",
                "授权委托书 SQ-1",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--home", str(home), "--json", "case", "show", number]) == 0
    shown = json.loads(capsys.readouterr().out)["certificate"]
    assert shown["recipient_capacity"] == "agent" and shown["recipient_authorization"] == "授权委托书 SQ-1"
    assert shown["recipient_id_type"] == "resident_id" and shown["recipient_id_number"] == STRANGER[1]
