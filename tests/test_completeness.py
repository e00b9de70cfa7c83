from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.catalog import ApplicantKind, Form, Necessity
from app.completeness import (
    Outcome,
    ReceivedMaterial,
    Rule,
    Submission,
    Verdict,
    applicable_materials,
    check_completeness,
    materials_to_hand_over,
)
from tests.catalog_fixtures import OTHER_BODY, hall, synthetic_item

ITEM = synthetic_item()
HALL = hall()
PERSON = ApplicantKind.PERSON
ORG = ApplicantKind.ORGANIZATION


def got(
    code: str, form: Form = Form.ORIGINAL, copies: int = 1, defect: str | None = None
) -> ReceivedMaterial:
    return ReceivedMaterial(code, form, copies, 3, defect)


def complete_person() -> list[ReceivedMaterial]:
    return [
        got("M01"),
        got("M02", Form.ORIGINAL),
        got("M02", Form.COPY),
        got("M04", Form.COPY, copies=2),
        got("M05"),
        got("M06", Form.COPY),
        got("M07", Form.COPY),
    ]


def run(
    materials: list[ReceivedMaterial],
    *,
    kind: ApplicantKind = PERSON,
    agent: bool = False,
    commitments: frozenset[str] = frozenset(),
    item=ITEM,
    the_hall=HALL,
):  # type: ignore[no-untyped-def]
    return check_completeness(
        item=item, hall=the_hall, submission=Submission(kind, agent, tuple(materials), commitments)
    )


def codes(materials) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.code for m in materials]


def test_complete_application_is_accepted() -> None:
    result = run(complete_person())
    assert result.outcome is Outcome.ACCEPTED
    assert not result.missing and not result.defective and not result.tolerated
    assert {f.material.code for f in result.findings if f.material and f.rule is Rule.SUPPLIED} == {
        "M01",
        "M02",
        "M04",
        "M05",
        "M06",
        "M07",
    }


def test_only_tolerable_missing_is_accepted_with_tolerance() -> None:
    result = run([m for m in complete_person() if m.material_code != "M06"])
    assert result.outcome is Outcome.ACCEPTED_WITH_TOLERANCE
    assert codes(result.tolerated) == ["M06"]
    assert not result.missing


def test_tolerable_with_defect_is_tolerated() -> None:
    materials = [m for m in complete_person() if m.material_code != "M06"] + [
        got("M06", Form.COPY, defect="缺页")
    ]
    result = run(materials)
    assert result.outcome is Outcome.ACCEPTED_WITH_TOLERANCE
    assert codes(result.tolerated) == ["M06"]
    assert "缺页" in next(f.message for f in result.findings if f.rule is Rule.TOLERATED)


def test_supplement_lists_everything_at_once_and_nothing_unrelated() -> None:
    result = run([got("M01", defect="未签字"), got("M07", Form.COPY)])
    assert result.outcome is Outcome.SUPPLEMENT_REQUIRED
    # Every applicable gap, tolerable included; agent (M08, M09) and organisation (M03) materials never.
    assert codes(result.missing) == ["M02", "M04", "M05", "M06"]
    assert [(m.code, reason) for m, reason in result.defective] == [("M01", "「申请书」未签字")]
    assert not result.tolerated
    listed = {f.material.code for f in result.findings if f.material}
    assert not listed & {"M03", "M08", "M09"}


def test_missing_optional_does_not_block() -> None:
    result = run([m for m in complete_person() if m.material_code != "M07"])
    assert result.outcome is Outcome.ACCEPTED
    assert any(
        f.rule is Rule.OPTIONAL_ABSENT and f.material and f.material.code == "M07" for f in result.findings
    )


def test_defective_optional_is_a_note_only() -> None:
    materials = [m for m in complete_person() if m.material_code != "M07"] + [
        got("M07", Form.COPY, defect="模糊")
    ]
    assert run(materials).outcome is Outcome.ACCEPTED


def test_copy_instead_of_original_is_a_form_defect() -> None:
    materials = [m for m in complete_person() if m.material_code != "M01"] + [got("M01", Form.COPY)]
    result = run(materials)
    assert result.outcome is Outcome.SUPPLEMENT_REQUIRED
    finding = next(f for f in result.findings if f.material and f.material.code == "M01")
    assert finding.rule is Rule.FORM and finding.verdict is Verdict.DEFECTIVE
    assert "原件" in finding.message


def test_original_and_copy_both_required() -> None:
    materials = [m for m in complete_person() if m.material_code != "M02"] + [got("M02", Form.COPY)]
    result = run(materials)
    assert result.outcome is Outcome.SUPPLEMENT_REQUIRED
    assert [m.code for m, _ in result.defective] == ["M02"]


