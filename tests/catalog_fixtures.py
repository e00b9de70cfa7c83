"""A small synthetic item whose checklist exercises every rule of the completeness check."""

from __future__ import annotations

from typing import Any

from app.catalog import Hall, ServiceItem, parse_item

BODY = "11510100MB0000001X"
OTHER_BODY = "11510100MB0000002X"


def material(code: str, name: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": code,
        "name": name,
        "forms": ["original"],
        "electronic_accepted": False,
        "copies": 1,
        "necessity": "required",
        "commitment_allowed": False,
        "condition": None,
        "source": "applicant",
        "standard": f"{name}内容完整",
        "basis": "《测试条例》第一条",
        "notes": None,
    }
    data.update(overrides)
    return data


def synthetic_item(*, body: str = BODY) -> ServiceItem:
    raw = {
        "code": "TEST-0001",
        "base_code": "TEST",
        "name": "测试许可证核发",
        "type": "行政许可",
        "department": "测试局",
        "implementing_body": {"name": "示例市测试局", "code": body},
        "basis": "《测试条例》",
        "service_object": ["natural_person", "legal_person"],
        "conditions": "",
        "legal_limit": {"days": 20, "unit": "working"},
        "promised_limit": {"days": 10, "unit": "working"},
        "kind": "promised",
        "fee": {"charged": False},
        "location": "示例市测试局一楼",
        "contact": "028-00000000",
        "tolerance_days": 5,
        "tolerance_basis": "《示例市容缺受理办法》第六条",
        "commitment_basis": "《示例市告知承诺办法》第五条",
        "result": {"type": "证照", "name": "测试许可证", "validity": {"years": 3}},
        "materials": [
            material("M01", "申请书"),
            material("M02", "申请人身份证明", forms=["original", "copy"], condition="person"),
            material("M03", "营业执照", forms=["copy"], electronic_accepted=True, condition="organization"),
            material("M04", "场地使用证明", forms=["copy"], copies=2),
            material("M05", "无犯罪记录证明", commitment_allowed=True),
            material("M06", "档案补充说明", forms=["copy"], necessity="tolerable"),
            material("M07", "其他参考资料", forms=["copy"], necessity="optional"),
            material("M08", "授权委托书", condition="agent"),
            material("M09", "受托人身份证明", forms=["original", "copy"], condition="agent"),
        ],
    }
    return parse_item(raw, version="test.1")


def hall(*bodies: str) -> Hall:
    return Hall(
        code="H1", name="示例市政务服务中心", address="", phone="", bodies=frozenset(bodies or {BODY})
    )
