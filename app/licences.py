"""Licence templates (证照模板): the statutory fields each licence type prints, in print order, and where each
value comes from: the case (the applicant), the certificate (its number, issuer, dates) or an entry the
approver makes at approval. One table, `TEMPLATES`, keyed by the catalog's `result.licence_type`; a licence
without a type prints with `GENERAL`.

The licence's own number (JY…, 示卫公字〔2026〕第N号 …) is made here by its type's rule from a serial the
certificate service allocates per issuer, type and year; the GB/T 36904 identifier stays the certificate's
id and its QR's.

Sources of the fields, by type:
- 食品经营许可证: 《食品经营许可和备案管理办法》（2023）第二十七、二十八条 and the national 样式.
- 公共场所卫生许可证: 《公共场所卫生管理条例实施细则》第二十二、二十三条.
- 药品经营许可证: 《药品经营和使用质量监督管理办法》（2023）第二十二、二十三条.
- 建设工程规划许可证: 《城乡规划法》第四十条 and the national 样式 (建字第…号).
- 建筑工程施工许可证: 《建筑工程施工许可管理办法》第六条 and the national 样式.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.catalog import ApplicantKind, ItemResult, ServiceItem, Validity

MAX_FIELDS = 40  # entries a certificate carries at most (the wire's bound, app.sync.events)
MAX_LABEL_CHARS = 20
MAX_VALUE_CHARS = 200
_BAD_CHARACTER = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


class LicenceError(ValueError):
    """The approver's entries do not fit the licence's template; the message names every field."""


class Source(StrEnum):
    CASE = "case"  # what the case holds about the applicant
    CERTIFICATE = "certificate"  # what issuing the certificate makes: number, issuer, dates
    ENTRY = "entry"  # entered by the approver at approval


class Value(StrEnum):
    """A value the case or the certificate supplies."""

    HOLDER = "holder"  # the applicant's name
    HOLDER_ID = "holder_id"  # the credit code (whole) or a person's ID number (masked)
    PERSON_NAME = "person_name"  # a natural person's own name (prefills 负责人 / 法定代表人 for them)
    NUMBER = "number"  # the licence's own number
    ISSUER = "issuer"  # the implementing body that issues it
    ISSUED_ON = "issued_on"
    VALID_UNTIL = "valid_until"  # a date, or 长期 when the catalog says the law sets no limit
    VALID_PERIOD = "valid_period"  # 自…至…
    CONTENT = "content"  # 许可内容 (the general template)


@dataclass(frozen=True)
class LicenceField:
    label: str
    source: Source
    value: Value | None = None  # what a CASE or CERTIFICATE field shows; what prefills an ENTRY
    default: str = ""  # what an ENTRY starts with when the case knows nothing (e.g. 12315)
    choices: tuple[str, ...] = ()  # the only values an ENTRY may take
    required: bool = True  # an ENTRY that must be made before the licence is issued


NumberRule = Callable[["NumberContext"], str]


@dataclass(frozen=True)
class NumberContext:
    """What a licence number is made of: the issuer's division, the year, the serial of this issuer, type
    and year, and the entries (a food business number starts with the 主体业态's code)."""

    division: str  # 6 digits (GB/T 2260) of the issuing body's region
    region_name: str  # 示例市
    issued_on: date
    serial: int
    entries: Mapping[str, str]


@dataclass(frozen=True)
class LicenceTemplate:
    key: str
    name: str  # 食品经营许可证
    fields: tuple[LicenceField, ...]  # in print order
    counterparts: tuple[str, ...] = ()  # ("正本", "副本"): one page each, each marked
    number: NumberRule | None = None  # the licence's own number; None: the certificate id serves

    def entry_fields(self) -> tuple[LicenceField, ...]:
        return tuple(f for f in self.fields if f.source is Source.ENTRY)

    def field(self, label: str) -> LicenceField | None:
        return next((f for f in self.fields if f.label == label), None)


# -- licence numbers ----------------------------------------------------------------------------------
FOOD_BUSINESS_FORMS = {"食品销售经营者": "1", "餐饮服务经营者": "2", "集中用餐单位食堂": "3"}  # 主体业态代码
_MOD_11_10 = 10


def iso7064_mod_11_10(digits: str) -> str:
    """The check digit of ISO 7064 MOD 11,10 (the 办法 names no algorithm: this one, documented)."""
    product = _MOD_11_10
    for digit in digits:
        total = (int(digit) + product) % _MOD_11_10 or _MOD_11_10
        product = (total * 2) % 11
    return str((11 - product) % _MOD_11_10)


def food_business_number(ctx: NumberContext) -> str:
    """JY + 主体业态代码 (1) + 省 市 县 (2+2+2) + 顺序码 (6) + 校验码 (1): 第二十八条."""
    body = FOOD_BUSINESS_FORMS[ctx.entries["主体业态"]] + ctx.division + f"{ctx.serial:06d}"
    return "JY" + body + iso7064_mod_11_10(body)


def hygiene_number(ctx: NumberContext) -> str:
    return f"{ctx.region_name[:1]}卫公字〔{ctx.issued_on.year}〕第{ctx.serial}号"


# GB/T 2260 province codes → the abbreviation a 药品经营许可证 number starts with.
PROVINCE_ABBREVIATION = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵",
    "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}  # fmt: skip
DRUG_RETAIL_FORMS = {"单体药品零售企业": "D", "药品零售连锁门店": "C", "药品零售连锁总部": "B"}


def drug_retail_number(ctx: NumberContext) -> str:
    """省份简称 + 分类代码 (经营类别, A 法人企业) + 四位地区代码 + 五位顺序号: 第二十三条."""
    category = DRUG_RETAIL_FORMS[ctx.entries["经营方式"]] + "A"
    return f"{PROVINCE_ABBREVIATION.get(ctx.division[:2], '')}{category}{ctx.division[:4]}{ctx.serial:05d}"


def planning_number(ctx: NumberContext) -> str:
    return f"建字第{ctx.division}{ctx.issued_on.year}{ctx.serial:05d}号"


def construction_number(ctx: NumberContext) -> str:
    """18 digits: 行政区划代码 (6) + 发证日期 (8) + 顺序号 (4)."""
    return f"{ctx.division}{ctx.issued_on:%Y%m%d}{ctx.serial % 10000:04d}"


# -- the table -------------------------------------------------------------------------------------------
def _case(label: str, value: Value) -> LicenceField:
    return LicenceField(label, Source.CASE, value)


def _cert(label: str, value: Value) -> LicenceField:
    return LicenceField(label, Source.CERTIFICATE, value)


def _entry(
    label: str,
    *,
    prefill: Value | None = None,
    default: str = "",
    choices: tuple[str, ...] = (),
    required: bool = True,
) -> LicenceField:
    return LicenceField(label, Source.ENTRY, prefill, default, choices, required)


SUPERVISION = (
    _entry("日常监督管理机构", prefill=Value.ISSUER),
    _entry("日常监督管理人员"),
    _entry("投诉举报电话", default="12315"),
)

# The closing fields of a licence under daily supervision (食品、药品经营许可证): who supervises, who signed,
# until when, by whom and when it was issued.
SUPERVISED_AND_SIGNED = (
    *SUPERVISION,
    _entry("签发人"),
    _cert("有效期至", Value.VALID_UNTIL),
    _cert("发证机关", Value.ISSUER),
    _cert("发证日期", Value.ISSUED_ON),
)

TEMPLATES: dict[str, LicenceTemplate] = {
    "food_business": LicenceTemplate(
        "food_business",
        "食品经营许可证",
        (
            _case("经营者名称", Value.HOLDER),
            _case("社会信用代码（身份证号码）", Value.HOLDER_ID),
            _entry("法定代表人（负责人）", prefill=Value.PERSON_NAME),
            _entry("住所"),
            _entry("经营场所"),
            _entry("主体业态", choices=tuple(FOOD_BUSINESS_FORMS)),
            _entry("经营项目"),
            _cert("许可证编号", Value.NUMBER),
            *SUPERVISED_AND_SIGNED,
        ),
        counterparts=("正本", "副本"),
        number=food_business_number,
    ),
    "public_place_hygiene": LicenceTemplate(
        "public_place_hygiene",
        "公共场所卫生许可证",
        (
            _case("单位名称", Value.HOLDER),
            _entry("法定代表人（负责人）", prefill=Value.PERSON_NAME),
            _entry("地址"),
            _entry("许可项目"),
            _cert("许可证号", Value.NUMBER),
            _cert("有效期限", Value.VALID_PERIOD),
            _cert("发证机关", Value.ISSUER),
            _cert("发证日期", Value.ISSUED_ON),
        ),
        number=hygiene_number,
    ),
    "drug_retail": LicenceTemplate(
        "drug_retail",
        "药品经营许可证",
        (
            _case("企业名称", Value.HOLDER),
            _case("统一社会信用代码", Value.HOLDER_ID),
            _entry("法定代表人"),
            _entry("主要负责人"),
            _entry("质量负责人"),
            _entry("注册地址"),
            _entry("经营地址"),
            _entry("经营方式", choices=tuple(DRUG_RETAIL_FORMS)),
            _entry("经营范围"),
            _cert("许可证编号", Value.NUMBER),
            *SUPERVISED_AND_SIGNED,
        ),
        counterparts=("正本", "副本"),
        number=drug_retail_number,
    ),
    "planning_permit": LicenceTemplate(
        "planning_permit",
        "建设工程规划许可证",
        (
            _cert("编号", Value.NUMBER),
            _case("建设单位（个人）", Value.HOLDER),
            _entry("建设项目名称"),
            _entry("建设位置"),
            _entry("建设规模"),
            _entry("附图及附件名称", required=False),
            _cert("发证机关", Value.ISSUER),
            _cert("发证日期", Value.ISSUED_ON),
        ),
        number=planning_number,
    ),
    "construction_permit": LicenceTemplate(
        "construction_permit",
        "建筑工程施工许可证",
        (
            _cert("编号", Value.NUMBER),
            _case("建设单位", Value.HOLDER),
            _entry("工程名称"),
            _entry("建设地址"),
            _entry("建设规模"),
            _entry("合同价格"),
            _entry("勘察单位"),
            _entry("设计单位"),
            _entry("施工单位"),
            _entry("监理单位"),
            _entry("勘察单位项目负责人"),
            _entry("设计单位项目负责人"),
            _entry("施工单位项目负责人"),
            _entry("总监理工程师"),
            _entry("合同工期"),
            _entry("备注", required=False),
            _cert("发证机关", Value.ISSUER),
            _cert("发证日期", Value.ISSUED_ON),
        ),
        number=construction_number,
    ),
}
GENERAL = LicenceTemplate(
    "general",
    "证照",
    (
        _case("持证人", Value.HOLDER),
        _case("证件", Value.HOLDER_ID),
        _cert("许可内容", Value.CONTENT),
        _cert("发证机关", Value.ISSUER),
        _cert("发证日期", Value.ISSUED_ON),
        _cert("有效期至", Value.VALID_UNTIL),
    ),
)
# A result that is no licence (批文, 其他): its decision printed without a validity line.
RESULT_ONLY = LicenceTemplate(
    "result",
    "审批结果",
    (
        _case("申请人", Value.HOLDER),
        _case("证件", Value.HOLDER_ID),
        _cert("审批内容", Value.CONTENT),
        _cert("作出机关", Value.ISSUER),
        _cert("作出日期", Value.ISSUED_ON),
    ),
)
KNOWN = {**TEMPLATES, GENERAL.key: GENERAL, RESULT_ONLY.key: RESULT_ONLY}


def template_of(key: str | None) -> LicenceTemplate:
    """The template a certificate row names; the general one for a row stored before templates (NULL) or a
    key this version does not know (a newer window's)."""
    return KNOWN.get(key or "", GENERAL)


def template_for(result: ItemResult | None) -> LicenceTemplate:
    """The template an item's result is printed with: its licence type's, the general one for a licence
    without a type, RESULT_ONLY for a result that is no licence."""
    if result is None or not result.is_licence:
        return RESULT_ONLY
    return TEMPLATES.get(result.licence_type or "", GENERAL)


def number_label(template: LicenceTemplate) -> str | None:
    """The label of the licence's own number, if its template has one."""
    return next((f.label for f in template.fields if f.value is Value.NUMBER), None)


# -- validity --------------------------------------------------------------------------------------------
def validity_of(item: ServiceItem) -> Validity | None:
    """The validity an item's licence has by its catalog entry; None for an item that issues no licence."""
    return item.result.validity if item.result is not None and item.result.is_licence else None


def licence_fields_json(entries: tuple[tuple[str, str], ...]) -> str:
    """A certificate's licence fields as its row stores them: a JSON object in print order."""
    return json.dumps(dict(entries), ensure_ascii=False)


def licence_fields_of(text: str | None) -> tuple[tuple[str, str], ...]:
    """The licence fields a row stores (none for a row stored before, or text that is not such an object)."""
    if not text:
        return ()
    try:
        data = json.loads(text)
    except ValueError:
        return ()
    if not isinstance(data, dict):
        return ()
    return tuple((str(k), str(v)) for k, v in data.items() if isinstance(v, str))


# -- the approver's entries ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseFacts:
    """What the case knows that a template prints or prefills."""

    holder: str
    applicant_kind: str
    issuer: str


def prefilled(template: LicenceTemplate, facts: CaseFacts) -> dict[str, str]:
    """The entries as the approver first sees them: what the case knows, or the template's default."""
    known = {
        Value.PERSON_NAME: facts.holder if facts.applicant_kind == ApplicantKind.PERSON else "",
        Value.ISSUER: facts.issuer,
        Value.HOLDER: facts.holder,
    }
    values: dict[str, str] = {}
    for f in template.entry_fields():
        initial = (known.get(f.value, "") if f.value is not None else "") or f.default
        if initial:
            values[f.label] = initial
    return values


def checked_entries(template: LicenceTemplate, given: Mapping[str, str], facts: CaseFacts) -> dict[str, str]:
    """The entries to store: the prefilled values overridden by what the approver gave, trimmed, in print
    order. LicenceError naming every field that is unknown, not the approver's to enter, missing, too long,
    or not one of its choices."""
    problems: list[str] = []
    entered = {f.label for f in template.entry_fields()}
    for label in given:
        field = template.field(label)
        if field is None:
            allowed = "、".join(f.label for f in template.entry_fields()) or "无"
            problems.append(f"{template.name}没有“{label}”一项（可填写：{allowed}）")
        elif field.source is not Source.ENTRY:
            problems.append(
                f"“{label}”由{'办件' if field.source is Source.CASE else '发证时'}自动填写，不能录入"
            )
    values = {**prefilled(template, facts), **{k: v.strip() for k, v in given.items() if k in entered}}
    missing: list[str] = []
    stored: dict[str, str] = {}
    for f in template.entry_fields():
        value = values.get(f.label, "")
        if not value:
            if f.required:
                missing.append(f.label)
            continue
        if len(value) > MAX_VALUE_CHARS:
            problems.append(f"“{f.label}”过长：共 {len(value)} 字，最多 {MAX_VALUE_CHARS} 字")
        elif _BAD_CHARACTER.search(value):
            problems.append(f"“{f.label}”含有控制字符或无法保存的字符")
        elif f.choices and value not in f.choices:
            problems.append(f"“{f.label}”应为以下之一：{'、'.join(f.choices)}；实为“{value}”")
        stored[f.label] = value
    if missing:
        problems.insert(0, f"{template.name}须填写：{'、'.join(missing)}")
    if problems:
        raise LicenceError("；".join(problems))
    return stored


def parse_field_option(text: str) -> tuple[str, str]:
    """`NAME=VALUE` of `clerk case approve --field`; LicenceError when there is no `=` or no name."""
    label, sep, value = text.partition("=")
    if not sep or not label.strip():
        raise LicenceError(f"--field 应写作 名称=内容（如 --field 经营场所=示例市锦华区…），实为“{text}”")
    return label.strip(), value


def valid_until_of(item: ServiceItem, given: date | None, today: date) -> date | None:
    """The last day of validity by the item's catalog entry: computed from the years the law gives, None
    for 长期, the approver's date where the entry says it depends on the case. A date given where the law
    fixes the validity is refused (no override: the catalog is corrected instead)."""
    result = item.result
    licence = result is not None and result.is_licence
    validity = validity_of(item)
    if not licence:
        if given is not None:
            kind = result.type if result is not None else "审批结果"
            raise LicenceError(f"本事项的审批结果为{kind}，不是证照，没有有效期：请不要填写有效期至")
        return None
    if validity is None or validity.entered:
        if given is None:
            rule = (
                validity.rule
                if validity is not None and validity.rule
                else "事项目录未写明有效期，须按法律规定填写"
            )
            raise LicenceError(f"本证照的有效期须在审批时确定（{rule}）：请填写有效期至")
        if given <= today:
            raise LicenceError(f"有效期至 {given} 不能早于或等于发证日期 {today}")
        return given
    if given is not None:
        raise LicenceError(
            f"本证照的有效期由法律规定为{validity.label}（事项目录），不能另行填写有效期至；如目录有误，请更新事项目录"
        )
    return validity.until(today)


@dataclass(frozen=True)
class EntryInput:
    """One entry the approver makes, as the approval form shows it."""

    label: str
    initial: str  # prefilled from the case, or the template's default
    choices: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class ApprovalForm:
    """What approving a case asks of the approver: the licence's entries and, for an item whose validity
    depends on the case, the last day of validity (`date_rule` says how it is found)."""

    licence_name: str
    entries: tuple[EntryInput, ...]
    needs_date: bool
    date_rule: str
    validity_label: str  # 5年 / 长期 / 审批时确定（…） / "" for a result that is no licence


def approval_form(item: ServiceItem, facts: CaseFacts) -> ApprovalForm:
    """What approving a case of `item` asks of the approver."""
    template = template_for(item.result)
    initial = prefilled(template, facts)
    validity = validity_of(item)
    licence = item.result is not None and item.result.is_licence
    return ApprovalForm(
        licence_name=item.result.name if item.result is not None else template.name,
        entries=tuple(
            EntryInput(f.label, initial.get(f.label, ""), f.choices, f.required)
            for f in template.entry_fields()
        ),
        needs_date=licence and (validity is None or validity.entered),
        date_rule=validity.rule if validity is not None else "事项目录未写明有效期，须按法律规定填写",
        validity_label=(validity.label if validity is not None else "审批时确定") if licence else "",
    )
