"""更正: what of a saved case a supervisor may correct, one table. The old value stays in the record (the
event carries it, and `case_correction` keeps it); what decides the case (the item, the materials, the
decision) is not corrected here but by the lifecycle's own steps."""

from __future__ import annotations

CORRECTABLE: dict[str, str] = {
    "applicant_name": "申请人名称",
    "applicant_phone": "申请人联系电话",
    "applicant_id_number": "申请人证件号码",
    "agent_name": "代理人姓名",
    "agent_phone": "代理人联系电话",
    "agent_id_number": "代理人证件号码",
}
