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
- The other licences of the demo catalog (规划, 不动产, 住建, 市政, 营业执照, 公安, 民政, 老龄, 残联): the
  regulation or national 样式 named beside each template. A type whose regulation sets no number format
  gets `local_number` (示燃经字〔2026〕第N号); one whose number is another register's (居民身份证, 护照,
  营业执照's credit code) has none of its own here: the certificate id prints as 证照编号.
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


def local_number(word: str) -> NumberRule:
    """示卫公字〔2026〕第N号: the region's first character, the type's word, the year and the serial. Used
    where the regulation sets no national format (the issuing body's own 文号-like number)."""

    def rule(ctx: NumberContext) -> str:
        return f"{ctx.region_name[:1]}{word}〔{ctx.issued_on.year}〕第{ctx.serial}号"

    return rule


hygiene_number = local_number("卫公字")


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


def planning_number_of(word: str) -> NumberRule:
    """建字第 / 地字第 / 乡字第 + 行政区划代码 + 年份 + 五位顺序号 + 号 (the national 样式 of 城乡规划法's
    permits; 临建字 for a temporary one, by the same pattern)."""

    def rule(ctx: NumberContext) -> str:
        return f"{word}第{ctx.division}{ctx.issued_on.year}{ctx.serial:05d}号"

    return rule


planning_number = planning_number_of("建字")


def real_estate_number_of(word: str) -> NumberRule:
    """省简称（年份）市县名称不动产权第N号 / 不动产证明第N号 (七位顺序号): 《不动产登记暂行条例实施细则》
    and the national 样式 of 不动产权证书 and 不动产登记证明."""

    def rule(ctx: NumberContext) -> str:
        province = PROVINCE_ABBREVIATION.get(ctx.division[:2], "")
        return f"{province}（{ctx.issued_on.year}）{ctx.region_name}{word}第{ctx.serial:07d}号"

    return rule


def marriage_number(ctx: NumberContext) -> str:
    """结婚证字号: J + 登记机关的行政区划代码 (6) + - + 年份 + - + 六位顺序号 (民政部 婚姻登记工作规范)."""
    return f"J{ctx.division}-{ctx.issued_on.year}-{ctx.serial:06d}"


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


ISSUED = (_cert("发证机关", Value.ISSUER), _cert("发证日期", Value.ISSUED_ON))

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
    *ISSUED,
)

# 城乡规划法's permits close alike: the drawings attached, who issued it and when.
PLANNING_TAIL = (_entry("附图及附件名称", required=False), *ISSUED)
# 不动产登记: the register's closing lines (附记 only where the register notes something).
REGISTERED = (
    _entry("附记", required=False),
    _cert("登记机构", Value.ISSUER),
    _cert("登记日期", Value.ISSUED_ON),
)
# 户口登记 (常住人口登记卡): who entered it, the registering police station, the date.
HOUSEHOLD_SIGNED = (
    _entry("承办人"),
    _cert("户口登记机关", Value.ISSUER),
    _cert("登记日期", Value.ISSUED_ON),
)
SEXES = ("男", "女")
HOUSEHOLD_KINDS = ("家庭户", "集体户")
# 户口簿's first page (户主页).
HOUSEHOLD_HEAD = (
    _entry("户别", choices=HOUSEHOLD_KINDS),
    _entry("户主姓名"),
    _entry("户号"),
    _entry("住址"),
)
DISABILITY_KINDS = ("视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾")
DISABILITY_GRADES = ("一级", "二级", "三级", "四级")
GAS_CATEGORIES = ("管道燃气", "瓶装燃气", "燃气汽车加气站", "其他")


def _person(born: str = "出生日期") -> tuple[LicenceField, ...]:
    """A person's own lines after the name: 性别, 民族, the birth date (出生 on a 居民身份证)."""
    return (_entry("性别", choices=SEXES), _entry("民族"), _entry(born))