def test_original_alone_satisfies_a_copy_requirement_with_a_note() -> None:
    materials = [m for m in complete_person() if m.material_code != "M02"] + [got("M02", Form.ORIGINAL)]
    result = run(materials)
    assert result.outcome is Outcome.ACCEPTED
    assert any(f.rule is Rule.ORIGINAL_FOR_COPY for f in result.findings)


def test_too_few_copies() -> None:
    materials = [m for m in complete_person() if m.material_code != "M04"] + [got("M04", Form.COPY, copies=1)]
    result = run(materials)
    assert result.outcome is Outcome.SUPPLEMENT_REQUIRED
    ((material, reason),) = result.defective
    assert material.code == "M04" and "需 2 份，收到 1 份" in reason


def test_commitment_replaces_a_material_that_allows_it() -> None:
    materials = [m for m in complete_person() if m.material_code != "M05"]
    result = run(materials, commitments=frozenset({"M05"}))
    assert result.outcome is Outcome.ACCEPTED
    assert any(f.rule is Rule.COMMITMENT for f in result.findings)


def test_commitment_not_allowed_still_missing() -> None:
    materials = [m for m in complete_person() if m.material_code != "M01"]
    result = run(materials, commitments=frozenset({"M01"}))
    assert result.outcome is Outcome.SUPPLEMENT_REQUIRED
    assert codes(result.missing) == ["M01"]
    assert any(f.rule is Rule.COMMITMENT_NOT_ALLOWED for f in result.findings)


def test_agent_brings_the_agent_materials() -> None:
    result = run(complete_person(), agent=True)
    assert result.outcome is Outcome.SUPPLEMENT_REQUIRED
    assert codes(result.missing) == ["M08", "M09"]
    complete = complete_person() + [got("M08"), got("M09", Form.ORIGINAL), got("M09", Form.COPY)]
    assert run(complete, agent=True).outcome is Outcome.ACCEPTED


def test_organisation_gets_organisation_materials_and_electronic_licence() -> None:
    materials = [m for m in complete_person() if m.material_code != "M02"]
    result = run(materials, kind=ORG)
    assert codes(result.missing) == ["M03"]
    assert run(materials + [got("M03", Form.ELECTRONIC, copies=0)], kind=ORG).outcome is Outcome.ACCEPTED


def test_material_that_does_not_apply_is_noted_not_required() -> None:
    materials = [*complete_person(), got("M08")]
    result = run(materials)
    assert result.outcome is Outcome.ACCEPTED
    assert any(
        f.rule is Rule.NOT_APPLICABLE and f.material and f.material.code == "M08" for f in result.findings
    )


def test_out_of_competence_is_rejected_with_the_office() -> None:
    result = run(complete_person(), item=synthetic_item(body=OTHER_BODY))
    assert result.outcome is Outcome.REJECTED
    assert (
        result.referral_office
        and "示例市测试局" in result.referral_office
        and "一楼" in result.referral_office
    )
    assert [f.rule for f in result.findings] == [Rule.COMPETENCE]


def test_service_object_mismatch_is_a_warning() -> None:
    raw = dict(ITEM.raw)
    raw["service_object"] = ["legal_person"]
    from app.catalog import parse_item

    result = run(complete_person(), item=parse_item(raw, version="t"))
    assert result.outcome is Outcome.ACCEPTED
    assert result.findings[0].rule is Rule.SERVICE_OBJECT


received_entries = st.lists(
    st.builds(
        ReceivedMaterial,
        st.sampled_from([m.code for m in ITEM.materials]),
        st.sampled_from(list(Form)),
        st.integers(0, 3),
        st.integers(1, 20),
        st.one_of(st.none(), st.just("缺页")),
    ),
    max_size=14,
)


@settings(max_examples=300, deadline=None)
@given(
    received=received_entries,
    kind=st.sampled_from(list(ApplicantKind)),
    agent=st.booleans(),
    commitments=st.frozensets(st.sampled_from([m.code for m in ITEM.materials])),
)
def test_decision_follows_the_findings(received, kind, agent, commitments) -> None:  # type: ignore[no-untyped-def]
    result = run(received, kind=kind, agent=agent, commitments=commitments)
    again = run(received, kind=kind, agent=agent, commitments=commitments)
    assert result == again  # deterministic
    applicable = set(codes(applicable_materials(ITEM, applicant_kind=kind, has_agent=agent)))
    listed = set(codes(result.missing)) | {m.code for m, _ in result.defective} | set(codes(result.tolerated))
    assert listed <= applicable  # nothing unrelated is ever asked for
    blocking = [m for m in result.missing if m.necessity is Necessity.REQUIRED] + [
        m for m, _ in result.defective if m.necessity is Necessity.REQUIRED
    ]
    if blocking:
        assert result.outcome is Outcome.SUPPLEMENT_REQUIRED and not result.tolerated
    elif result.tolerated:
        assert result.outcome is Outcome.ACCEPTED_WITH_TOLERANCE
        assert all(m.necessity is Necessity.TOLERABLE for m in result.tolerated)
    else:
        assert result.outcome is Outcome.ACCEPTED
    # A required applicable material neither received nor validly committed is always missing.
    handed = {r.material_code for r in received}
    for material in applicable_materials(ITEM, applicant_kind=kind, has_agent=agent):
        committed = material.code in commitments and material.commitment_allowed
        if material.necessity is Necessity.REQUIRED and material.code not in handed and not committed:
            assert material in result.missing