def _real_estate_proof(key: str, name: str, matter: str) -> LicenceTemplate:
    """不动产登记证明 (抵押权, 预告登记 …): the national 样式, the matter prefilled by the result."""
    return LicenceTemplate(
        key,
        name,
        (
            _cert("编号", Value.NUMBER),
            _entry("证明权利或事项", default=matter),
            _case("权利人（申请人）", Value.HOLDER),
            _entry("义务人"),
            _entry("坐落"),
            _entry("不动产单元号"),
            _entry("其他"),
            *REGISTERED,
        ),
        number=real_estate_number_of("不动产证明"),
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
            *ISSUED,
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
            *PLANNING_TAIL,
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
            *ISSUED,
        ),
        number=construction_number,
    ),
    # -- 自然资源和规划 --
    "land_use_planning_permit": LicenceTemplate(
        "land_use_planning_permit",
        "建设用地规划许可证",  # 城乡规划法第三十七、三十八条
        (
            _cert("编号", Value.NUMBER),
            _case("用地单位", Value.HOLDER),
            _entry("用地项目名称"),
            _entry("用地位置"),
            _entry("用地性质"),
            _entry("用地面积"),
            _entry("建设规模"),
            *PLANNING_TAIL,
        ),
        number=planning_number_of("地字"),
    ),
    "rural_planning_permit": LicenceTemplate(
        "rural_planning_permit",
        "乡村建设规划许可证",  # 城乡规划法第四十一条
        (
            _cert("编号", Value.NUMBER),
            _case("建设单位（个人）", Value.HOLDER),
            _entry("建设项目名称"),
            _entry("建设位置"),
            _entry("建设规模"),
            _entry("用地性质"),
            *PLANNING_TAIL,
        ),
        number=planning_number_of("乡字"),
    ),
    "temporary_planning_permit": LicenceTemplate(
        "temporary_planning_permit",
        "临时建设工程规划许可证",  # 城乡规划法第四十四条: 临时建设 removed when its period ends
        (
            _cert("编号", Value.NUMBER),
            _case("建设单位（个人）", Value.HOLDER),
            _entry("建设项目名称"),
            _entry("建设位置"),
            _entry("建设规模"),
            _cert("批准使用期限", Value.VALID_PERIOD),
            *PLANNING_TAIL,
        ),
        number=planning_number_of("临建字"),
    ),
    "real_estate_title": LicenceTemplate(
        "real_estate_title",
        "不动产权证书",  # 不动产登记暂行条例实施细则第二十条 and the national 样式
        (
            _cert("编号", Value.NUMBER),
            _case("权利人", Value.HOLDER),
            _entry("共有情况", default="单独所有"),
            _entry("坐落"),
            _entry("不动产单元号"),
            _entry("权利类型"),
            _entry("权利性质"),
            _entry("用途"),
            _entry("面积"),
            _entry("使用期限"),
            _entry("权利其他状况", required=False),
            *REGISTERED,
        ),
        number=real_estate_number_of("不动产权"),
    ),
    "mortgage_proof": _real_estate_proof("mortgage_proof", "不动产登记证明（抵押权）", "抵押权"),
    "advance_notice_proof": _real_estate_proof(
        "advance_notice_proof", "不动产登记证明（预告登记）", "预告登记"
    ),
    # -- 住房城乡建设 --
    "presale_permit": LicenceTemplate(
        "presale_permit",
        "商品房预售许可证",  # 城市商品房预售管理办法第七条; no national number format: 示房预售字〔年〕第N号
        (
            _cert("编号", Value.NUMBER),
            _case("开发企业", Value.HOLDER),
            _entry("项目名称"),
            _entry("房屋坐落"),
            _entry("预售楼栋"),
            _entry("预售面积"),
            _entry("房屋用途"),
            _entry("预售资金监管银行"),
            _entry("预售资金监管账号"),
            *ISSUED,
        ),
        number=local_number("房预售字"),
    ),
    "gas_business": LicenceTemplate(
        "gas_business",
        "燃气经营许可证",  # 燃气经营许可管理办法 and its 样式; no national number format: 示燃经字〔年〕第N号
        (
            _cert("许可证编号", Value.NUMBER),
            _case("企业名称", Value.HOLDER),
            _entry("法定代表人"),
            _entry("经营类别", choices=GAS_CATEGORIES),
            _entry("经营区域"),
            _entry("注册地址"),
            _cert("有效期", Value.VALID_PERIOD),
            *ISSUED,
        ),
        number=local_number("燃经字"),
    ),
    "construction_waste": LicenceTemplate(
        "construction_waste",
        "城市建筑垃圾处置核准证",  # 城市建筑垃圾管理规定第七条; local number 示建垃核字〔年〕第N号
        (
            _cert("编号", Value.NUMBER),
            _case("申请单位", Value.HOLDER),
            _entry("工程名称"),
            _entry("工程地址"),
            _entry("处置量"),
            _entry("运输单位"),
            _entry("运输车辆"),
            _entry("运输路线"),
            _entry("消纳场所"),
            _cert("处置期限", Value.VALID_PERIOD),
            *ISSUED,
        ),
        number=local_number("建垃核字"),
    ),
    "sewage_discharge": LicenceTemplate(
        "sewage_discharge",
        "城镇污水排入排水管网许可证",  # 城镇污水排入排水管网许可管理办法第十一、十七条; local number
        (
            _cert("许可证编号", Value.NUMBER),
            _case("排水户名称", Value.HOLDER),
            _entry("法定代表人"),
            _entry("排水户类型"),
            _entry("详细地址"),
            _entry("排水口数量"),
            _entry("排放去向"),
            _entry("排水量"),
            _entry("主要污染物项目及浓度"),
            _cert("有效期", Value.VALID_PERIOD),
            *ISSUED,
        ),
        number=local_number("排水字"),
    ),
    # -- 市场监管 --
    "business_licence": LicenceTemplate(
        "business_licence",
        "营业执照",  # 市场主体登记管理条例第二十二条 and the national 样式; the credit code is its number
        (
            _case("统一社会信用代码", Value.HOLDER_ID),
            _case("名称", Value.HOLDER),
            _entry("类型"),
            _entry("法定代表人", prefill=Value.PERSON_NAME),  # 经营者 of an individual business
            _entry("经营范围"),
            _entry("注册资本", required=False),  # none for an individual business
            _entry("成立日期"),
            _entry("营业期限", default="长期"),
            _entry("住所"),
            _cert("登记机关", Value.ISSUER),
            _cert("发照日期", Value.ISSUED_ON),
        ),
    ),
    # -- 公安 (no number of their own here: the ID number is the card's; the certificate id serves) --
    "identity_card": LicenceTemplate(
        "identity_card",
        "中华人民共和国居民身份证",  # 居民身份证法第三条
        (
            _case("姓名", Value.HOLDER),
            *_person(born="出生"),
            _entry("住址"),
            _case("公民身份号码", Value.HOLDER_ID),
            _cert("签发机关", Value.ISSUER),
            _cert("有效期限", Value.VALID_PERIOD),
        ),
    ),
    "passport": LicenceTemplate(
        "passport",
        "中华人民共和国普通护照",  # 护照法第七条; the passport number is the 出入境 system's: certificate id
        (
            _entry("类型", default="P"),
            _entry("国家码", default="CHN"),
            _case("姓名", Value.HOLDER),
            _entry("性别", choices=SEXES),
            _entry("国籍", default="中国"),
            _entry("出生日期"),
            _entry("出生地点"),
            _cert("签发日期", Value.ISSUED_ON),
            _entry("签发地点"),
            _cert("有效期至", Value.VALID_UNTIL),
            _cert("签发机关", Value.ISSUER),
        ),
    ),
    "driving_licence": LicenceTemplate(
        "driving_licence",
        "机动车驾驶证",  # GA 482 and 机动车驾驶证申领和使用规定; its 证号 is the holder's ID number
        (
            _case("证号", Value.HOLDER_ID),
            _case("姓名", Value.HOLDER),
            _entry("性别", choices=SEXES),
            _entry("国籍", default="中国"),
            _entry("住址"),
            _entry("出生日期"),
            _entry("初次领证日期"),
            _entry("准驾车型"),
            _cert("有效期限", Value.VALID_PERIOD),
            _entry("档案编号"),
            _cert("发证机关", Value.ISSUER),
        ),
    ),
    "household_register": LicenceTemplate(
        "household_register",
        "居民户口簿",  # 户口登记条例 and 常住人口登记卡 (公安部 样式): 户主页, then the mover's page
        (
            *HOUSEHOLD_HEAD,
            _case("姓名", Value.HOLDER),
            _entry("户主或与户主关系"),
            *_person(),
            _entry("出生地"),
            _case("公民身份号码", Value.HOLDER_ID),
            _entry("何时由何地迁来本址"),
            *HOUSEHOLD_SIGNED,
        ),
    ),
    "birth_register_page": LicenceTemplate(
        "birth_register_page",
        "居民户口簿（出生登记页）",  # 户口登记条例第七条: the newborn's page; the applicant is the 监护人
        (
            _entry("姓名"),
            _entry("户主或与户主关系"),
            *_person(),
            _entry("出生地"),
            _entry("籍贯"),
            _entry("公民身份号码"),
            _case("监护人", Value.HOLDER),
            *HOUSEHOLD_SIGNED,
        ),
    ),
    "residence_permit": LicenceTemplate(
        "residence_permit",
        "示例市居住证",  # 居住证暂行条例第七条: 姓名 … 居住地住址, 证件的签发机关和签发日期
        (
            _case("姓名", Value.HOLDER),
            *_person(),
            _case("公民身份号码", Value.HOLDER_ID),
            _entry("居住地住址"),
            _cert("签发机关", Value.ISSUER),
            _cert("签发日期", Value.ISSUED_ON),
            _cert("有效期限", Value.VALID_PERIOD),
        ),
    ),
    # -- 民政、老龄、残联 --
    "marriage_certificate": LicenceTemplate(
        "marriage_certificate",
        "结婚证",  # 婚姻登记条例 and 婚姻登记工作规范第五十九条 (结婚证字号)
        (
            _case("持证人", Value.HOLDER),
            _cert("登记日期", Value.ISSUED_ON),
            _cert("结婚证字号", Value.NUMBER),
            _entry("备注", required=False),
            _entry("持证人性别", choices=SEXES),
            _entry("持证人国籍", default="中国"),
            _entry("持证人出生日期"),
            _case("持证人身份证件号", Value.HOLDER_ID),
            _entry("配偶姓名"),
            _entry("配偶性别", choices=SEXES),
            _entry("配偶国籍", default="中国"),
            _entry("配偶出生日期"),
            _entry("配偶身份证件号"),
            _cert("登记机关", Value.ISSUER),
        ),
        number=marriage_number,
    ),
    "senior_card": LicenceTemplate(
        "senior_card",
        "示例市老年人优待证",  # 老年人权益保障法第五十八条 and the city's 样式; the certificate id serves
        (
            _case("姓名", Value.HOLDER),
            _entry("性别", choices=SEXES),
            _entry("出生日期"),
            _case("公民身份号码", Value.HOLDER_ID),
            _entry("住址"),
            *ISSUED,
        ),
    ),
    "disability_card": LicenceTemplate(
        "disability_card",
        "中华人民共和国残疾人证",  # 第三代残疾人证 (中国残联); its number is ID + 类别 + 等级: id serves
        (
            _case("姓名", Value.HOLDER),
            *_person(),
            _entry("住址"),
            _case("公民身份号码", Value.HOLDER_ID),
            _entry("残疾类别", choices=DISABILITY_KINDS),
            _entry("残疾等级", choices=DISABILITY_GRADES),
            *ISSUED,
            _cert("有效期至", Value.VALID_UNTIL),
        ),
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