# -- each fact once ---------------------------------------------------------------------------------
def messages(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(f.message for f in result.findings) + "\n" + (result.referral_office or "")


def test_a_defect_on_original_and_copy_is_said_once() -> None:
    # "原件和复印件": the window records both forms, each carrying the clerk's one defect note.
    received = [m for m in complete_person() if m.material_code != "M02"]
    received += [
        got("M02", Form.ORIGINAL, defect="复印件不清晰"),
        got("M02", Form.COPY, defect="复印件不清晰"),
    ]
    result = run(received)
    assert result.outcome is Outcome.SUPPLEMENT_REQUIRED
    assert messages(result).count("复印件不清晰") == 1
    assert [(m.code, reason) for m, reason in result.defective] == [("M02", "「申请人身份证明」复印件不清晰")]


def test_a_tolerable_gap_on_a_supplement_is_listed_once_as_part_of_the_supplement() -> None:
    received = [m for m in complete_person() if m.material_code not in ("M01", "M06")]
    result = run(received)
    assert result.outcome is Outcome.SUPPLEMENT_REQUIRED
    about = [f for f in result.findings if f.material and f.material.code == "M06"]
    assert [(f.verdict, f.message) for f in about] == [(Verdict.MISSING, "缺少「档案补充说明」")]
    assert "受理后限期补交" not in messages(result)  # 容缺 no longer applies: everything comes back at once
    assert codes(result.missing) == ["M01", "M06"] and not result.tolerated


def test_a_defective_tolerable_material_on_a_supplement_is_one_defect() -> None:
    received = [m for m in complete_person() if m.material_code not in ("M01", "M06")]
    result = run([*received, got("M06", Form.COPY, defect="缺页")])
    about = [f for f in result.findings if f.material and f.material.code == "M06"]
    assert [(f.verdict, f.message) for f in about] == [(Verdict.DEFECTIVE, "「档案补充说明」缺页")]
    assert messages(result).count("缺页") == 1


def test_a_tolerable_gap_alone_says_supply_later_once() -> None:
    result = run([m for m in complete_person() if m.material_code != "M06"])
    assert result.outcome is Outcome.ACCEPTED_WITH_TOLERANCE
    about = [f for f in result.findings if f.material and f.material.code == "M06"]
    assert [f.verdict for f in about] == [Verdict.TOLERATED]
    assert messages(result).count("档案补充说明") == 1


def test_the_referral_is_said_once() -> None:
    result = run(complete_person(), item=synthetic_item(body=OTHER_BODY))
    assert result.referral_office is not None
    (finding,) = result.findings
    assert finding.message.count(result.referral_office) == 1


@settings(max_examples=200, deadline=None)
@given(
    received=received_entries,
    kind=st.sampled_from(list(ApplicantKind)),
    agent=st.booleans(),
    commitments=st.frozensets(st.sampled_from([m.code for m in ITEM.materials])),
)
def test_every_material_gets_one_decisive_finding_at_most(received, kind, agent, commitments) -> None:  # type: ignore[no-untyped-def]
    result = run(received, kind=kind, agent=agent, commitments=commitments)
    decisive = [
        f.material.code
        for f in result.findings
        if f.material and f.verdict in (Verdict.MISSING, Verdict.DEFECTIVE, Verdict.TOLERATED)
    ]
    assert len(decisive) == len(set(decisive))
    for finding in result.findings:
        for part in finding.message.split("；"):
            assert finding.message.count(part) == 1, finding.message


def test_what_the_applicant_has_to_hand_over() -> None:
    applicable = applicable_materials(ITEM, applicant_kind=PERSON, has_agent=False)
    due = materials_to_hand_over(applicable)
    assert codes(due) == ["M01", "M02", "M04", "M05", "M06"]  # not the optional M07; tolerable M06 yes
    assert codes(materials_to_hand_over(applicable, commitments={"M05"})) == ["M01", "M02", "M04", "M06"]
    assert "M01" in codes(materials_to_hand_over(applicable, commitments={"M01"}))  # no commitment allowed
