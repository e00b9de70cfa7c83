#!/usr/bin/env python3
"""Generate the Window Clerk demo catalog (事项目录) for the fictional region 示例市.

Usage:  .venv/bin/python tools/make_demo_catalog.py [--check]

The data is kept here as Python literals. The script builds the catalog, validates
it thoroughly (schema, enums, unique codes, unified social credit code check
characters, the coverage counts the demo relies on) and only then writes
resources/catalog/demo_catalog.json atomically (temp file in the same directory,
then os.replace). With --check it validates and prints a summary without writing.

Conventions used for materials:
  forms     all listed forms must be presented; ["original", "copy"] = 原件和复印件
            (原件核验后退还, 复印件留存); ["electronic"] = electronic only.
  copies    number of paper sheets/sets kept by the window; 0 for electronic-only
            materials and for originals that are only inspected and returned.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "catalog" / "demo_catalog.json"

FORMAT = "window-clerk-catalog/1"
VERSION = "2026.11-demo.3"
PUBLISHED = "2026-11-15"
REGION = {"code": "510100", "name": "示例市"}
DIVISION12 = "510100000000"

# --------------------------------------------------------------------------
# Unified social credit code (GB 32100-2015) and organisation code (GB 11714)
# --------------------------------------------------------------------------
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    if len(first17) != 17 or any(c not in USCC_ALPHABET for c in first17):
        raise ValueError(f"bad USCC body: {first17!r}")
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    check = 31 - total % 31
    if check == 31:
        check = 0
    return USCC_ALPHABET[check]


def uscc_valid(code: object) -> bool:
    return (
        isinstance(code, str)
        and len(code) == 18
        and all(c in USCC_ALPHABET for c in code)
        and uscc_check_char(code[:17]) == code[17]
    )


def org_code(base8: str) -> str:
    """Organisation code (组织机构代码, GB 11714): 8 chars + check char."""
    assert len(base8) == 8 and all(c in USCC_ALPHABET for c in base8), base8
    total = 0
    for c, w in zip(base8, ORG_WEIGHTS):
        total += (int(c) if c.isdigit() else ord(c) - 55) * w
    c9 = 11 - total % 11
    check = "X" if c9 == 10 else "0" if c9 == 11 else str(c9)
    return base8 + check


def make_uscc(category: str, division: str, base8: str) -> str:
    first17 = category + division + org_code(base8)
    return first17 + uscc_check_char(first17)


# self-test on the known-valid examples
assert uscc_valid("11100000000013338W")
assert uscc_valid("91350100M000100Y43")
assert not uscc_valid("11100000000013338X")
assert org_code("00001333") == "000013338"
assert org_code("M000100Y") == "M000100Y4"

# --------------------------------------------------------------------------
# Halls and implementing bodies
# --------------------------------------------------------------------------
HALL1 = "示例市政务服务中心（示例市锦华区锦城大道366号）"
HALL2 = "示例市高新区政务服务中心（示例市高新区天华路188号）"
NOT_HALL1 = "；示例市政务服务中心不受理本事项"

# key: (category, org-code base, name, default location, consult phone)
BODY_DEFS = {
    "ZRGH": (
        "11",
        "MB1C5E42",
        "示例市自然资源和规划局",
        HALL1 + "三楼C区 自然资源和规划窗口（C01-C08）；" + HALL2 + "二楼规划建设窗口",
        "028-61881201",
    ),
    "BDC": (
        "12",
        "MB0T7218",
        "示例市不动产登记中心",
        HALL1 + "二楼B区 不动产登记综合窗口（B01-B16）；各区不动产登记分中心可同城通办",
        "028-61881266",
    ),
    "ZJ": (
        "11",
        "00902467",
        "示例市住房和城乡建设局",
        HALL1 + "三楼D区 工程建设项目审批综合窗口（D01-D10）；" + HALL2 + "二楼规划建设窗口",
        "028-61881302",
    ),
    "SCJG": (
        "11",
        "MB1D0395",
        "示例市市场监督管理局",
        HALL1 + "一楼B区 企业开办专区（B01-B12）；" + HALL2 + "一楼企业开办专区",
        "028-61881405",
    ),
    "SPJ": (
        "11",
        "MB1F2760",
        "示例市行政审批局",
        HALL1 + "一楼A区 综合受理窗口（A01-A20）；" + HALL2 + "一楼综合受理窗口",
        "028-61881001",
    ),
    "GA": (
        "11",
        "00902514",
        "示例市公安局",
        HALL1 + "一楼C区 公安户政窗口（C01-C08）；" + HALL2 + "一楼户政窗口；户籍所在地公安派出所户籍窗口",
        "028-61881510",
    ),
    "CRJ": (
        "11",
        "MB0N4432",
        "示例市公安局出入境管理支队",
        "示例市公安局出入境管理支队出入境接待大厅（示例市锦华区青龙街72号一楼）" + NOT_HALL1,
        "028-61882110",
    ),
    "JJ": (
        "11",
        "MB0N4459",
        "示例市公安局交通警察支队",
        "示例市公安局交通警察支队车辆管理所（示例市北城区星辰大道一段1号）；"
        + HALL2
        + "一楼车驾管服务窗口"
        + NOT_HALL1,
        "028-61882122",
    ),
    "RS": (
        "11",
        "00902629",
        "示例市人力资源和社会保障局",
        HALL1 + "二楼A区 人力资源和社会保障窗口（A19-A24）；" + HALL2 + "一楼社保窗口",
        "028-61881603",
    ),
    "SB": (
        "12",
        "45072183",
        "示例市社会保险事业管理局",
        HALL1 + "二楼A区 社会保险综合窗口（A01-A10）；" + HALL2 + "一楼社保窗口",
        "028-61881620",
    ),
    "YB": (
        "11",
        "MB1G8603",
        "示例市医疗保障局",
        HALL1 + "二楼A区 医疗保障窗口（A11-A14）；" + HALL2 + "一楼医保窗口；各街道（乡镇）便民服务中心",
        "028-61881650",
    ),
    "SW": (
        "11",
        "MB0X1587",
        "国家税务总局示例市税务局",
        HALL1 + "一楼B区 企业开办专区税务窗口（B13-B16）；" + HALL2 + "一楼办税服务厅",
        "12366；028-61881690",
    ),
    "MZ": (
        "11",
        "00902733",
        "示例市民政局",
        "示例市民政局婚姻登记处（示例市青阳区文翁路27号 示例市婚姻登记服务中心一楼）" + NOT_HALL1,
        "028-61882233",
    ),
    "WJ": (
        "11",
        "MB1H0926",
        "示例市卫生健康委员会",
        HALL1 + "一楼A区 综合受理窗口（A01-A20）；各街道（乡镇）便民服务中心、社区（村）便民服务站",
        "028-61881720",
    ),
    "CG": ("11", "MB1J3307", "示例市城市管理局", HALL1 + "三楼E区 城市管理窗口（E01-E04）", "028-61881812"),
    "SWU": ("11", "00902881", "示例市水务局", HALL1 + "三楼E区 水务窗口（E05-E06）", "028-61881830"),
    "CL": (
        "13",
        "45071949",
        "示例市残疾人联合会",
        HALL1 + "一楼A区 残疾人服务窗口（A21）；户籍所在地街道（乡镇）便民服务中心",
        "028-61881760",
    ),
    "GJJ": (
        "12",
        "45076270",
        "示例市住房公积金管理中心",
        HALL1 + "二楼A区 住房公积金窗口（A15-A18）；" + HALL2 + "一楼公积金窗口",
        "028-61881888",
    ),
    "RMYH": (
        "11",
        "MB1K5528",
        "中国人民银行示例市分行",
        HALL1
        + "一楼B区 企业开办专区银行服务窗口（B17-B20，由驻场商业银行受理并报送）；"
        + HALL2
        + "一楼企业开办专区",
        "028-61881700",
    ),
}

BODIES = {
    key: {"name": d[2], "code": make_uscc(d[0], REGION["code"], d[1]), "location": d[3], "contact": d[4]}
    for key, d in BODY_DEFS.items()
}

HALL1_KEYS = [k for k in BODY_DEFS if k not in ("CRJ", "MZ", "JJ")]
HALL2_KEYS = ["SCJG", "SPJ", "GA", "JJ", "ZRGH", "ZJ", "RS", "SB", "YB", "SW", "GJJ", "RMYH"]

# 行政复议机关 of the city's departments (2023 行政复议法 Art. 24: the people's government at the same level),
# and the court where a 行政诉讼 against them is brought (行政诉讼法 Arts. 14, 18: where the body is located,
# or the court the province designated): hall settings, printed on every 不予受理通知书.
REVIEW_BODY = {"name": "示例市人民政府", "address": "示例市锦华区府青路一段1号（示例市司法局行政复议接待室）"}

HALLS = [
    {
        "code": "SZX01",
        "name": "示例市政务服务中心",
        "address": "示例市锦华区锦城大道366号",
        "phone": "028-61880000",
        "bodies": [BODIES[k]["code"] for k in HALL1_KEYS],
        "arrangement": "delegated",
        "review_body": REVIEW_BODY,
        "court": {"name": "示例市锦华区人民法院", "address": "示例市锦华区锦官路99号"},
    },
    {
        "code": "SZX02",
        "name": "示例市高新区政务服务中心",
        "address": "示例市高新区天华路188号",
        "phone": "028-61890000",
        "bodies": [BODIES[k]["code"] for k in HALL2_KEYS],
        "arrangement": "delegated",
        "review_body": REVIEW_BODY,
        "court": {"name": "示例市高新技术产业开发区人民法院", "address": "示例市高新区天府大道北段88号"},
    },
]

HOURS = "法定工作日 上午9:00-12:00 下午13:30-17:00"
HOURS_SAT = "法定工作日 上午9:00-12:00 下午13:30-17:00；周六上午9:00-12:00延时服务"
COMPLAINT = "12345（示例市12345政务服务便民热线）；示例市政务服务中心监督投诉窗口 028-61880110"

# type -> letter of the 14-char 事项编码
TYPE_LETTER = {
    "行政许可": "A",
    "行政给付": "E",
    "行政确认": "G",
    "行政奖励": "H",
    "行政裁决": "I",
    "其他行政权力": "J",
    "行政备案": "K",
    "公共服务": "Q",
}

# --------------------------------------------------------------------------
# Material helpers
# --------------------------------------------------------------------------
B_XK = "《中华人民共和国行政许可法》第二十九条、第三十一条"
B_ZZ = "《中华人民共和国市场主体登记管理条例》第二十二条（电子营业执照与纸质营业执照具有同等法律效力）"


def M(
    name,
    forms,
    std,
    basis,
    *,
    ea=False,
    copies=None,
    nec="required",
    commit=False,
    cond=None,
    src="applicant",
    notes=None,
):
    if copies is None:
        copies = 0 if forms == ["electronic"] else 1
    return {
        "name": name,
        "forms": list(forms),
        "electronic_accepted": ea,
        "copies": copies,
        "necessity": nec,
        "commitment_allowed": commit,
        "condition": cond,
        "source": src,
        "standard": std,
        "basis": basis,
        "notes": notes,
    }


def auth(basis="《中华人民共和国民法典》第一百六十一条、第一百六十五条"):
    return M(
        "授权委托书",
        ["original"],
        "载明委托人与受托人的姓名（名称）、身份证件号码、委托事项、委托权限和委托期限；"
        "委托人为自然人的由本人签名，为单位的加盖单位公章并由法定代表人签字或盖章；办理之日在委托期限内",
        basis,
        cond="agent",
        notes="可使用窗口提供的格式文本；委托人不能到场签署且委托处分不动产等重大权利的，须提交经公证的授权委托书",
    )


def agent_id(basis="《中华人民共和国民法典》第一百六十一条；" + B_XK):
    return M(
        "受托人身份证明",
        ["original", "copy"],
        "受托人有效居民身份证（或护照等有效身份证件）原件核验后退还；复印件正反面复印于同一张A4纸并由受托人签名；"
        "证件在有效期内，姓名、证件号码与授权委托书载明的受托人一致",
        basis,
        ea=True,
        cond="agent",
        notes="可出示电子身份证或通过公安人口信息共享核验",
    )


def license_(
    title="营业执照（或其他主体资格证明）", basis=B_ZZ, notes="已通过电子证照库调取的，无需提交纸质复印件"
):
    return M(
        title,
        ["copy"],
        "营业执照、事业单位法人证书、社会团体法人登记证书等主体资格证明复印件加盖单位公章；"
        "名称、统一社会信用代码与申请书一致，主体登记状态为存续（在业）",
        basis,
        ea=True,
        src="e_license",
        cond="organization",
        notes=notes,
    )


def person_id(title="申请人身份证明", basis="《中华人民共和国居民身份证法》第十四条；" + B_XK, notes=None):
    return M(
        title,
        ["original", "copy"],
        "有效居民身份证（港澳台居民提交居住证或来往内地通行证，外国人提交护照或永久居留身份证）原件核验后退还，"
        "复印件正反面复印于同一页；证件在有效期内，姓名、证件号码与申请书一致",
        basis,
        ea=True,
        cond="person",
        notes=notes or "可出示电子身份证或通过公安人口信息共享核验",
    )


def legal_rep_id(title="法定代表人（负责人）身份证件复印件", basis=B_XK):
    return M(
        title,
        ["copy"],
        "有效身份证件复印件，正反面复印于同一页；姓名、证件号码与营业执照登记的法定代表人（负责人）一致；证件在有效期内",
        basis,
        ea=True,
        notes="可通过电子身份证或公安人口信息共享核验，核验通过的免于提交",
    )


def form(name, std, basis, copies=1, notes="可在示例市政务服务网下载格式文本，或在窗口领取、现场打印签字"):
    return M(name, ["original"], std, basis, copies=copies, notes=notes)


# --------------------------------------------------------------------------
# Item builder
# --------------------------------------------------------------------------
ITEMS: list[dict] = []
DOMAINS: dict[str, str] = {}  # item name -> domain (report only, not written)


def I(
    *,
    domain,
    seq,
    sub=0,
    biz=0,
    name,
    parent=None,
    business=None,
    type,
    body,
    dept=None,
    basis,
    obj,
    conditions,
    legal,
    promised,
    fee=None,
    location=None,
    hours=HOURS,
    contact=None,
    complaint=COMPLAINT,
    visits=1,
    delivery=True,
    appointment=True,
    scope="全市通办",
    result,
    tol=None,
    kw=None,
    mats,
):
    b = BODIES[body]
    base = f"511{TYPE_LETTER[type]}{seq:04d}{sub:03d}000"
    code = f"{base}-{DIVISION12}-000-{b['code']}-1-{biz:02d}"
    materials = []
    for n, m in enumerate(mats, 1):
        materials.append({"code": f"M{n:02d}", **m})
    it = {
        "code": code,
        "base_code": base,
        "name": name,
        "parent": parent,
        "business": business,
        "type": type,
        "department": dept or b["name"],
        "implementing_body": {"name": b["name"], "code": b["code"]},
        "basis": basis,
        "service_object": obj,
        "conditions": conditions,
        "legal_limit": {"days": legal[0], "unit": legal[1]},
        "promised_limit": {"days": promised[0], "unit": promised[1]},
        "kind": "immediate" if promised[0] == 0 else "promised",
        "fee": {
            "charged": fee is not None,
            "standard": fee[0] if fee else None,
            "basis": fee[1] if fee else None,
        },
        "location": location or b["location"],
        "hours": hours,
        "contact": contact or b["contact"],
        "complaint": complaint,
        "visits": visits,
        "delivery": delivery,
        "appointment": appointment,
        "scope": scope,
        "result": {"type": result[0], "name": result[1]},
    }
    if tol is not None:
        it["tolerance_days"] = tol
    if kw:
        it["keywords"] = kw
    it["materials"] = materials
    ITEMS.append(it)
    DOMAINS[name] = domain


ORG = ["legal_person"]
PER = ["natural_person"]
BOTH = ["natural_person", "legal_person"]
W = "working"
N = "natural"

FEE_BDC = (
    "不动产登记费：住宅类每件80元，非住宅类每件550元（含第一本不动产权属证书工本费，每增加一本加收10元）；"
    "小微企业（含个体工商户）申请的免收",
    "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）；"
    "《财政部 国家发展改革委关于不动产登记收费有关政策问题的通知》（财税〔2016〕79号）",
)
B_BDC = "《不动产登记暂行条例》第十四条、第十六条；《不动产登记暂行条例实施细则》"
BDC_FORM = form(
    "不动产登记申请书",
    "使用统一格式；权利人、义务人信息与身份证明一致，不动产坐落、不动产单元号与权籍调查成果一致；"
    "申请登记事项填写明确；全体申请人签名，单位申请人加盖公章",
    "《不动产登记暂行条例》第十四条、第十六条",
)

# ==========================================================================
# 1. 自然资源和规划
# ==========================================================================
I(
    domain="自然资源和规划",
    seq=138,
    name="建设用地规划许可证核发",
    business="新设",
    type="行政许可",
    body="ZRGH",
    basis="《中华人民共和国城乡规划法》第三十七条、第三十八条；《中华人民共和国土地管理法》第五十四条；"
    "《自然资源部关于以“多规合一”为基础推进规划用地“多审合一、多证合一”改革的通知》（自然资规〔2019〕2号）",
    obj=ORG,
    conditions="1.建设项目已依法办理审批、核准或备案手续；2.以划拨方式供地的已取得建设项目用地预审与选址意见书，"
    "以出让方式供地的已签订国有建设用地使用权出让合同；3.申请用地范围符合国土空间详细规划和规划条件；"
    "4.申请材料齐全、符合法定形式。",
    legal=(20, W),
    promised=(5, W),
    result=("证照", "建设用地规划许可证"),
    tol=5,
    kw=["用地规划许可", "规划许可", "多证合一"],
    mats=[
        form(
            "建设用地规划许可证申请表",
            "使用自然资源部统一格式；项目名称、用地位置、用地面积、建设规模填写完整并与立项文件一致；加盖建设单位公章",
            B_XK,
        ),
        license_(),
        M(
            "建设项目批准、核准或备案文件",
            ["electronic"],
            "通过投资项目在线审批监管平台按项目代码调取；项目名称、建设单位、建设地点与申请表一致",
            "《中华人民共和国城乡规划法》第三十七条",
            ea=True,
            src="government",
            notes="申请人只需提供项目代码，无需提交纸质文件",
        ),
        M(
            "建设项目用地预审与选址意见书",
            ["copy"],
            "复印件加盖建设单位公章并核对原件；在有效期（三年）内，项目名称、用地位置与本次申请一致",
            "《中华人民共和国城乡规划法》第三十六条、第三十七条",
            ea=True,
            nec="optional",
            src="e_license",
            notes="以划拨方式取得国有土地使用权的项目提交",
        ),
        M(
            "国有建设用地使用权出让合同（含规划条件）",
            ["original", "copy"],
            "原件核验后退还，复印件加盖建设单位公章；合同附规划条件，受让人与申请人一致",
            "《中华人民共和国城乡规划法》第三十八条",
            nec="optional",
            notes="以出让方式取得国有土地使用权的项目提交",
        ),
        M(
            "土地出让价款缴纳凭证",
            ["copy"],
            "财政部门出具的缴款凭证复印件加盖建设单位公章；缴款金额与出让合同约定的首期或全部价款一致",
            "《中华人民共和国城市房地产管理法》第十六条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交；发证前须补齐",
        ),
        M(
            "建设项目用地红线图",
            ["original"],
            "由具有相应测绘资质的单位在1:500或1:1000现状地形图上绘制，标明用地界址点坐标（2000国家大地坐标系）和用地面积，"
            "加盖测绘单位印章；与出让合同或选址意见书的用地范围一致",
            "《中华人民共和国城乡规划法》第三十七条",
            copies=2,
        ),
        M(
            "宗地勘测定界报告",
            ["original"],
            "具有相应测绘资质的单位出具，附界址点成果表和勘测定界图，加盖测绘资质章",
            "《中华人民共和国城乡规划法》第三十七条、第三十八条",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="自然资源和规划",
    seq=139,
    name="建设工程规划许可证核发",
    business="新设",
    type="行政许可",
    body="ZRGH",
    basis="《中华人民共和国城乡规划法》第四十条；《中华人民共和国行政许可法》第二十九条、第三十八条",
    obj=BOTH,
    conditions="1.已取得建设用地规划许可证或国有建设用地使用权不动产权证书；2.建设工程设计方案已经审查通过，"
    "符合控制性详细规划和规划条件；3.申请人为用地权利人，或取得用地权利人同意；4.申请材料齐全、符合法定形式。",
    legal=(20, W),
    promised=(10, W),
    result=("证照", "建设工程规划许可证"),
    tol=5,
    kw=["工程规划许可", "规划许可", "方案审查"],
    mats=[
        form(
            "建设工程规划许可证申请表",
            "项目名称、建设位置、建设规模、建筑面积等与审定设计方案一致；单位申请的加盖公章，个人申请的本人签名",
            B_XK,
        ),
        license_(),
        person_id(notes="个人建房申请时提交；可出示电子身份证"),
        M(
            "建设用地规划许可证或不动产权证书（国有建设用地使用权）",
            ["copy"],
            "复印件核对原件；权利人与申请人一致，用地位置、面积与本次申请一致",
            "《中华人民共和国城乡规划法》第四十条",
            ea=True,
            src="e_license",
            notes="已发放电子证照的由窗口调取，无需提交复印件",
        ),
        M(
            "建设工程设计方案审查意见",
            ["copy"],
            "设计方案已审查通过且在有效期内（自审定之日起一年）；本次申请的建设内容与审定方案一致",
            "《中华人民共和国城乡规划法》第四十条",
            ea=True,
            src="government",
            notes="由方案审查系统共享的，无需提交",
        ),
        M(
            "建设工程设计方案总平面图",
            ["original"],
            "由具备相应资质的设计单位编制；标明建筑位置、间距、退让用地红线距离、出入口及主要技术经济指标；"
            "加盖设计单位出图章和注册建筑师执业印章",
            "《中华人民共和国城乡规划法》第四十条",
            copies=4,
        ),
        M(
            "建筑单体平面图、立面图、剖面图",
            ["original"],
            "比例不小于1:200，标注层数、层高、建筑高度、各层面积；与总平面图及审定方案一致；加盖出图章和执业印章",
            "《中华人民共和国城乡规划法》第四十条",
            copies=2,
        ),
        M(
            "建设工程规划设计方案电子报批数据",
            ["electronic"],
            "DWG格式，2000国家大地坐标系，图层符合本市规划电子报批标准，与纸质图纸内容一致",
            "《自然资源部关于以“多规合一”为基础推进规划用地“多审合一、多证合一”改革的通知》（自然资规〔2019〕2号）",
            ea=True,
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交",
        ),
        M(
            "日照分析报告",
            ["original"],
            "由具有相应能力的单位采用本市认可的日照分析软件编制，分析对象、计算参数齐全，结论明确",
            "《城市居住区规划设计标准》（GB 50180-2018）",
            nec="optional",
            notes="对周边住宅、学校、医院等日照敏感建筑产生日照影响的项目提交",
        ),
        M(
            "设计单位资质证书",
            ["copy"],
            "复印件加盖设计单位公章；资质等级和业务范围覆盖本项目，证书在有效期内",
            "《建设工程勘察设计管理条例》第八条",
            ea=True,
            src="government",
            notes="可通过全国建筑市场监管公共服务平台核验",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="自然资源和规划",
    seq=140,
    name="乡村建设规划许可证核发",
    business="新设",
    type="行政许可",
    body="ZRGH",
    basis="《中华人民共和国城乡规划法》第四十一条；《中华人民共和国土地管理法》第六十二条",
    obj=BOTH,
    conditions="在乡、村庄规划区内进行乡镇企业、乡村公共设施和公益事业建设或农村村民住宅建设；建设项目符合乡村规划；"
    "使用原有宅基地或经依法批准的集体建设用地；不占用农用地，确需占用的已办理农用地转用审批手续。",
    legal=(20, W),
    promised=(10, W),
    result=("证照", "乡村建设规划许可证"),
    tol=5,
    kw=["乡村规划许可", "农房建设", "宅基地建房"],
    mats=[
        form(
            "乡村建设规划许可申请表",
            "建设地点、用地面积、建筑面积、层数、高度填写完整；个人申请的本人签名，单位申请的加盖公章",
            B_XK,
        ),
        person_id(),
        license_(),
        M(
            "村民委员会意见",
            ["original"],
            "村民会议或村民代表会议讨论同意的书面意见，加盖村民委员会印章，并附公示无异议的说明",
            "《中华人民共和国城乡规划法》第四十一条",
        ),
        M(
            "宅基地批准文件或集体建设用地使用权证明",
            ["original", "copy"],
            "原件核验后退还；批准用地面积、四至与申请一致；权利人与申请人一致",
            "《中华人民共和国土地管理法》第六十二条",
            ea=True,
        ),
        M(
            "建筑设计图或通用图集选用说明",
            ["original"],
            "农村村民住宅可选用本市农房通用图集并注明图号；其他建设项目提交由设计单位出具的总平面图及平立剖面图",
            "《中华人民共和国城乡规划法》第四十一条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="自然资源和规划",
    seq=156,
    name="临时用地审批",
    business="新设",
    type="行政许可",
    body="ZRGH",
    basis="《中华人民共和国土地管理法》第五十七条；《中华人民共和国土地管理法实施条例》第二十条；"
    "《自然资源部关于规范临时用地管理的通知》（自然资规〔2021〕2号）",
    obj=ORG,
    conditions="1.用于建设项目施工、地质勘查或抢险救灾等临时使用土地；2.原则上不得占用永久基本农田；"
    "3.使用期限一般不超过二年，线性工程等可延长至四年；4.已与土地所有权人或使用权人签订临时使用土地合同；"
    "5.不得修建永久性建筑物。",
    legal=(20, W),
    promised=(10, W),
    result=("批文", "临时用地批准文件"),
    tol=5,
    kw=["临时用地", "施工用地", "土地复垦"],
    mats=[
        form(
            "临时用地申请书",
            "写明用地事由、位置、面积、地类、使用期限及复垦责任；加盖申请单位公章",
            "《中华人民共和国土地管理法实施条例》第二十条",
        ),
        license_(),
        M(
            "临时使用土地合同",
            ["original"],
            "与土地所有权人（农村集体经济组织）或国有土地使用权人签订；载明用途、面积、期限、补偿费用及恢复责任；双方签章齐全",
            "《中华人民共和国土地管理法》第五十七条",
            copies=2,
        ),
        M(
            "土地复垦方案报告书（或报告表）",
            ["original"],
            "由申请单位组织编制，复垦目标、措施、费用估算明确；占用耕地的复垦后达到可供利用状态",
            "《土地复垦条例》第十一条、第十二条",
        ),
        M(
            "土地复垦费用预存凭证",
            ["copy"],
            "与土地复垦方案估算金额一致的预存凭证或监管协议复印件，加盖申请单位公章",
            "《土地复垦条例实施办法》第十六条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交；批准文件发放前须补齐",
        ),
        M(
            "勘测定界报告及界址点坐标",
            ["original"],
            "具有相应测绘资质单位出具；界址点坐标采用2000国家大地坐标系，附电子坐标文件；面积与申请一致",
            "《中华人民共和国土地管理法实施条例》第二十条",
        ),
        M(
            "临时用地位置图（套合国土调查成果）",
            ["original"],
            "在最新年度国土变更调查成果上标注用地范围，注明地类和面积；不占或确需占用永久基本农田的情况明确",
            "《自然资源部关于规范临时用地管理的通知》（自然资规〔2021〕2号）",
        ),
        M(
            "建设项目批准文件或施工合同",
            ["copy"],
            "能够说明临时用地必要性的项目批准文件或施工合同复印件，加盖申请单位公章",
            "《中华人民共和国土地管理法》第五十七条",
            ea=True,
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="自然资源和规划",
    seq=141,
    name="临时建设工程规划许可",
    business="新设",
    type="行政许可",
    body="ZRGH",
    basis="《中华人民共和国城乡规划法》第四十四条",
    obj=BOTH,
    conditions="临时建设不影响近期建设规划或控制性详细规划的实施以及交通、市容、安全等；使用期限一般不超过二年，"
    "期满自行拆除；不得在临时建设用地上建设永久性建筑物。",
    legal=(20, W),
    promised=(5, W),
    result=("证照", "临时建设工程规划许可证"),
    tol=5,
    kw=["临时建设", "临时规划许可"],
    mats=[
        form(
            "临时建设工程规划许可申请表",
            "写明临时建设用途、位置、面积、结构、使用期限；单位申请的加盖公章，个人申请的本人签名",
            B_XK,
        ),
        license_(),
        person_id(),
        M(
            "土地使用权属证明或土地权利人同意临时使用的书面意见",
            ["original", "copy"],
            "原件核验后退还；权利人签章齐全，同意使用的范围和期限明确",
            "《中华人民共和国城乡规划法》第四十四条",
            ea=True,
        ),
        M(
            "临时建设工程设计图",
            ["original"],
            "包括总平面图和平面、立面、剖面图；标注与用地红线、相邻建筑的距离和建筑高度；设计单位或绘制人签章",
            "《中华人民共和国城乡规划法》第四十四条",
            copies=2,
        ),
        M(
            "到期自行拆除承诺书",
            ["original"],
            "申请人签章，承诺使用期满或因规划实施需要时无条件自行拆除并恢复原状",
            "《中华人民共和国城乡规划法》第四十四条",
        ),
        M(
            "场地现状照片",
            ["original"],
            "能反映拟建场地及周边现状的彩色照片不少于4张，标注拍摄日期和方位",
            B_XK,
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交",
        ),
        auth(),
        agent_id(),
    ],
)

# ==========================================================================
# 2. 不动产登记
# ==========================================================================
P_FW = "国有建设用地使用权及房屋所有权登记"
D_ZRGH = "示例市自然资源和规划局"

I(
    domain="不动产登记",
    seq=512,
    sub=1,
    name="国有建设用地使用权及房屋所有权首次登记",
    parent=P_FW,
    business="新设",
    type="行政确认",
    body="BDC",
    dept=D_ZRGH,
    basis=B_BDC + "第三十五条；《中华人民共和国民法典》第二百零九条、第二百一十四条",
    obj=BOTH,
    conditions="依法取得国有建设用地使用权并已登记；房屋已竣工，建设工程已通过规划核实和竣工验收备案；"
    "已完成不动产权籍调查（房产测绘）；相关税费已缴清；不动产无查封登记。",
    legal=(30, W),
    promised=(5, W),
    fee=FEE_BDC,
    result=("证照", "不动产权证书"),
    tol=5,
    kw=["房屋首次登记", "大证", "不动产登记"],
    mats=[
        BDC_FORM,
        license_(),
        person_id(),
        M(
            "国有建设用地使用权不动产权证书",
            ["original"],
            "原件，权利人与申请人一致，宗地代码与权籍调查成果一致；无查封、异议登记",
            "《不动产登记暂行条例实施细则》第三十五条",
            ea=True,
            src="e_license",
            notes="已核发电子证照的由窗口调取",
        ),
        M(
            "建设工程规划核实确认书",
            ["copy"],
            "规划核实合格，建设工程规划许可证号、建筑面积与测绘报告一致",
            "《不动产登记暂行条例实施细则》第三十五条",
            ea=True,
            src="government",
            notes="由规划部门共享，无需申请人提交",
        ),
        M(
            "建设工程竣工验收备案表",
            ["copy"],
            "备案机关已备案，备案项目名称、栋号与申请登记的房屋一致",
            "《不动产登记暂行条例实施细则》第三十五条",
            ea=True,
            src="government",
            notes="由住房城乡建设部门共享，无需申请人提交",
        ),
        M(
            "不动产测绘报告（房屋面积实测报告）",
            ["original"],
            "具有不动产测绘资质的单位出具并经成果审核；套内面积、分摊面积计算清晰，总面积与规划核实面积相符",
            "《不动产登记暂行条例》第十六条；《不动产登记暂行条例实施细则》第三十五条",
            ea=True,
        ),
        M(
            "房屋分户明细表",
            ["original"],
            "列明幢号、房号、用途、层次、建筑面积，与测绘报告逐户一致；加盖申请单位公章，并提交Excel电子版",
            "《不动产登记暂行条例实施细则》第三十五条",
        ),
        M(
            "建筑区划内业主共有部分清单",
            ["original"],
            "列明建筑区划内依法属于业主共有的道路、绿地、其他公共场所、公用设施和物业服务用房的位置及面积，加盖申请单位公章",
            "《不动产登记暂行条例实施细则》第三十六条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交；登簿前须补齐",
        ),
        M(
            "相关税费缴纳凭证",
            ["electronic"],
            "土地出让价款、契税等已缴清；通过财政、税务部门信息共享核验",
            "《不动产登记暂行条例实施细则》第三十五条",
            ea=True,
            src="government",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="不动产登记",
    seq=512,
    sub=2,
    name="国有建设用地使用权及房屋所有权转移登记",
    parent=P_FW,
    type="行政确认",
    body="BDC",
    dept=D_ZRGH,
    basis=B_BDC + "第三十八条；《中华人民共和国民法典》第二百零九条",
    obj=BOTH,
    conditions="不动产已办理首次登记；因买卖、互换、赠与、继承、受遗赠、分割合并、人民法院生效法律文书等导致权利转移；"
    "不动产无查封登记，已设定抵押的已取得抵押权人同意；相关税费已缴清。",
    legal=(30, W),
    promised=(3, W),
    fee=FEE_BDC,
    result=("证照", "不动产权证书"),
    kw=["过户", "二手房", "存量房交易"],
    hours=HOURS_SAT,
    mats=[
        BDC_FORM,
        person_id(title="转让方和受让方身份证明"),
        license_(),
        M(
            "原不动产权属证书",
            ["original"],
            "原件收回；证书记载的权利人、坐落与登记簿一致",
            "《不动产登记暂行条例实施细则》第三十八条",
            copies=1,
            notes="证书遗失的，须先办理遗失声明或补证",
        ),
        M(
            "不动产转移的材料（买卖合同、赠与合同、继承公证书或生效法律文书等）",
            ["original"],
            "存量房买卖提交经网签备案的买卖合同；双方签章齐全，房屋坐落、面积、价款与网签数据一致",
            "《不动产登记暂行条例实施细则》第三十八条",
            ea=True,
        ),
        M(
            "婚姻状况证明",
            ["original", "copy"],
            "结婚证、离婚证或离婚协议、法院判决书；已婚的，配偶应共同申请或出具同意书",
            "《中华人民共和国民法典》第一千零六十二条",
            ea=True,
            commit=True,
            cond="person",
            notes="可签署《婚姻状况声明书》以告知承诺方式替代，虚假承诺的依法承担责任",
        ),
        M(
            "税费缴纳凭证",
            ["electronic"],
            "契税、个人所得税、增值税等已缴清或已办理免征；通过税务部门信息共享核验",
            "《中华人民共和国契税法》第十一条",
            ea=True,
            src="government",
        ),
        M(
            "共有人同意转让的书面材料",
            ["original"],
            "按份共有份额三分之二以上或全体共同共有人签名同意，附共有人身份证件复印件",
            "《中华人民共和国民法典》第三百零一条",
            nec="optional",
            notes="转让共有不动产时提交",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="不动产登记",
    seq=512,
    sub=3,
    name="国有建设用地使用权及房屋所有权变更登记",
    parent=P_FW,
    business="变更",
    type="行政确认",
    body="BDC",
    dept=D_ZRGH,
    basis=B_BDC + "第二十六条",
    obj=BOTH,
    conditions="权利人姓名或名称、身份证明类型或号码变更，不动产坐落、界址、用途、面积等状况变更，权利期限、来源变化，"
    "或共有性质变更等，且不涉及权利转移。",
    legal=(30, W),
    promised=(3, W),
    fee=(
        FEE_BDC[0] + "；仅权利人姓名、名称、身份证明号码或不动产坐落名称变更的，不收取不动产登记费",
        FEE_BDC[1],
    ),
    result=("证照", "不动产权证书"),
    kw=["变更登记", "更名"],
    mats=[
        BDC_FORM,
        person_id(),
        license_(),
        M(
            "不动产权属证书",
            ["original"],
            "原件收回换发；权利人与申请人一致",
            "《不动产登记暂行条例实施细则》第二十六条",
            copies=1,
        ),
        M(
            "不动产变更的材料",
            ["original", "copy"],
            "名称变更提交市场监管部门变更登记通知书；姓名变更提交公安机关出具的证明；用途、面积变更提交规划批准文件及出让合同补充协议",
            "《不动产登记暂行条例实施细则》第二十六条",
            ea=True,
            notes="市场主体名称变更信息可通过部门共享核验",
        ),
        auth(),
        agent_id(),
    ],
)

P_DY = "抵押权登记"
I(
    domain="不动产登记",
    seq=515,
    sub=1,
    name="抵押权首次登记",
    parent=P_DY,
    business="新设",
    type="行政确认",
    body="BDC",
    dept=D_ZRGH,
    basis=B_BDC + "第六十六条；《中华人民共和国民法典》第三百九十五条、第四百零二条",
    obj=BOTH,
    conditions="以已登记的不动产设定抵押；抵押合同、主债权合同已签订；不动产未被查封；由抵押人和抵押权人共同申请。",
    legal=(30, W),
    promised=(1, W),
    fee=("不动产登记费：住宅类每件80元，非住宅类每件550元，由抵押权人缴纳", FEE_BDC[1]),
    result=("证照", "不动产登记证明（抵押权）"),
    kw=["按揭", "抵押登记", "银行贷款"],
    mats=[
        BDC_FORM,
        person_id(title="抵押人身份证明"),
        license_(title="抵押权人（或单位抵押人）营业执照、金融许可证"),
        M(
            "不动产权属证书",
            ["original"],
            "原件核验；权利人与抵押人一致，无查封登记",
            "《不动产登记暂行条例实施细则》第六十六条",
            ea=True,
            copies=0,
        ),
        M(
            "抵押合同",
            ["original"],
            "载明被担保债权的种类和数额、债务履行期限、抵押财产、担保范围；双方签章齐全",
            "《中华人民共和国民法典》第四百条",
        ),
        M(
            "主债权合同",
            ["original", "copy"],
            "借款合同等主债权合同，原件核验后退还，复印件加盖抵押权人公章；债权数额、期限与抵押合同一致",
            "《不动产登记暂行条例实施细则》第六十六条",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="不动产登记",
    seq=515,
    sub=2,
    name="抵押权注销登记",
    parent=P_DY,
    business="注销",
    type="行政确认",
    body="BDC",
    dept=D_ZRGH,
    basis=B_BDC + "第二十八条、第六十八条",
    obj=BOTH,
    conditions="主债权消灭、抵押权已经实现、抵押权人放弃抵押权或法律规定抵押权消灭的其他情形。",
    legal=(30, W),
    promised=(0, W),
    result=("其他", "注销登记结果告知单"),
    visits=1,
    delivery=False,
    kw=["解押", "注销抵押"],
    mats=[
        BDC_FORM,
        license_(title="抵押权人营业执照、金融许可证"),
        person_id(title="抵押人身份证明"),
        M(
            "不动产登记证明（抵押权）",
            ["original"],
            "原件收回；证明号与登记簿记载一致",
            "《不动产登记暂行条例实施细则》第六十八条",
            ea=True,
            notes="已核发电子登记证明的，由抵押权人通过系统提交注销申请",
        ),
        M(
            "抵押权消灭的材料",
            ["original"],
            "抵押权人出具的解除抵押证明或债务清偿证明，加盖抵押权人公章",
            "《不动产登记暂行条例实施细则》第六十八条",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="不动产登记",
    seq=520,
    name="不动产更正登记",
    business="变更",
    type="行政确认",
    body="BDC",
    dept=D_ZRGH,
    basis="《中华人民共和国民法典》第二百二十条；" + B_BDC + "第七十九条、第八十条",
    obj=BOTH,
    conditions="权利人、利害关系人认为不动产登记簿记载的事项确有错误，且能够提供证实错误的材料；"
    "不动产已转移登记至第三人名下的不予更正。",
    legal=(30, W),
    promised=(5, W),
    result=("证照", "不动产权证书或更正登记结果告知书"),
    kw=["更正登记", "登记错误"],
    mats=[
        BDC_FORM,
        person_id(),
        license_(),
        M(
            "不动产权属证书",
            ["original"],
            "原件收回；证书号与登记簿一致",
            "《不动产登记暂行条例实施细则》第七十九条",
            copies=1,
        ),
        M(
            "证实登记确有错误的材料",
            ["original", "copy"],
            "能证明登记簿记载错误的权属来源材料、测绘成果或身份证明等，原件核验后退还",
            "《不动产登记暂行条例实施细则》第七十九条",
        ),
        M(
            "利害关系人同意更正的书面材料",
            ["original"],
            "登记簿记载的权利人书面同意更正，签名或盖章",
            "《中华人民共和国民法典》第二百二十条",
            nec="optional",
            notes="利害关系人申请更正时提交",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="不动产登记",
    seq=521,
    name="预购商品房预告登记",
    business="新设",
    type="行政确认",
    body="BDC",
    dept=D_ZRGH,
    basis="《中华人民共和国民法典》第二百二十一条；" + B_BDC + "第八十五条、第八十六条",
    obj=BOTH,
    conditions="商品房预售合同已网签备案；出卖人取得商品房预售许可；由买卖双方共同申请，或预售人未按约定与预购人申请的由预购人单方申请。",
    legal=(30, W),
    promised=(1, W),
    result=("证照", "不动产登记证明（预告登记）"),
    kw=["期房", "预告登记", "网签"],
    mats=[
        BDC_FORM,
        person_id(title="预购人身份证明"),
        license_(title="预售人营业执照"),
        M(
            "已备案的商品房预售合同",
            ["original"],
            "网签备案编号有效，房屋坐落、面积与预售许可范围一致；双方签章齐全",
            "《不动产登记暂行条例实施细则》第八十六条",
            ea=True,
            src="government",
            notes="网签备案数据共享的，无需另行提交纸质合同",
        ),
        M(
            "当事人关于预告登记的约定",
            ["original"],
            "合同中已约定预告登记条款的无需另行提交",
            "《不动产登记暂行条例实施细则》第八十六条",
            nec="optional",
        ),
        M(
            "商品房预售许可证",
            ["electronic"],
            "预售许可在有效期内，申请登记的房屋在许可范围内",
            "《城市商品房预售管理办法》第六条",
            ea=True,
            src="government",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="不动产登记",
    seq=522,
    name="不动产查封登记",
    type="行政确认",
    body="BDC",
    dept=D_ZRGH,
    basis=B_BDC
    + "第九十条、第九十一条；《最高人民法院 国土资源部 建设部关于依法规范人民法院执行和国土资源房地产管理部门协助执行若干问题的通知》（法发〔2004〕5号）",
    obj=ORG,
    conditions="由人民法院等有权机关嘱托办理；两名以上执行人员到场送达协助执行通知书和生效法律文书。",
    legal=(1, W),
    promised=(0, W),
    result=("其他", "协助执行通知书回执"),
    delivery=False,
    appointment=False,
    scope="全市通办",
    kw=["查封", "协助执行", "司法查封"],
    mats=[
        M(
            "执行人员工作证和执行公务证",
            ["original", "copy"],
            "两名以上执行人员的工作证和执行公务证，原件核验后退还；复印件留存",
            "《不动产登记暂行条例实施细则》第九十一条",
        ),
        M(
            "协助执行通知书",
            ["original"],
            "载明被执行人、不动产坐落或不动产单元号、查封期限，加盖人民法院印章",
            "《不动产登记暂行条例实施细则》第九十一条",
        ),
        M(
            "生效法律文书（查封裁定书）",
            ["original"],
            "加盖人民法院印章的裁定书，载明查封的不动产及被执行人，与协助执行通知书一致",
            "《不动产登记暂行条例实施细则》第九十一条",
        ),
    ],
)

I(
    domain="不动产登记",
    seq=523,
    name="不动产权属证书补证换证",
    type="行政确认",
    body="BDC",
    dept=D_ZRGH,
    basis=B_BDC + "第二十二条",
    obj=BOTH,
    conditions="不动产权属证书或登记证明遗失、灭失的申请补发；污损、破损的申请换发。补发的须经15个工作日遗失声明公告。",
    legal=(30, W),
    promised=(20, W),
    fee=(
        "不动产权属证书工本费：每本10元",
        "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
    ),
    result=("证照", "不动产权证书"),
    kw=["补证", "换证", "证书遗失"],
    mats=[
        BDC_FORM,
        person_id(),
        license_(),
        M(
            "污损、破损的原不动产权属证书",
            ["original"],
            "原件收回；证书号可辨认",
            "《不动产登记暂行条例实施细则》第二十二条",
            nec="optional",
            notes="申请换证时提交",
        ),
        M(
            "遗失、灭失情况书面说明",
            ["original"],
            "申请人签名或盖章，写明遗失、灭失的时间和经过",
            "《不动产登记暂行条例实施细则》第二十二条",
            nec="optional",
            notes="申请补证时提交；遗失声明由登记机构在门户网站免费刊发",
        ),
        auth(),
        agent_id(),
    ],
)

# ==========================================================================
# 3. 工程建设
# ==========================================================================
I(
    domain="工程建设",
    seq=201,
    name="建筑工程施工许可证核发",
    business="新设",
    type="行政许可",
    body="ZJ",
    basis="《中华人民共和国建筑法》第七条、第八条；《建筑工程施工许可管理办法》（住房和城乡建设部令第18号，2021年修正）第四条、第五条",
    obj=ORG,
    conditions="工程投资额100万元以上或建筑面积500平方米以上的房屋建筑和市政基础设施工程；已办理用地批准手续；"
    "已取得建设工程规划许可证；施工场地已基本具备施工条件；已依法确定施工企业；施工图设计文件已审查合格；"
    "有保证工程质量和安全的具体措施；建设资金已经落实。",
    legal=(7, W),
    promised=(3, W),
    result=("证照", "建筑工程施工许可证"),
    tol=5,
    kw=["施工许可", "开工许可", "工程建设"],
    mats=[
        form(
            "建筑工程施工许可证申请表",
            "建设单位、施工单位、监理单位及项目负责人信息完整；工程规模、合同价格与施工合同一致；加盖建设单位公章",
            "《建筑工程施工许可管理办法》第五条",
        ),
        license_(),
        M(
            "建设工程用地批准手续",
            ["copy"],
            "不动产权证书或用地批准文件复印件，权利人与建设单位一致",
            "《中华人民共和国建筑法》第八条",
            ea=True,
            src="e_license",
        ),
        M(
            "建设工程规划许可证",
            ["copy"],
            "许可证号、建设规模与申请一致",
            "《中华人民共和国建筑法》第八条",
            ea=True,
            src="e_license",
            notes="规划许可电子证照由系统共享，无需提交",
        ),
        M(
            "中标通知书及施工合同",
            ["original", "copy"],
            "依法必须招标的提交中标通知书；施工合同签章齐全，合同工期、价款明确；复印件加盖建设单位公章",
            "《建筑工程施工许可管理办法》第四条",
        ),
        M(
            "施工图设计文件审查合格书",
            ["electronic"],
            "审查合格，审查范围覆盖申请施工的单体",
            "《建设工程质量管理条例》第十一条",
            ea=True,
            src="government",
            notes="由施工图联审系统共享",
        ),
        M(
            "建设资金已经落实的证明",
            ["original"],
            "银行出具的到位资金证明或资金落实情况说明，加盖建设单位公章",
            "《建筑工程施工许可管理办法》第四条",
            commit=True,
            notes="实行告知承诺制，可签署《建设资金已经落实承诺书》替代",
        ),
        M(
            "施工场地已基本具备施工条件的说明",
            ["original"],
            "说明场地“三通一平”和房屋征收情况，加盖建设单位公章",
            "《中华人民共和国建筑法》第八条",
            commit=True,
            notes="可签署承诺书替代，由主管部门事中事后核查",
        ),
        M(
            "工程质量安全保障措施",
            ["original"],
            "施工组织设计中的质量、安全技术措施，经施工单位技术负责人和总监理工程师签字",
            "《建设工程安全生产管理条例》第十条",
        ),
        M(
            "危险性较大的分部分项工程清单及安全管理措施",
            ["original"],
            "列明危大工程名称、部位和专项施工方案编制计划，加盖建设单位和施工单位公章",
            "《危险性较大的分部分项工程安全管理规定》（住房和城乡建设部令第37号）第七条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="工程建设",
    seq=205,
    name="建设工程竣工验收备案",
    type="行政备案",
    body="ZJ",
    basis="《建设工程质量管理条例》第四十九条；《房屋建筑和市政基础设施工程竣工验收备案管理办法》（住房和城乡建设部令第2号，2009年修正）第四条、第五条",
    obj=ORG,
    conditions="建设工程已由建设单位组织竣工验收合格，并自验收合格之日起15日内申请备案。",
    legal=(5, W),
    promised=(3, W),
    result=("其他", "建设工程竣工验收备案表"),
    tol=5,
    kw=["竣工备案", "竣工验收"],
    mats=[
        form(
            "建设工程竣工验收备案表",
            "建设、勘察、设计、施工、监理单位意见齐全并加盖公章；工程名称、面积与规划许可一致",
            "《房屋建筑和市政基础设施工程竣工验收备案管理办法》第五条",
            copies=2,
        ),
        license_(),
        M(
            "工程竣工验收报告",
            ["original"],
            "载明工程概况、验收时间、程序、内容和组织形式，附施工图审查意见、质量检测和功能性试验资料",
            "《房屋建筑和市政基础设施工程竣工验收备案管理办法》第五条",
        ),
        M(
            "建设工程规划核实确认书",
            ["electronic"],
            "规划核实合格",
            "《中华人民共和国城乡规划法》第四十五条",
            ea=True,
            src="government",
        ),
        M(
            "消防验收意见书或消防验收备案凭证",
            ["electronic"],
            "特殊建设工程提交消防验收合格意见，其他建设工程提交备案凭证",
            "《中华人民共和国消防法》第十三条",
            ea=True,
            src="government",
        ),
        M(
            "施工单位签署的工程质量保修书",
            ["original"],
            "明确保修范围、保修期限和保修责任，施工单位和建设单位签章",
            "《建设工程质量管理条例》第三十九条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交",
        ),
        M(
            "住宅质量保证书和住宅使用说明书",
            ["original"],
            "商品住宅工程提交，内容符合国家规定格式",
            "《房屋建筑和市政基础设施工程竣工验收备案管理办法》第五条",
            nec="optional",
            notes="商品住宅工程提交",
        ),
        M(
            "人防工程竣工验收备案证明",
            ["copy"],
            "结建人防工程已完成竣工验收备案",
            "《中华人民共和国人民防空法》第二十二条",
            ea=True,
            nec="optional",
            src="government",
            notes="配建人防工程的项目提交",
        ),
        M(
            "市政基础设施工程质量检测和功能性试验资料",
            ["original"],
            "由具有资质的检测机构出具，结论合格",
            "《房屋建筑和市政基础设施工程竣工验收备案管理办法》第五条",
            nec="optional",
            notes="市政基础设施工程提交",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="工程建设",
    seq=206,
    name="施工图设计文件审查合格书备案",
    type="行政备案",
    body="ZJ",
    basis="《建设工程勘察设计管理条例》第三十三条；《房屋建筑和市政基础设施工程施工图设计文件审查管理办法》（住房和城乡建设部令第13号，2018年修正）",
    obj=ORG,
    conditions="施工图设计文件已经施工图审查机构审查合格（或已纳入联合审查），审查合格书已出具。",
    legal=(5, W),
    promised=(0, W),
    result=("其他", "施工图审查备案回执"),
    visits=0,
    delivery=False,
    appointment=False,
    kw=["施工图审查", "图审备案"],
    mats=[
        M(
            "施工图设计文件审查合格书",
            ["original"],
            "加盖审查机构印章，审查人员签字齐全，工程名称、建筑面积与规划许可一致",
            "《房屋建筑和市政基础设施工程施工图设计文件审查管理办法》",
            ea=True,
        ),
        M(
            "施工图审查报告",
            ["electronic"],
            "包括审查意见及回复，强制性条文均已落实",
            "《建设工程勘察设计管理条例》第三十三条",
            ea=True,
        ),
        M(
            "审查合格的施工图设计文件",
            ["electronic"],
            "PDF格式，加盖审查合格电子印章，与审查报告一致",
            "《建设工程勘察设计管理条例》第三十三条",
            ea=True,
        ),
        license_(),
        auth(),
        agent_id(),
    ],
)

I(
    domain="工程建设",
    seq=210,
    name="商品房预售许可",
    business="新设",
    type="行政许可",
    body="ZJ",
    basis="《中华人民共和国城市房地产管理法》第四十五条；《城市商品房预售管理办法》（建设部令第131号，2004年修正）第五条、第六条、第七条",
    obj=ORG,
    conditions="1.已交付全部土地使用权出让金，取得不动产权证书；2.持有建设工程规划许可证和施工许可证；"
    "3.按提供预售的商品房计算，投入开发建设的资金达到工程建设总投资的25%以上，并已确定施工进度和竣工交付日期；"
    "4.已签订预售资金监管协议。",
    legal=(10, W),
    promised=(5, W),
    result=("证照", "商品房预售许可证"),
    tol=5,
    kw=["预售证", "期房销售"],
    mats=[
        form(
            "商品房预售许可申请表",
            "预售幢号、层数、套数、面积填写完整，与测绘报告一致；加盖开发企业公章",
            "《城市商品房预售管理办法》第七条",
        ),
        license_(),
        M(
            "房地产开发企业资质证书",
            ["copy"],
            "资质在有效期内，企业名称与营业执照一致",
            "《城市房地产开发经营管理条例》第九条",
            ea=True,
            src="e_license",
        ),
        M(
            "不动产权证书（国有建设用地使用权）",
            ["copy"],
            "土地使用权人与开发企业一致，土地出让金已全部缴清",
            "《城市商品房预售管理办法》第五条",
            ea=True,
            src="e_license",
        ),
        M(
            "建设工程规划许可证和建筑工程施工许可证",
            ["electronic"],
            "许可范围覆盖申请预售的楼幢",
            "《城市商品房预售管理办法》第五条",
            ea=True,
            src="government",
        ),
        M(
            "投入开发建设资金达到工程建设总投资25%以上的证明",
            ["original"],
            "工程形象进度证明和监理单位出具的进度确认意见，附资金投入情况说明",
            "《城市商品房预售管理办法》第五条",
        ),
        M(
            "商品房预售方案",
            ["original"],
            "载明项目基本情况、建设进度安排、预售房屋套数、面积、价格，以及预售资金监管和交付使用日期",
            "《城市商品房预售管理办法》第七条",
        ),
        M(
            "商品房预售资金监管协议",
            ["original"],
            "开发企业、监管银行签署，监管账户信息、重点监管额度明确",
            "《城市商品房预售管理办法》第十一条",
        ),
        M(
            "预售房屋面积预测绘报告",
            ["original"],
            "具有不动产测绘资质单位出具，分户面积清晰",
            "《城市商品房预售管理办法》第七条",
            ea=True,
        ),
        M(
            "前期物业服务合同",
            ["original", "copy"],
            "与物业服务企业签订，已办理备案",
            "《物业管理条例》第二十一条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交",
        ),
        auth(),
        agent_id(),
    ],
)

# ==========================================================================
# 4. 行政审批局（相对集中行政许可）
# ==========================================================================
I(
    domain="工程建设",
    seq=230,
    name="燃气经营许可证核发",
    business="新设",
    type="行政许可",
    body="SPJ",
    dept="示例市住房和城乡建设局",
    basis="《城镇燃气管理条例》第十五条；《燃气经营许可管理办法》（建城规〔2019〕2号）第五条、第六条",
    obj=ORG,
    conditions="符合燃气发展规划；有符合国家标准的燃气气源和燃气设施；有固定的经营场所、完善的安全管理制度和健全的经营方案；"
    "企业主要负责人、安全生产管理人员以及运行、维护和抢修人员经专业培训并考核合格。",
    legal=(20, W),
    promised=(10, W),
    result=("证照", "燃气经营许可证"),
    tol=10,
    kw=["燃气许可", "燃气经营"],
    mats=[
        form(
            "燃气经营许可申请书",
            "经营类别、经营区域、供应规模填写完整；加盖申请企业公章",
            "《燃气经营许可管理办法》第六条",
        ),
        license_(),
        M(
            "燃气气源证明",
            ["original", "copy"],
            "与气源供应企业签订的供用气合同或意向书，期限不少于一年",
            "《燃气经营许可管理办法》第五条",
        ),
        M(
            "燃气设施工程竣工验收合格证明",
            ["copy"],
            "储气、输配、供应设施竣工验收合格，已办理竣工验收备案",
            "《城镇燃气管理条例》第十五条",
            ea=True,
            src="government",
        ),
        M(
            "固定经营场所产权证明或使用证明",
            ["original", "copy"],
            "不动产权证书或租赁合同，租赁期限不少于一年",
            "《燃气经营许可管理办法》第五条",
            commit=True,
            notes="可签署《经营场所合法使用承诺书》替代，由审批部门核查",
        ),
        M(
            "安全管理制度文本",
            ["original"],
            "包括安全生产责任制、设施运行维护、安全检查和隐患整改、用户安全用气宣传等制度",
            "《燃气经营许可管理办法》第五条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在10个工作日内补交",
        ),
        M(
            "经营方案",
            ["original"],
            "包括经营区域、供应规模、用户发展计划及服务承诺",
            "《燃气经营许可管理办法》第五条",
        ),
        M(
            "主要负责人、安全生产管理人员及运行维护抢修人员考核合格证明",
            ["copy"],
            "燃气从业人员专业培训考核合格证书，人数满足经营规模要求",
            "《城镇燃气管理条例》第十五条",
            ea=True,
            src="government",
        ),
        M("燃气事故应急预案及备案证明", ["copy"], "应急预案已向燃气管理部门备案", "《城镇燃气管理条例》"),
        auth(),
        agent_id(),
    ],
)

I(
    domain="经营许可与市政",
    seq=241,
    name="公共场所卫生许可",
    business="新设",
    type="行政许可",
    body="SPJ",
    dept="示例市卫生健康委员会",
    basis="《公共场所卫生管理条例》第八条；《公共场所卫生管理条例实施细则》（原卫生部令第80号，2017年修正）第二十二条、第二十三条",
    obj=ORG,
    conditions="申请住宿、沐浴、美容美发、游泳等须经卫生许可的公共场所；场所布局、卫生设施符合卫生标准和规范；"
    "从业人员取得健康合格证明；已建立卫生管理制度。",
    legal=(20, W),
    promised=(5, W),
    result=("证照", "公共场所卫生许可证"),
    tol=20,
    kw=["卫生许可证", "美容美发", "酒店住宿"],
    mats=[
        form(
            "公共场所卫生许可申请表",
            "场所名称、地址、面积、经营项目与营业执照一致；加盖公章",
            "《公共场所卫生管理条例实施细则》第二十二条",
        ),
        license_(),
        legal_rep_id(),
        M(
            "公共场所地址方位示意图、平面图和卫生设施平面布局图",
            ["original"],
            "标明场所功能分区、消毒间、布草间、通风设施等，与实际相符",
            "《公共场所卫生管理条例实施细则》第二十二条",
        ),
        M(
            "公共场所卫生检测或评价报告",
            ["original"],
            "由具备资质的检测机构出具，检测项目覆盖空气、微小气候、水质、采光照明、公共用品用具等",
            "《公共场所卫生管理条例实施细则》第二十二条",
            nec="tolerable",
            commit=True,
            notes="实行告知承诺制：签署承诺书的可先发证，须在20个工作日内补交检测报告",
        ),
        M(
            "公共场所卫生管理制度",
            ["original"],
            "包括卫生管理组织、从业人员健康管理、公共用品用具清洗消毒、卫生检测等制度",
            "《公共场所卫生管理条例实施细则》第七条",
        ),
        M(
            "从业人员健康合格证明",
            ["copy"],
            "直接为顾客服务的从业人员健康合格证明，在有效期内",
            "《公共场所卫生管理条例》第七条",
            ea=True,
        ),
        M(
            "经营场所使用证明",
            ["copy"],
            "不动产权证书或租赁合同复印件，地址与申请一致",
            B_XK,
            commit=True,
            notes="可签署经营场所合法使用承诺书替代",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="经营许可与市政",
    seq=245,
    name="城市道路占用挖掘许可",
    business="新设",
    type="行政许可",
    body="SPJ",
    dept="示例市城市管理局",
    basis="《城市道路管理条例》第二十九条、第三十条、第三十一条、第三十三条",
    obj=BOTH,
    conditions="因工程建设确需占用或挖掘城市道路；已取得规划等批准文件；影响交通安全的已征得公安交通管理部门同意；"
    "新建、扩建、改建城市道路交付使用后5年内、大修后3年内原则上不得挖掘。",
    legal=(20, W),
    promised=(5, W),
    result=("批文", "城市道路占用挖掘许可决定书"),
    tol=5,
    kw=["占道", "挖掘道路", "临时占道"],
    mats=[
        form(
            "城市道路占用挖掘申请表",
            "写明占用（挖掘）位置、面积、期限和用途；单位申请的加盖公章",
            "《城市道路管理条例》第三十条",
        ),
        license_(),
        person_id(),
        M(
            "占用（挖掘）位置平面图及施工方案",
            ["original"],
            "标明占用或挖掘范围、尺寸、围挡设置和道路恢复方案",
            "《城市道路管理条例》第三十条",
        ),
        M(
            "规划或建设项目批准文件",
            ["copy"],
            "挖掘城市道路的须提交城市规划部门批准签发的文件和有关设计文件",
            "《城市道路管理条例》第三十条",
            ea=True,
            src="government",
        ),
        M(
            "公安交通管理部门意见",
            ["copy"],
            "同意占用或挖掘的书面意见，期限覆盖申请期限",
            "《城市道路管理条例》第三十一条",
            ea=True,
            nec="optional",
            src="government",
            notes="影响交通安全的提交，可由审批部门并联征求意见",
        ),
        M(
            "施工安全文明保证措施及交通组织方案",
            ["original"],
            "包括围挡、警示标志、夜间照明、交通疏导措施",
            "《城市道路管理条例》第三十四条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交",
        ),
        auth(),
        agent_id(),
    ],
)

# ==========================================================================
# 5. 企业开办（市场监管、公安、银行、社保、公积金、税务）
# ==========================================================================
P_QY = "企业登记"
I(
    domain="企业开办",
    seq=301,
    sub=1,
    name="企业设立登记（有限责任公司）",
    parent=P_QY,
    business="新设",
    type="行政许可",
    body="SCJG",
    basis="《中华人民共和国公司法》第二十九条、第三十条；《中华人民共和国市场主体登记管理条例》第十六条、第十九条；"
    "《中华人民共和国市场主体登记管理条例实施细则》第二十五条、第二十六条",
    obj=BOTH,
    conditions="有符合公司法规定的股东和公司章程；有公司名称，建立符合要求的组织机构；有公司住所；"
    "法律、行政法规规定设立公司须经批准的，已取得批准文件。",
    legal=(3, W),
    promised=(1, W),
    result=("证照", "营业执照"),
    hours=HOURS_SAT,
    kw=["公司注册", "企业开办", "营业执照"],
    mats=[
        form(
            "公司登记（备案）申请书",
            "名称、住所、注册资本、经营范围、股东出资信息、董事监事经理及联络员、财务负责人信息填写完整；"
            "法定代表人签名",
            "《中华人民共和国市场主体登记管理条例》第十六条",
            notes="可通过企业开办“一网通办”平台在线填报",
        ),
        M(
            "公司章程",
            ["original"],
            "载明公司法第四十六条规定的事项；全体股东签名（盖章）；出资额、出资方式和出资期限符合公司法规定（五年内缴足）",
            "《中华人民共和国公司法》第四十五条、第四十六条、第四十七条",
        ),
        M(
            "自然人股东身份证件复印件",
            ["copy"],
            "有效身份证件，正反面复印于同一页，与章程载明的股东一致",
            "《中华人民共和国市场主体登记管理条例实施细则》第二十六条",
            ea=True,
            cond="person",
            notes="通过实名认证系统核验的免于提交",
        ),
        license_(
            title="法人股东主体资格证明", basis="《中华人民共和国市场主体登记管理条例实施细则》第二十六条"
        ),
        M(
            "法定代表人、董事、监事、经理的任职文件",
            ["original"],
            "股东会决议或股东决定，按章程规定的程序产生，签名（盖章）齐全",
            "《中华人民共和国市场主体登记管理条例实施细则》第二十六条",
        ),
        M(
            "法定代表人、董事、监事、经理的身份证件复印件",
            ["copy"],
            "有效身份证件复印件；不存在公司法第一百七十八条规定的不得担任情形",
            "《中华人民共和国市场主体登记管理条例实施细则》第二十六条",
            ea=True,
        ),
        M(
            "住所使用相关文件",
            ["copy"],
            "不动产权证书或租赁合同复印件，地址与申请书一致，用途不得为住宅（另有规定的除外）",
            "《中华人民共和国市场主体登记管理条例》第十一条",
            commit=True,
            notes="实行住所申报承诺制，可签署《住所（经营场所）申报承诺书》替代",
        ),
        M(
            "企业名称自主申报告知书",
            ["electronic"],
            "通过名称自主申报系统提交，名称与申请书一致",
            "《企业名称登记管理规定》第十五条",
            ea=True,
            src="government",
        ),
        M(
            "受益所有人信息",
            ["electronic"],
            "在线填报受益所有人姓名、身份证件、受益所有权形成方式及比例",
            "《受益所有人信息管理办法》（中国人民银行 国家市场监督管理总局令〔2024〕第3号）",
            ea=True,
            nec="optional",
            notes="注册资本不超过1000万元且股东均为境内自然人的，可承诺免于报送",
        ),
        M(
            "前置审批许可文件",
            ["original", "copy"],
            "法律、行政法规规定设立须经批准的，提交有关批准文件，在有效期内",
            "《中华人民共和国市场主体登记管理条例》第十六条",
            nec="optional",
            notes="仅经营范围涉及前置许可的提交",
        ),
        auth(
            basis="《中华人民共和国市场主体登记管理条例实施细则》第二十五条；《中华人民共和国民法典》第一百六十五条"
        ),
        agent_id(),
    ],
)

I(
    domain="企业开办",
    seq=301,
    sub=2,
    name="企业变更登记",
    parent=P_QY,
    business="变更",
    type="行政许可",
    body="SCJG",
    basis="《中华人民共和国市场主体登记管理条例》第二十四条、第二十五条；《中华人民共和国市场主体登记管理条例实施细则》第三十一条",
    obj=ORG,
    conditions="企业登记事项发生变更，自作出变更决议、决定或法定变更事项发生之日起30日内申请；依法须经批准的已取得批准文件。",
    legal=(3, W),
    promised=(1, W),
    result=("证照", "营业执照"),
    kw=["变更法人", "变更地址", "增资"],
    mats=[
        form(
            "变更登记申请书",
            "变更事项、变更前后内容填写清楚，法定代表人签名",
            "《中华人民共和国市场主体登记管理条例》第二十四条",
        ),
        M(
            "营业执照正、副本",
            ["original"],
            "原件收回换发；领取电子营业执照的无需提交",
            B_ZZ,
            ea=True,
            cond="organization",
            src="e_license",
        ),
        M(
            "变更决议或决定",
            ["original"],
            "股东会决议或股东决定，表决程序和比例符合章程规定，签名（盖章）齐全",
            "《中华人民共和国市场主体登记管理条例实施细则》第三十一条",
        ),
        M(
            "修改后的公司章程或章程修正案",
            ["original"],
            "涉及章程修改的提交；法定代表人签名",
            "《中华人民共和国市场主体登记管理条例实施细则》第三十一条",
        ),
        M(
            "新住所使用相关文件",
            ["copy"],
            "不动产权证书或租赁合同复印件，地址与申请书一致",
            "《中华人民共和国市场主体登记管理条例》第十一条",
            nec="optional",
            commit=True,
            notes="变更住所的提交，可签署住所申报承诺书替代",
        ),
        M(
            "新任法定代表人、董事、监事、经理的任职文件及身份证件复印件",
            ["original", "copy"],
            "任免程序符合章程规定；身份证件在有效期内",
            "《中华人民共和国市场主体登记管理条例实施细则》第三十一条",
            nec="optional",
            notes="变更法定代表人或董事、监事、经理的提交",
        ),
        auth(
            basis="《中华人民共和国市场主体登记管理条例实施细则》第二十五条；《中华人民共和国民法典》第一百六十五条"
        ),
        agent_id(),
    ],
)

I(
    domain="企业开办",
    seq=301,
    sub=3,
    name="企业注销登记",
    parent=P_QY,
    business="注销",
    type="行政许可",
    body="SCJG",
    basis="《中华人民共和国公司法》第二百三十九条；《中华人民共和国市场主体登记管理条例》第三十一条、第三十二条；"
    "《中华人民共和国市场主体登记管理条例实施细则》第四十四条",
    obj=ORG,
    conditions="企业已依法清算完毕，清算组已通过国家企业信用信息公示系统公告债权人满45日；已清缴税款并结清社会保险费；"
    "无未办结的行政处罚、未了结的债权债务。",
    legal=(3, W),
    promised=(1, W),
    result=("其他", "准予注销登记通知书"),
    kw=["公司注销", "清算注销"],
    mats=[
        form(
            "注销登记申请书",
            "法定代表人或清算组负责人签名，注销原因填写明确",
            "《中华人民共和国市场主体登记管理条例》第三十二条",
        ),
        M(
            "营业执照正、副本",
            ["original"],
            "原件收缴；遗失的在国家企业信用信息公示系统发布作废声明",
            B_ZZ,
            ea=True,
            cond="organization",
            src="e_license",
        ),
        M(
            "依法作出解散的决议或决定",
            ["original"],
            "股东会决议或股东决定，表决比例符合公司法和章程规定",
            "《中华人民共和国公司法》第二百二十九条",
        ),
        M(
            "经确认的清算报告",
            ["original"],
            "清算组成员签名，经股东会或人民法院确认，载明债权债务已清理完毕",
            "《中华人民共和国公司法》第二百三十九条",
        ),
        M(
            "清税信息",
            ["electronic"],
            "税务部门出具的清税证明或清税信息共享结果",
            "《中华人民共和国市场主体登记管理条例实施细则》第四十五条",
            ea=True,
            src="government",
            notes="通过部门信息共享核验，无需提交纸质清税证明",
        ),
        M(
            "清算组备案及债权人公告信息",
            ["electronic"],
            "已通过国家企业信用信息公示系统备案清算组并发布债权人公告满45日",
            "《中华人民共和国公司法》第二百三十五条",
            ea=True,
            src="government",
        ),
        auth(
            basis="《中华人民共和国市场主体登记管理条例实施细则》第二十五条；《中华人民共和国民法典》第一百六十五条"
        ),
        agent_id(),
    ],
)

P_GT = "个体工商户登记"
I(
    domain="企业开办",
    seq=305,
    sub=1,
    name="个体工商户设立登记",
    parent=P_GT,
    business="新设",
    type="行政许可",
    body="SCJG",
    basis="《促进个体工商户发展条例》；《中华人民共和国市场主体登记管理条例》第八条、第十九条；"
    "《中华人民共和国市场主体登记管理条例实施细则》第二十八条",
    obj=PER,
    conditions="有经营能力的自然人或家庭；有经营场所；经营范围不属于法律法规禁止的项目，须经前置许可的已取得许可。",
    legal=(3, W),
    promised=(0, W),
    result=("证照", "营业执照"),
    hours=HOURS_SAT,
    scope="全市通办；可在街道（乡镇）便民服务中心就近办",
    kw=["个体户", "个体执照", "小店开业"],
    mats=[
        form(
            "个体工商户登记（备案）申请书",
            "名称（可不使用名称）、经营者、经营场所、经营范围填写完整，经营者签名",
            "《中华人民共和国市场主体登记管理条例实施细则》第二十八条",
        ),
        person_id(title="经营者身份证明"),
        M(
            "经营场所使用证明",
            ["copy"],
            "不动产权证书或租赁合同复印件，地址具体到门牌号",
            "《中华人民共和国市场主体登记管理条例》第十一条",
            commit=True,
            notes="可签署《住所（经营场所）申报承诺书》替代",
        ),
        M(
            "家庭经营的家庭成员关系证明",
            ["copy"],
            "居民户口簿或结婚证等能证明家庭成员关系的材料",
            "《中华人民共和国市场主体登记管理条例实施细则》第二十八条",
            nec="optional",
            notes="以家庭形式经营的提交",
        ),
        M(
            "前置审批许可文件",
            ["original", "copy"],
            "经营项目依法须经批准的提交，在有效期内",
            "《中华人民共和国市场主体登记管理条例》第十六条",
            nec="optional",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="企业开办",
    seq=305,
    sub=2,
    name="个体工商户注销登记",
    parent=P_GT,
    business="注销",
    type="行政许可",
    body="SCJG",
    basis="《中华人民共和国市场主体登记管理条例》第三十一条、第三十三条；《促进个体工商户发展条例》",
    obj=PER,
    conditions="个体工商户已清缴税款，无未结清的债务或已承诺对债务承担责任，无被吊销营业执照等限制注销情形。",
    legal=(3, W),
    promised=(0, W),
    result=("其他", "准予注销登记通知书"),
    kw=["个体户注销", "简易注销"],
    mats=[
        form(
            "个体工商户注销登记申请书",
            "经营者签名，注销原因明确",
            "《中华人民共和国市场主体登记管理条例》第三十二条",
        ),
        person_id(title="经营者身份证明"),
        M(
            "营业执照正、副本",
            ["original"],
            "原件收缴；遗失的在国家企业信用信息公示系统声明作废",
            B_ZZ,
            ea=True,
            src="e_license",
        ),
        M(
            "清税信息",
            ["electronic"],
            "税务部门清税信息共享结果；未办理过涉税事宜的由系统自动确认",
            "《中华人民共和国市场主体登记管理条例实施细则》第四十五条",
            ea=True,
            src="government",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="企业开办",
    seq=312,
    name="公章刻制备案",
    type="行政备案",
    body="GA",
    basis="《国务院关于第二批取消152项中央指定地方实施行政审批事项的决定》（国发〔2016〕9号）；《印铸刻字业暂行管理规则》",
    obj=ORG,
    conditions="已依法登记的企业、事业单位、社会组织等首次刻制或增刻、补刻公章、财务专用章、发票专用章等印章。",
    legal=(1, W),
    promised=(0, W),
    result=("其他", "印章刻制备案回执"),
    hours=HOURS_SAT,
    kw=["刻章", "公章", "印章备案"],
    mats=[
        license_(),
        legal_rep_id(),
        form(
            "印章刻制备案表",
            "印章名称与单位名称一致，印章种类、枚数填写完整；加盖单位公章或法定代表人签名",
            "《国务院关于第二批取消152项中央指定地方实施行政审批事项的决定》（国发〔2016〕9号）",
            notes="企业开办“一网通办”已同步填报的，窗口直接打印签字",
        ),
        M(
            "原印章作废声明",
            ["original"],
            "补刻、换刻印章的提交原印章遗失或作废声明",
            "《印铸刻字业暂行管理规则》",
            nec="optional",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="企业开办",
    seq=318,
    name="基本存款账户开户信息备案",
    type="行政备案",
    body="RMYH",
    basis="《人民币银行结算账户管理办法》（中国人民银行令〔2003〕第5号）；《中国人民银行关于取消企业银行账户许可的通知》（银发〔2019〕41号）",
    obj=ORG,
    conditions="境内依法设立的企业法人、非法人企业、个体工商户开立基本存款账户；开户银行已完成开户意愿核实和尽职调查。",
    legal=(2, W),
    promised=(0, W),
    result=("其他", "基本存款账户信息"),
    hours=HOURS_SAT,
    kw=["银行开户", "基本户", "开户备案"],
    mats=[
        license_(),
        M(
            "法定代表人（单位负责人）身份证件",
            ["original", "copy"],
            "原件核验，复印件留存开户银行；法定代表人本人到场或通过视频方式核实开户意愿",
            "《人民币银行结算账户管理办法》第二十二条",
            ea=True,
        ),
        form(
            "开立单位银行结算账户申请书",
            "账户性质选择“基本存款账户”，加盖单位公章",
            "《人民币银行结算账户管理办法》第二十二条",
            notes="由开户银行提供格式文本",
        ),
        M(
            "预留银行签章（预留印鉴卡）",
            ["original"],
            "加盖单位公章或财务专用章及法定代表人名章，印鉴清晰",
            "《人民币银行结算账户管理办法》第二十二条",
        ),
        M(
            "受益所有人信息",
            ["original"],
            "开户银行尽职调查所需的受益所有人识别表",
            "《受益所有人信息管理办法》（中国人民银行 国家市场监督管理总局令〔2024〕第3号）",
            nec="optional",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="企业开办",
    seq=321,
    name="单位社会保险登记",
    business="新设",
    type="公共服务",
    body="SB",
    dept="示例市人力资源和社会保障局",
    basis="《中华人民共和国社会保险法》第五十七条；《社会保险费征缴暂行条例》第七条",
    obj=ORG,
    conditions="用人单位自成立之日起30日内申请办理社会保险登记；已通过企业开办平台同步办理的无需重复申请。",
    legal=(15, N),
    promised=(0, W),
    result=("其他", "社会保险登记信息（单位参保编号）"),
    kw=["社保开户", "单位参保", "社保登记"],
    mats=[
        form(
            "社会保险登记表（单位）",
            "单位名称、统一社会信用代码、地址、参保险种填写完整，加盖公章",
            "《中华人民共和国社会保险法》第五十七条",
        ),
        license_(),
        legal_rep_id(),
        M(
            "单位银行结算账户信息",
            ["copy"],
            "基本存款账户信息或开户回执，账户名称与单位名称一致",
            "《社会保险费征缴暂行条例》第七条",
            ea=True,
            src="government",
            notes="已通过企业开办平台共享的，无需提交",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="企业开办",
    seq=325,
    name="住房公积金单位缴存登记",
    business="新设",
    type="公共服务",
    body="GJJ",
    basis="《住房公积金管理条例》第十四条、第十五条",
    obj=ORG,
    conditions="新设立的单位应当自设立之日起30日内办理住房公积金缴存登记，并自登记之日起20日内为本单位职工办理个人账户设立手续。",
    legal=(5, W),
    promised=(1, W),
    result=("其他", "住房公积金单位登记号"),
    kw=["公积金开户", "单位缴存"],
    mats=[
        form(
            "住房公积金单位缴存登记表",
            "单位名称、经办人、缴存比例（5%-12%）、缴存日期填写完整，加盖公章",
            "《住房公积金管理条例》第十四条",
        ),
        license_(),
        legal_rep_id(),
        M(
            "职工名册及缴存基数明细表",
            ["original"],
            "列明职工姓名、身份证号码、上年度月平均工资，加盖公章；同时提交Excel电子版",
            "《住房公积金管理条例》第十五条、第十六条",
        ),
        M(
            "单位银行结算账户信息",
            ["copy"],
            "账户名称与单位名称一致",
            "《住房公积金管理条例》第十四条",
            ea=True,
            nec="optional",
            src="government",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="企业开办",
    seq=331,
    name="首次申领增值税发票",
    parent="发票领用",
    business="新设",
    type="其他行政权力",
    body="SW",
    basis="《中华人民共和国税收征收管理法》第二十一条；《中华人民共和国发票管理办法》第十五条；《中华人民共和国发票管理办法实施细则》",
    obj=ORG,
    conditions="已完成新办纳税人信息确认和实名办税信息采集；已开通电子发票服务平台；无税务违法未处理记录。",
    legal=(5, W),
    promised=(0, W),
    result=("其他", "发票票种核定及发票额度"),
    visits=0,
    delivery=True,
    contact=None,
    kw=["领发票", "数电发票", "票种核定"],
    mats=[
        form(
            "发票领用表",
            "发票种类、数量或开票额度填写明确；加盖单位公章",
            "《中华人民共和国发票管理办法》第十五条",
            notes="可在电子税务局在线提交",
        ),
        license_(),
        M(
            "法定代表人（负责人）身份证件",
            ["original"],
            "实名办税信息采集时核验，原件核验后退还",
            "《中华人民共和国发票管理办法》第十五条",
            ea=True,
            copies=0,
            notes="已完成实名认证的免于提交",
        ),
        auth(basis="《中华人民共和国税收征收管理法实施细则》；《中华人民共和国民法典》第一百六十五条"),
        agent_id(),
    ],
)

I(
    domain="企业开办",
    seq=332,
    name="税务信息确认",
    type="公共服务",
    body="SW",
    basis="《中华人民共和国税收征收管理法》第十五条；《税务登记管理办法》（国家税务总局令第7号）；"
    "《国家税务总局关于落实“三证合一”登记制度改革的通知》（税总函〔2015〕482号）",
    obj=ORG,
    conditions="已领取加载统一社会信用代码营业执照的新办纳税人，首次办理涉税事宜时确认登记信息、补充涉税信息。",
    legal=(1, W),
    promised=(0, W),
    result=("其他", "税务登记信息确认结果"),
    visits=0,
    appointment=False,
    kw=["新办纳税人", "一照一码", "税务登记"],
    mats=[
        license_(),
        M(
            "法定代表人、财务负责人、办税人员身份信息",
            ["electronic"],
            "在电子税务局完成实名认证，联系方式真实有效",
            "《中华人民共和国税收征收管理法》第十五条",
            ea=True,
        ),
        M(
            "存款账户账号报告",
            ["electronic"],
            "开立基本存款账户的，自开立之日起15日内报告账号",
            "《中华人民共和国税收征收管理法》第十七条",
            ea=True,
            nec="optional",
        ),
        M(
            "财务会计制度及核算软件备案信息",
            ["electronic"],
            "选择适用的会计制度，填报核算软件名称和版本",
            "《中华人民共和国税收征收管理法》第二十条",
            ea=True,
            nec="optional",
        ),
        auth(basis="《中华人民共和国税收征收管理法实施细则》；《中华人民共和国民法典》第一百六十五条"),
        agent_id(),
    ],
)

# ==========================================================================
# 6. 经营许可（市场监管）
# ==========================================================================
P_SP = "食品经营许可"
B_SP = "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》（国家市场监督管理总局令第78号）第二章"
I(
    domain="经营许可与市政",
    seq=401,
    biz=1,
    name="食品经营许可（新办）",
    parent=P_SP,
    business="新设",
    type="行政许可",
    body="SCJG",
    basis=B_SP,
    obj=ORG,
    conditions="已取得营业执照等主体资格；具有与经营的食品品种、数量相适应的经营场所和设备设施；有专职或兼职的食品安全管理人员和保证食品安全的规章制度；"
    "具有合理的设备布局和工艺流程。",
    legal=(10, W),
    promised=(5, W),
    result=("证照", "食品经营许可证"),
    tol=5,
    kw=["食品许可", "餐饮许可", "食品经营许可证"],
    mats=[
        form(
            "食品经营许可申请书",
            "经营主体业态、经营项目、经营场所填写完整，与营业执照一致；加盖公章或经营者签名",
            "《食品经营许可和备案管理办法》第二章",
        ),
        license_(),
        legal_rep_id(),
        M(
            "食品安全管理人员任命文件及身份证件复印件",
            ["original"],
            "载明食品安全管理人员姓名、职责，加盖公章；附其身份证件复印件",
            "《中华人民共和国食品安全法》第三十三条",
        ),
        M(
            "主要设备设施清单",
            ["original"],
            "列明冷藏冷冻、加工、清洗消毒、防蝇防鼠等设备名称、数量，与经营项目相适应",
            "《中华人民共和国食品安全法》第三十三条",
        ),
        M(
            "经营布局和操作流程",
            ["original"],
            "经营场所平面布局图标明各功能区及面积；餐饮服务提供加工操作流程图，生熟分开、流程合理",
            "《中华人民共和国食品安全法》第三十三条",
        ),
        M(
            "保证食品安全的规章制度目录",
            ["original"],
            "包括食品安全自查、从业人员健康管理、进货查验记录、食品安全事故处置等制度目录",
            "《中华人民共和国食品安全法》第三十三条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交",
        ),
        M(
            "经营场所使用证明",
            ["copy"],
            "不动产权证书或租赁合同复印件，地址与营业执照一致",
            B_XK,
            commit=True,
            notes="可签署经营场所合法使用承诺书替代",
        ),
        M(
            "自动售货设备产品合格证明及放置地点说明",
            ["copy"],
            "利用自动售货设备从事食品销售的提交设备合格证明、具体放置地点及经营者联系方式公示方法",
            "《食品经营许可和备案管理办法》第二章",
            nec="optional",
        ),
        M(
            "特殊食品销售专区（专柜）设置说明",
            ["original"],
            "销售保健食品、特殊医学用途配方食品、婴幼儿配方乳粉的提交专区设置位置及标识说明",
            "《中华人民共和国食品安全法》第七十四条",
            nec="optional",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="经营许可与市政",
    seq=401,
    biz=2,
    name="食品经营许可（变更）",
    parent=P_SP,
    business="变更",
    type="行政许可",
    body="SCJG",
    basis=B_SP,
    obj=ORG,
    conditions="食品经营许可证载明的许可事项发生变化，在变化后10个工作日内申请变更；经营场所迁址的应重新申请许可。",
    legal=(10, W),
    promised=(3, W),
    result=("证照", "食品经营许可证"),
    kw=["食品许可变更"],
    mats=[
        form(
            "食品经营许可变更申请书",
            "变更事项及变更前后内容填写明确；加盖公章或经营者签名",
            "《食品经营许可和备案管理办法》第二章",
        ),
        license_(),
        M(
            "食品经营许可证",
            ["original"],
            "正、副本原件收回换发；电子许可证由系统调取",
            "《食品经营许可和备案管理办法》第二章",
            ea=True,
            src="e_license",
        ),
        M(
            "与变更事项有关的材料",
            ["original"],
            "增加经营项目的提交相应设备设施清单和布局流程；变更食品安全管理人员的提交任命文件",
            "《食品经营许可和备案管理办法》第二章",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="经营许可与市政",
    seq=401,
    biz=3,
    name="食品经营许可（延续）",
    parent=P_SP,
    business="延续",
    type="行政许可",
    body="SCJG",
    basis=B_SP,
    obj=ORG,
    conditions="食品经营许可证有效期届满需继续经营的，在有效期届满前90个工作日至15个工作日期间提出延续申请。",
    legal=(10, W),
    promised=(3, W),
    result=("证照", "食品经营许可证"),
    kw=["食品许可延续", "到期换证"],
    mats=[
        form(
            "食品经营许可延续申请书",
            "加盖公章或经营者签名，声明经营条件未发生变化或说明变化情况",
            "《食品经营许可和备案管理办法》第二章",
        ),
        license_(),
        M(
            "食品经营许可证",
            ["original"],
            "在有效期内的许可证正、副本",
            "《食品经营许可和备案管理办法》第二章",
            ea=True,
            src="e_license",
        ),
        M(
            "经营条件变化情况说明",
            ["original"],
            "设备布局、工艺流程、主要设备设施发生变化的说明及相应材料",
            "《食品经营许可和备案管理办法》第二章",
            nec="optional",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="经营许可与市政",
    seq=401,
    biz=4,
    name="食品经营许可（注销）",
    parent=P_SP,
    business="注销",
    type="行政许可",
    body="SCJG",
    basis=B_SP,
    obj=ORG,
    conditions="终止食品经营、食品经营许可证被撤回撤销或营业执照被吊销等情形，应在30个工作日内申请注销。",
    legal=(10, W),
    promised=(0, W),
    result=("其他", "食品经营许可注销通知书"),
    kw=["食品许可注销"],
    mats=[
        form(
            "食品经营许可注销申请书",
            "加盖公章或经营者签名，注销原因明确",
            "《食品经营许可和备案管理办法》第二章",
        ),
        license_(),
        M(
            "食品经营许可证",
            ["original"],
            "正、副本原件收回；遗失的提交遗失说明",
            "《食品经营许可和备案管理办法》第二章",
            ea=True,
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="经营许可与市政",
    seq=410,
    name="药品经营许可证（零售）核发",
    business="新设",
    type="行政许可",
    body="SCJG",
    basis="《中华人民共和国药品管理法》第五十一条、第五十二条；《药品经营和使用质量监督管理办法》（国家市场监督管理总局令第84号）第二章",
    obj=ORG,
    conditions="有依法经过资格认定的药师或者其他药学技术人员；有与所经营药品相适应的营业场所、设备、仓储设施和卫生环境；"
    "有与所经营药品相适应的质量管理机构或人员；有保证药品质量的规章制度并符合药品经营质量管理规范。",
    legal=(20, W),
    promised=(10, W),
    result=("证照", "药品经营许可证"),
    tol=5,
    kw=["药店", "药品零售", "药品经营许可证"],
    mats=[
        form(
            "药品经营许可证申请表",
            "经营方式“药品零售”、经营范围、注册地址填写完整；加盖公章",
            "《药品经营和使用质量监督管理办法》第二章",
        ),
        license_(),
        M(
            "质量负责人执业药师注册证",
            ["copy"],
            "执业药师注册单位与申请企业一致，在有效期内",
            "《中华人民共和国药品管理法》第五十二条",
            ea=True,
            src="government",
            notes="可通过执业药师注册管理信息系统核验",
        ),
        M(
            "药学专业技术人员资格证书及聘用合同",
            ["copy"],
            "人员数量和资格满足经营范围要求，加盖公章",
            "《中华人民共和国药品管理法》第五十二条",
        ),
        M(
            "企业负责人、质量负责人无禁止从业情形的证明",
            ["original"],
            "无《中华人民共和国药品管理法》第一百一十八条、第一百二十二条等规定的禁止从事药品经营活动的情形",
            "《中华人民共和国药品管理法》第一百一十八条、第一百二十二条",
            commit=True,
            notes="可签署承诺书替代，由审批部门核查",
        ),
        M(
            "经营场所和仓库地址方位图、平面布局图",
            ["original"],
            "标明营业场所面积、功能分区、阴凉储存区域；经营场所与仓库设施符合药品经营质量管理规范",
            "《药品经营和使用质量监督管理办法》第二章",
        ),
        M(
            "经营场所、仓库产权证明或租赁合同",
            ["copy"],
            "地址与申请一致，租赁期限不少于一年",
            "《药品经营和使用质量监督管理办法》第二章",
            commit=True,
            notes="可签署经营场所合法使用承诺书替代",
        ),
        M(
            "主要设施设备目录",
            ["original"],
            "列明阴凉柜、冷藏设备、温湿度自动监测设备等名称和数量",
            "《药品经营质量管理规范》",
        ),
        M(
            "药品质量管理文件目录",
            ["original"],
            "包括质量管理制度、岗位职责、操作规程目录",
            "《药品经营质量管理规范》",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交",
        ),
        auth(),
        agent_id(),
    ],
)

# ==========================================================================
# 7. 个人事项
# ==========================================================================
I(
    domain="个人事项",
    seq=601,
    name="居民身份证换领",
    type="行政确认",
    body="GA",
    basis="《中华人民共和国居民身份证法》第五条、第八条、第十一条",
    obj=PER,
    conditions="居民身份证有效期满、登记项目变更或证件严重损坏不能辨认的，应当换领新证；申请人须本人到场采集人像和指纹信息。",
    legal=(60, N),
    promised=(20, N),
    fee=(
        "居民身份证工本费：换领每证20元；城乡低保对象等按规定减免",
        "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）",
    ),
    result=("证照", "中华人民共和国居民身份证"),
    visits=1,
    appointment=False,
    hours=HOURS_SAT,
    scope="全国通办（可跨省异地换领）",
    kw=["身份证到期", "换身份证"],
    mats=[
        M(
            "居民户口簿",
            ["original"],
            "原件核验后退还；本人户口登记项目与申领信息一致；异地换领的可不提交，由系统核验户籍信息",
            "《中华人民共和国居民身份证法》第八条",
            copies=0,
            cond="person",
        ),
        M(
            "原居民身份证",
            ["original"],
            "原件收回；领取新证时交回原证",
            "《中华人民共和国居民身份证法》第十一条",
        ),
        M(
            "本人近期免冠数字相片",
            ["electronic"],
            "现场免费采集；或提交具有资质照相馆出具的数字相片回执，符合居民身份证照相标准",
            "《中华人民共和国居民身份证法》第八条",
            ea=True,
        ),
        form(
            "居民身份证申领登记表",
            "窗口打印，申请人核对信息后本人签名；指纹信息现场采集",
            "《中华人民共和国居民身份证法》第八条",
            notes="窗口现场打印，无需提前准备",
        ),
    ],
)

I(
    domain="个人事项",
    seq=605,
    name="户口迁移（市外迁入）",
    parent="户口迁移",
    type="行政确认",
    body="GA",
    basis="《中华人民共和国户口登记条例》第十条、第十三条；《国务院关于进一步推进户籍制度改革的意见》（国发〔2014〕25号）",
    obj=PER,
    conditions="符合本市落户政策：具有全日制大专以上学历、在本市有合法稳定住所或合法稳定就业并依法参加社会保险；"
    "或属夫妻投靠、父母投靠子女、未成年子女投靠父母等情形。",
    legal=(20, W),
    promised=(5, W),
    result=("证照", "居民户口簿"),
    scope="全市通办；跨省迁移“一站式”办理",
    kw=["落户", "迁户口", "人才落户"],
    mats=[
        form(
            "户口迁移申请表",
            "迁出地、迁入地详细地址及迁移人员信息填写完整，申请人签名",
            "《中华人民共和国户口登记条例》第十条",
        ),
        person_id(),
        M(
            "居民户口簿",
            ["original"],
            "原件核验后退还；迁移人员户籍信息与户口簿一致",
            "《中华人民共和国户口登记条例》第十条",
            copies=0,
        ),
        M(
            "学历证明",
            ["copy"],
            "全日制大专以上毕业证书复印件；可通过学信网电子注册备案表核验",
            "《国务院关于进一步推进户籍制度改革的意见》（国发〔2014〕25号）",
            ea=True,
            commit=True,
            notes="可签署学历证明承诺书，由公安机关通过学信网核查",
        ),
        M(
            "合法稳定住所证明",
            ["copy"],
            "不动产权证书或经备案的房屋租赁合同复印件；落户地址具体到门牌号",
            "《国务院关于进一步推进户籍制度改革的意见》（国发〔2014〕25号）",
            ea=True,
            commit=True,
            notes="可签署住所承诺书替代，由社区民警核查",
        ),
        M(
            "就业及社会保险缴纳证明",
            ["electronic"],
            "在本市依法参加城镇职工社会保险的缴费记录",
            "《国务院关于进一步推进户籍制度改革的意见》（国发〔2014〕25号）",
            ea=True,
            src="government",
            notes="通过人社部门信息共享核验，以学历落户的无需提交",
        ),
        M(
            "随迁人员关系证明",
            ["original", "copy"],
            "配偶随迁提交结婚证，子女随迁提交出生医学证明",
            "《中华人民共和国户口登记条例》第十三条",
            ea=True,
            nec="optional",
            notes="有随迁配偶或子女的提交",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="个人事项",
    seq=606,
    name="出生登记",
    type="行政确认",
    body="GA",
    basis="《中华人民共和国户口登记条例》第七条；《国务院办公厅关于解决无户口人员登记户口问题的意见》（国办发〔2015〕96号）",
    obj=PER,
    conditions="婴儿出生后一个月以内，由户主、亲属、抚养人或邻居向婴儿常住地户口登记机关申报出生登记；可随父或随母落户。",
    legal=(3, W),
    promised=(0, W),
    result=("证照", "居民户口簿（出生登记页）"),
    scope="全市通办；可通过“出生一件事”联办",
    kw=["新生儿落户", "上户口", "出生一件事"],
    mats=[
        M(
            "出生医学证明",
            ["original"],
            "原件核验后退还；新生儿姓名、出生日期、父母信息与申报一致",
            "《中华人民共和国户口登记条例》第七条",
            ea=True,
            copies=0,
            src="e_license",
            notes="已签发电子出生医学证明的无需提交纸质件",
        ),
        M(
            "父母居民户口簿",
            ["original"],
            "随父或随母落户一方的户口簿原件",
            "《中华人民共和国户口登记条例》第七条",
            copies=0,
        ),
        person_id(title="父母居民身份证"),
        M(
            "父母结婚证",
            ["original", "copy"],
            "结婚证原件核验后退还；非婚生育的无需提交",
            "《国务院办公厅关于解决无户口人员登记户口问题的意见》（国办发〔2015〕96号）",
            ea=True,
            nec="optional",
            commit=True,
            notes="可通过民政婚姻登记信息共享核验，或签署婚姻状况承诺书",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="个人事项",
    seq=608,
    name="居住证申领",
    type="公共服务",
    body="GA",
    basis="《居住证暂行条例》第二条、第九条、第十条、第十一条",
    obj=PER,
    conditions="离开常住户口所在地，在本市居住半年以上，符合有合法稳定就业、合法稳定住所、连续就读条件之一的。",
    legal=(15, N),
    promised=(10, N),
    result=("证照", "示例市居住证"),
    hours=HOURS_SAT,
    scope="就近办（居住地公安派出所或社区服务机构）",
    kw=["居住证", "流动人口"],
    mats=[
        form("居住证申领登记表", "居住地址、就业或就读信息填写完整，申请人签名", "《居住证暂行条例》第十条"),
        person_id(),
        M(
            "本人近期免冠相片",
            ["electronic"],
            "现场免费采集，或提交符合居民身份证照相标准的数字相片回执",
            "《居住证暂行条例》第十条",
            ea=True,
        ),
        M(
            "居住地住址证明",
            ["copy"],
            "不动产权证书、房屋租赁合同或单位、学校出具的住宿证明；已办理居住登记满半年",
            "《居住证暂行条例》第十条",
            ea=True,
            commit=True,
            notes="可签署居住地址承诺书，由社区民警核查",
        ),
        M(
            "就业或就读证明",
            ["copy"],
            "劳动合同、营业执照或学校出具的在读证明",
            "《居住证暂行条例》第九条、第十条",
            ea=True,
            nec="optional",
            notes="以合法稳定就业或连续就读申领的提交",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="个人事项",
    seq=611,
    name="普通护照签发",
    business="新设",
    type="行政许可",
    body="CRJ",
    dept="示例市公安局",
    basis="《中华人民共和国护照法》第五条、第六条；《中华人民共和国出境入境管理法》第九条",
    obj=PER,
    conditions="中国公民因前往外国定居、探亲、学习、就业、旅行、从事商务活动等非公务原因出国；本人到场申请并采集指纹；"
    "不属于护照法第十三条规定不予签发的情形。",
    legal=(15, W),
    promised=(7, W),
    fee=(
        "普通护照：每本120元",
        "《国家发展改革委 财政部关于降低部分行政事业性收费标准的通知》（发改价格〔2019〕914号）",
    ),
    result=("证照", "中华人民共和国普通护照"),
    visits=1,
    hours="周一至周六 上午9:00-12:00 下午13:30-17:00（法定节假日除外）",
    scope="全国通办",
    kw=["办护照", "出国", "出入境证件"],
    mats=[
        form(
            "中国公民出入境证件申请表",
            "现场填写或通过移民局政务服务平台预填后打印，申请人签名",
            "《中华人民共和国护照法》第五条",
            notes="窗口自助设备可免费打印",
        ),
        person_id(title="居民身份证", basis="《中华人民共和国护照法》第五条"),
        M(
            "近期免冠彩色证件照",
            ["electronic"],
            "现场免费采集，符合出入境证件相片标准",
            "《中华人民共和国护照法》第五条",
            ea=True,
        ),
        M(
            "登记备案国家工作人员所在单位意见",
            ["original"],
            "按干部管理权限由审批单位出具的同意出国（境）意见，加盖印章",
            "《中华人民共和国护照法》第五条",
            nec="optional",
            notes="列入登记备案的国家工作人员提交",
        ),
        M(
            "监护人身份证明及监护关系证明",
            ["original", "copy"],
            "未满16周岁的由监护人陪同申请，提交监护人身份证件和出生医学证明或户口簿",
            "《中华人民共和国护照法》第五条",
            nec="optional",
            notes="未满16周岁的申请人提交",
        ),
    ],
)

I(
    domain="个人事项",
    seq=615,
    name="机动车驾驶证换证（有效期满换证）",
    parent="机动车驾驶证核发、审验",
    business="延续",
    type="行政许可",
    body="JJ",
    dept="示例市公安局",
    basis="《中华人民共和国道路交通安全法》第十九条；《机动车驾驶证申领和使用规定》（公安部令第162号）第七十条",
    obj=PER,
    conditions="机动车驾驶证有效期满前九十日内申请换证；驾驶人身体条件符合准驾车型要求；驾驶证未被扣押、扣留、暂扣。",
    legal=(1, W),
    promised=(0, W),
    fee=(
        "机动车驾驶证工本费：每证10元",
        "《国家发展改革委 财政部关于公安交通管理收费标准的通知》（发改价格〔2004〕2831号）",
    ),
    result=("证照", "机动车驾驶证"),
    hours="周一至周日 上午9:00-12:00 下午13:30-17:00",
    scope="全国通办",
    kw=["驾照到期", "换驾照", "车驾管"],
    mats=[
        person_id(title="机动车驾驶人身份证明", basis="《机动车驾驶证申领和使用规定》第七十条"),
        M(
            "机动车驾驶证",
            ["original"],
            "原件收回；驾驶证在有效期满前九十日内",
            "《机动车驾驶证申领和使用规定》第七十条",
        ),
        M(
            "机动车驾驶人身体条件证明",
            ["original"],
            "县级或部队团级以上医疗机构出具，六个月内有效",
            "《机动车驾驶证申领和使用规定》第七十条",
            ea=True,
            src="e_license",
            notes="医疗机构已联网上传的电子体检信息可直接调取",
        ),
        auth(basis="《机动车驾驶证申领和使用规定》第九条；《中华人民共和国民法典》第一百六十五条"),
        agent_id(),
    ],
)

I(
    domain="个人事项",
    seq=621,
    name="内地居民结婚登记",
    parent="婚姻登记",
    business="新设",
    type="行政确认",
    body="MZ",
    basis="《中华人民共和国民法典》第一千零四十六条、第一千零四十九条；《婚姻登记条例》第二章",
    obj=PER,
    conditions="男女双方完全自愿；男方、女方均已达到法定婚龄（男22周岁、女20周岁）；双方均无配偶；"
    "不属于直系血亲或三代以内旁系血亲；双方必须亲自到婚姻登记机关申请，不得委托代理。",
    legal=(1, W),
    promised=(0, W),
    result=("证照", "结婚证"),
    delivery=False,
    hours="法定工作日 上午9:00-12:00 下午13:30-17:00；5月20日、七夕节等特殊日期经公告延时服务",
    scope="全国通办（可在任一婚姻登记机关办理）",
    kw=["领证", "结婚", "婚姻登记"],
    mats=[
        person_id(title="双方本人有效居民身份证", basis="《婚姻登记条例》第二章"),
        M(
            "无配偶及无禁止结婚亲属关系的签字声明",
            ["original"],
            "双方在婚姻登记员面前现场签署，声明本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系",
            "《婚姻登记条例》第二章",
            copies=2,
        ),
        M(
            "双方近期半身免冠合影照片",
            ["original"],
            "2寸彩色合影，背景为红色，共3张；可现场拍摄",
            "《婚姻登记条例》第二章",
            copies=3,
        ),
    ],
)

I(
    domain="个人事项",
    seq=631,
    name="灵活就业人员社会保险参保登记",
    business="新设",
    type="公共服务",
    body="SB",
    dept="示例市人力资源和社会保障局",
    basis="《中华人民共和国社会保险法》第十条、第二十三条、第五十八条",
    obj=PER,
    conditions="无雇工的个体工商户、未在用人单位参加社会保险的非全日制从业人员及其他灵活就业人员，年满16周岁且未达到法定退休年龄。",
    legal=(15, N),
    promised=(0, W),
    result=("其他", "参保登记信息"),
    visits=0,
    scope="全市通办；可在街道（乡镇）便民服务中心就近办",
    kw=["自由职业社保", "个人参保", "灵活就业"],
    mats=[
        person_id(),
        form(
            "灵活就业人员参保登记表",
            "参保险种、缴费档次、联系电话填写完整，本人签名",
            "《中华人民共和国社会保险法》第五十八条",
        ),
        M(
            "居住证",
            ["copy"],
            "非本市户籍人员在本市参保的提交，在有效期内",
            "《居住证暂行条例》第十二条",
            ea=True,
            nec="optional",
            src="e_license",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="个人事项",
    seq=641,
    name="城乡居民基本医疗保险参保登记",
    business="新设",
    type="公共服务",
    body="YB",
    basis="《中华人民共和国社会保险法》第二十五条；《国务院关于整合城乡居民基本医疗保险制度的意见》（国发〔2016〕3号）",
    obj=PER,
    conditions="本市户籍或持本市居住证、未参加职工基本医疗保险的城乡居民（含在校学生、未成年人）。",
    legal=(15, N),
    promised=(0, W),
    result=("其他", "参保登记信息"),
    visits=0,
    scope="全市通办；可在街道（乡镇）便民服务中心就近办",
    kw=["居民医保", "新生儿参保", "学生医保"],
    mats=[
        person_id(title="参保人身份证明（居民身份证或户口簿）"),
        form(
            "城乡居民基本医疗保险参保登记表",
            "参保人信息、参保类别填写完整，本人或监护人签名",
            "《中华人民共和国社会保险法》第二十五条",
        ),
        M(
            "居住证",
            ["copy"],
            "非本市户籍常住人员提交，在有效期内",
            "《居住证暂行条例》第十二条",
            ea=True,
            nec="optional",
            src="e_license",
        ),
        M(
            "在校学生证明",
            ["copy"],
            "学生证或学校出具的在读证明",
            "《国务院关于整合城乡居民基本医疗保险制度的意见》（国发〔2016〕3号）",
            nec="optional",
            notes="非本市户籍在校学生提交",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="个人事项",
    seq=651,
    name="职工正常退休申请",
    parent="职工退休审批",
    type="行政确认",
    body="RS",
    basis="《中华人民共和国社会保险法》第十六条；《国务院关于工人退休、退职的暂行办法》（国发〔1978〕104号）；"
    "《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》",
    obj=BOTH,
    conditions="达到本人法定退休年龄；基本养老保险累计缴费满最低缴费年限；由所在单位申报，灵活就业人员本人申报；"
    "选择弹性提前或延迟退休的，按规定提出书面申请。",
    legal=(20, W),
    promised=(10, W),
    result=("批文", "职工退休审批表"),
    tol=10,
    kw=["退休", "办退休", "弹性退休"],
    mats=[
        form(
            "职工退休申请表",
            "出生日期、参加工作时间、缴费年限填写准确；单位申报的加盖公章",
            "《中华人民共和国社会保险法》第十六条",
            copies=2,
        ),
        license_(),
        person_id(title="退休人员居民身份证"),
        M(
            "职工人事档案",
            ["original"],
            "档案完整，出生日期、参加工作时间以档案最早记载为准；审核后退还档案保管单位",
            "《国务院关于工人退休、退职的暂行办法》（国发〔1978〕104号）",
            copies=0,
            notes="存放于人才服务机构的，由存档机构调档",
        ),
        M(
            "视同缴费年限认定相关档案材料",
            ["copy"],
            "1995年底以前参加工作的招工、调动、工资审批等档案材料复印件，加盖档案保管单位印章",
            "《中华人民共和国社会保险法》第十六条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在10个工作日内补交",
        ),
        M(
            "弹性提前或延迟退休书面申请",
            ["original"],
            "本人签名；延迟退休的附与单位协商一致的书面材料",
            "《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》",
            nec="optional",
            notes="选择弹性退休的提交",
        ),
        M(
            "特殊工种提前退休相关证明",
            ["original", "copy"],
            "从事井下、高空、高温、特别繁重体力劳动等特殊工种的档案记载材料",
            "《国务院关于工人退休、退职的暂行办法》（国发〔1978〕104号）",
            nec="optional",
            notes="申请特殊工种提前退休的提交",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="个人事项",
    seq=655,
    name="失业保险金申领",
    type="行政给付",
    body="RS",
    basis="《中华人民共和国社会保险法》第四十五条、第五十条；《失业保险条例》第十四条、第十六条",
    obj=PER,
    conditions="失业前用人单位和本人已缴纳失业保险费满一年；非因本人意愿中断就业；已办理失业登记并有求职要求。",
    legal=(10, W),
    promised=(3, W),
    result=("其他", "失业保险金核定结果"),
    visits=0,
    kw=["失业金", "失业保险"],
    mats=[
        person_id(),
        M(
            "终止或解除劳动关系证明",
            ["original"],
            "原用人单位出具，载明终止或解除劳动关系的时间和原因，加盖单位公章",
            "《中华人民共和国社会保险法》第五十条",
        ),
        M(
            "失业登记信息",
            ["electronic"],
            "已在公共就业服务机构办理失业登记",
            "《中华人民共和国社会保险法》第五十条",
            ea=True,
            src="government",
        ),
        M(
            "社会保障卡（金融账户已激活）",
            ["electronic"],
            "本人社会保障卡金融账户已激活，用于发放失业保险金",
            "《失业保险条例》第十六条",
            ea=True,
            src="e_license",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="个人事项",
    seq=661,
    name="老年人优待证办理",
    type="公共服务",
    body="WJ",
    basis="《中华人民共和国老年人权益保障法》第五十七条、第五十八条；《全国老龄办关于进一步加强新形势下老年人优待工作的意见》（全国老龄办发〔2013〕97号）",
    obj=PER,
    conditions="年满60周岁的本市户籍老年人，或持本市居住证的常住老年人。",
    legal=(5, W),
    promised=(0, W),
    result=("证照", "示例市老年人优待证"),
    scope="就近办（街道、乡镇便民服务中心和社区便民服务站均可办理）",
    kw=["老年证", "优待证", "敬老卡"],
    mats=[
        person_id(),
        form(
            "老年人优待证申请表",
            "本人或代办人签名，联系电话有效",
            "《中华人民共和国老年人权益保障法》第五十七条",
        ),
        M(
            "本人近期免冠证件照",
            ["electronic"],
            "现场采集或上传，白底彩色",
            "《中华人民共和国老年人权益保障法》第五十七条",
            ea=True,
        ),
        M(
            "居住证",
            ["copy"],
            "非本市户籍常住老年人提交",
            "《居住证暂行条例》第十二条",
            ea=True,
            nec="optional",
            src="e_license",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="个人事项",
    seq=671,
    name="残疾人证申领",
    business="新设",
    type="公共服务",
    body="CL",
    basis="《中华人民共和国残疾人保障法》第二条；《中华人民共和国残疾人证管理办法》",
    obj=PER,
    conditions="符合残疾标准的视力、听力、言语、肢体、智力、精神及多重残疾人，本人或监护人向户籍所在地残联申请，"
    "经指定医疗机构评定残疾类别和等级。",
    legal=(30, W),
    promised=(20, W),
    result=("证照", "中华人民共和国残疾人证"),
    tol=10,
    scope="全市通办；可在户籍所在地街道（乡镇）便民服务中心申请",
    kw=["残疾证", "残疾评定"],
    mats=[
        form(
            "残疾人证申请表",
            "申请人基本信息、残疾类别填写完整，本人或监护人签名",
            "《中华人民共和国残疾人证管理办法》",
        ),
        person_id(title="申请人居民身份证或户口簿"),
        M(
            "近期2寸免冠白底彩色照片",
            ["original"],
            "3张，背面注明姓名",
            "《中华人民共和国残疾人证管理办法》",
            copies=3,
        ),
        M(
            "残疾评定表",
            ["original"],
            "由残联指定评定机构出具，残疾类别、等级明确，评定医生签名并加盖评定机构印章",
            "《中华人民共和国残疾人证管理办法》",
        ),
        M(
            "既往病历、诊断证明等医疗资料",
            ["copy"],
            "能证明残疾情况的病历、检查报告复印件",
            "《中华人民共和国残疾人证管理办法》",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在10个工作日内补交",
        ),
        M(
            "监护人身份证明及监护关系证明",
            ["original", "copy"],
            "申请人为未成年人或无（限制）民事行为能力人的提交",
            "《中华人民共和国民法典》第二十七条、第二十八条",
            nec="optional",
        ),
        auth(),
        agent_id(),
    ],
)

# ==========================================================================
# 8. 城市管理、水务
# ==========================================================================
I(
    domain="经营许可与市政",
    seq=711,
    name="户外广告设置许可",
    business="新设",
    type="行政许可",
    body="CG",
    basis="《城市市容和环境卫生管理条例》第十一条；《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）附件第107项",
    obj=BOTH,
    conditions="设置大型户外广告或在城市建筑物、设施上悬挂、张贴宣传品；符合本市户外广告设置规划；"
    "取得设置场地或载体的使用权；设施结构安全。",
    legal=(20, W),
    promised=(5, W),
    result=("批文", "户外广告设置许可决定书"),
    tol=5,
    kw=["广告牌", "招牌", "户外广告"],
    mats=[
        form(
            "户外广告设置申请表",
            "设置地点、规格、形式、期限填写完整；单位申请的加盖公章",
            "《城市市容和环境卫生管理条例》第十一条",
        ),
        license_(),
        person_id(),
        M(
            "设置场地或载体使用权证明",
            ["copy"],
            "不动产权证书或与产权人签订的使用协议复印件，期限覆盖申请设置期限",
            "《城市市容和环境卫生管理条例》第十一条",
            commit=True,
            notes="可签署场地使用承诺书替代",
        ),
        M(
            "广告设施设计效果图及位置示意图",
            ["original"],
            "彩色效果图标明尺寸、材质、照明方式，附实景合成图和位置示意图",
            "《城市市容和环境卫生管理条例》第十一条",
        ),
        M(
            "大型户外广告设施结构安全检测报告或结构设计计算书",
            ["original"],
            "由具有相应资质的单位出具，结论明确",
            "《城市市容和环境卫生管理条例》第十一条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交",
        ),
        M(
            "安全管理责任承诺书",
            ["original"],
            "设置人签章，承诺定期检查维护、承担安全责任",
            "《城市市容和环境卫生管理条例》第十一条",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="经营许可与市政",
    seq=712,
    name="城市建筑垃圾处置核准",
    business="新设",
    type="行政许可",
    body="CG",
    basis="《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）附件第101项；《城市建筑垃圾管理规定》（建设部令第139号）第七条",
    obj=ORG,
    conditions="施工单位或建设单位在工程开工前申请；有建筑垃圾分类处置方案和消纳场所；委托具备资质的运输单位运输。",
    legal=(20, W),
    promised=(5, W),
    result=("证照", "城市建筑垃圾处置核准证"),
    tol=5,
    kw=["渣土", "建筑垃圾", "渣土运输"],
    mats=[
        form(
            "城市建筑垃圾处置核准申请表",
            "工程名称、排放量、处置期限、运输路线填写完整，加盖公章",
            "《城市建筑垃圾管理规定》第七条",
        ),
        license_(),
        M(
            "建筑垃圾处置方案",
            ["original"],
            "包括建筑垃圾种类、数量、分类处置措施、运输路线和时间",
            "《城市建筑垃圾管理规定》第七条",
        ),
        M(
            "建筑垃圾运输合同",
            ["original", "copy"],
            "与具备运输资质的企业签订，期限覆盖处置期限",
            "《城市建筑垃圾管理规定》第十四条",
        ),
        M(
            "运输车辆行驶证及卫星定位装置安装证明",
            ["copy"],
            "车辆为密闭式运输车辆，已安装卫星定位装置并接入监管平台",
            "《城市建筑垃圾管理规定》第十四条",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在5个工作日内补交",
        ),
        M(
            "建筑垃圾消纳场所使用证明",
            ["copy"],
            "与经核准的消纳场所签订的消纳协议",
            "《城市建筑垃圾管理规定》第七条",
            commit=True,
            notes="可签署消纳承诺书替代，由城管部门核查",
        ),
        M(
            "施工现场车辆冲洗设施设置说明",
            ["original"],
            "施工现场出入口车辆冲洗设施和硬化措施说明，附照片",
            "《城市建筑垃圾管理规定》第十一条",
        ),
        auth(),
        agent_id(),
    ],
)

I(
    domain="经营许可与市政",
    seq=721,
    name="城镇污水排入排水管网许可",
    business="新设",
    type="行政许可",
    body="SWU",
    basis="《城镇排水与污水处理条例》第二十一条；《城镇污水排入排水管网许可管理办法》（住房和城乡建设部令第21号，2022年修正）",
    obj=ORG,
    conditions="从事工业、建筑、餐饮、医疗等活动的企业事业单位、个体工商户向城镇排水设施排放污水；"
    "排放口设置、连接管网、预处理设施和水质符合国家和本市标准。",
    legal=(15, W),
    promised=(5, W),
    result=("证照", "城镇污水排入排水管网许可证"),
    tol=10,
    kw=["排水许可", "排水证", "污水排放"],
    mats=[
        form(
            "城镇污水排入排水管网许可申请表",
            "排水户类型、排水量、主要污染物填写完整，加盖公章",
            "《城镇污水排入排水管网许可管理办法》",
        ),
        license_(),
        M(
            "排水户内部排水管网、专用检测井、排放口位置和口径的图纸及说明",
            ["original"],
            "标明雨污分流、检测井和接入市政管网位置",
            "《城镇污水排入排水管网许可管理办法》",
        ),
        M(
            "污水预处理设施的有关材料",
            ["original"],
            "按规定建设的隔油池、化粪池、沉淀池等预处理设施的说明和图纸",
            "《城镇污水排入排水管网许可管理办法》",
        ),
        M(
            "排水隐蔽工程竣工报告",
            ["original"],
            "排水管网隐蔽工程验收合格，签章齐全",
            "《城镇污水排入排水管网许可管理办法》",
        ),
        M(
            "排水水质、水量检测报告",
            ["original"],
            "由具有计量认证的检测机构出具，检测项目与排水类别相符",
            "《城镇污水排入排水管网许可管理办法》",
            nec="tolerable",
            notes="属容缺材料，可先行受理，须在10个工作日内补交；新建项目可在试排水后补交",
        ),
        M(
            "重点排污单位在线监测设施安装说明",
            ["original"],
            "列入重点排污单位名录的提交在线监测设施安装及联网情况",
            "《城镇排水与污水处理条例》第二十一条",
            nec="optional",
        ),
        M(
            "施工作业排水方案",
            ["original"],
            "因施工作业需要向城镇排水设施排水的提交排水方案，明确排水量、预处理措施和期限",
            "《城镇排水与污水处理条例》第二十二条",
            nec="optional",
        ),
        auth(),
        agent_id(),
    ],
)


# --------------------------------------------------------------------------
# 一件事一次办 bundles (app.bundles.definition): items taken in one visit, and which materials are
# handed over once for several items (explicitly, item by item; never matched by name at the counter)
# --------------------------------------------------------------------------
def _code(name: str) -> str:
    return next(it["code"] for it in ITEMS if it["name"] == name)


def _shared(key: str, name: str, *targets: tuple[str, str]) -> dict:
    return {"key": key, "name": name, "materials": [{"item": _code(i), "material": m} for i, m in targets]}


R_FOOD, R_HYGIENE, R_SIGN, R_DRAIN = "食品经营许可（新办）", "公共场所卫生许可", "户外广告设置许可", "城镇污水排入排水管网许可"
R_SETUP, R_SEAL, R_BANK = "企业设立登记（有限责任公司）", "公章刻制备案", "基本存款账户开户信息备案"
R_SOCIAL, R_FUND, R_INVOICE = "单位社会保险登记", "住房公积金单位缴存登记", "首次申领增值税发票"
R_CANCEL, R_FOOD_CANCEL = "企业注销登记", "食品经营许可（注销）"
R_PLAN, R_BUILD = "建设工程规划许可证核发", "建筑工程施工许可证核发"
BUNDLES = [
    {
        "code": "YJS-510100-001",
        "name": "开办餐饮店",
        "keywords": ["餐饮", "饭店", "餐馆", "开饭店"],
        "items": [_code(n) for n in (R_FOOD, R_HYGIENE, R_SIGN, R_DRAIN)],
        "shared": [
            _shared("S01", "营业执照（或其他主体资格证明）", (R_FOOD, "M02"), (R_HYGIENE, "M02"), (R_SIGN, "M02"), (R_DRAIN, "M02")),
            _shared("S02", "法定代表人（负责人）身份证件复印件", (R_FOOD, "M03"), (R_HYGIENE, "M03")),
            _shared("S03", "经营场所使用证明", (R_FOOD, "M08"), (R_HYGIENE, "M08")),
            _shared("S04", "授权委托书", (R_FOOD, "M11"), (R_HYGIENE, "M09"), (R_SIGN, "M08"), (R_DRAIN, "M09")),
            _shared("S05", "受托人身份证明", (R_FOOD, "M12"), (R_HYGIENE, "M10"), (R_SIGN, "M09"), (R_DRAIN, "M10")),
        ],
    },
    {
        "code": "YJS-510100-002",
        "name": "企业开办",
        "keywords": ["开公司", "企业开办", "新办企业"],
        "items": [_code(n) for n in (R_SETUP, R_SEAL, R_BANK, R_SOCIAL, R_FUND, R_INVOICE)],
        "shared": [
            _shared("S01", "营业执照（或其他主体资格证明）", (R_SEAL, "M01"), (R_BANK, "M01"), (R_SOCIAL, "M02"), (R_FUND, "M02"), (R_INVOICE, "M02")),
            _shared("S02", "法定代表人（负责人）身份证件复印件", (R_SETUP, "M06"), (R_SEAL, "M02"), (R_SOCIAL, "M03"), (R_FUND, "M03")),
            _shared("S03", "授权委托书", (R_SETUP, "M11"), (R_SEAL, "M05"), (R_BANK, "M06"), (R_SOCIAL, "M05"), (R_FUND, "M06"), (R_INVOICE, "M04")),
            _shared("S04", "受托人身份证明", (R_SETUP, "M12"), (R_SEAL, "M06"), (R_BANK, "M07"), (R_SOCIAL, "M06"), (R_FUND, "M07"), (R_INVOICE, "M05")),
        ],
    },
    {
        "code": "YJS-510100-003",
        "name": "企业注销",
        "keywords": ["注销公司", "企业注销", "关店"],
        "items": [_code(n) for n in (R_CANCEL, R_FOOD_CANCEL)],
        "shared": [
            _shared("S01", "授权委托书", (R_CANCEL, "M07"), (R_FOOD_CANCEL, "M04")),
            _shared("S02", "受托人身份证明", (R_CANCEL, "M08"), (R_FOOD_CANCEL, "M05")),
        ],
    },
    {
        "code": "YJS-510100-004",
        "name": "新建项目开工",
        "keywords": ["开工", "施工许可", "工程建设"],
        "items": [_code(n) for n in (R_PLAN, R_BUILD)],
        "shared": [
            _shared("S01", "营业执照（或其他主体资格证明）", (R_PLAN, "M02"), (R_BUILD, "M02")),
            _shared("S02", "授权委托书", (R_PLAN, "M11"), (R_BUILD, "M11")),
            _shared("S03", "受托人身份证明", (R_PLAN, "M12"), (R_BUILD, "M12")),
        ],
    },
]

# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------
NO_AGENT = {"居民身份证换领", "内地居民结婚登记", "普通护照签发", "不动产查封登记"}
NO_ORG_PROOF = {"不动产查封登记"}  # applicant is a people's court (有权机关)
OUT_OF_HALL1 = {"普通护照签发", "内地居民结婚登记", "机动车驾驶证换证（有效期满换证）"}

TOP_KEYS = ["format", "version", "published", "region", "halls", "items", "bundles"]
HALL_KEYS = ["code", "name", "address", "phone", "bodies", "arrangement", "review_body", "court"]
ITEM_KEYS = [
    "code",
    "base_code",
    "name",
    "parent",
    "business",
    "type",
    "department",
    "implementing_body",
    "basis",
    "service_object",
    "conditions",
    "legal_limit",
    "promised_limit",
    "kind",
    "fee",
    "location",
    "hours",
    "contact",
    "complaint",
    "visits",
    "delivery",
    "appointment",
    "scope",
    "result",
    "materials",
]
ITEM_OPTIONAL = ["tolerance_days", "keywords", "tolerance_basis", "commitment_basis"]
MAT_KEYS = [
    "code",
    "name",
    "forms",
    "electronic_accepted",
    "copies",
    "necessity",
    "commitment_allowed",
    "condition",
    "source",
    "standard",
    "basis",
    "notes",
]

BUSINESS = {"新设", "变更", "延续", "注销", None}
TYPES = set(TYPE_LETTER)
OBJECTS = {"natural_person", "legal_person"}
UNITS = {"working", "natural"}
KINDS = {"promised", "immediate"}
RESULT_TYPES = {"证照", "批文", "其他"}
FORMS = {"original", "copy", "electronic"}
NECESSITY = {"required", "tolerable", "optional"}
CONDITIONS = {None, "agent", "organization", "person"}
SOURCES = {"applicant", "government", "e_license"}
CODE_RE = re.compile(r"^([0-9A-Z]{14})-(\d{12})-000-([0-9A-Z]{18})-1-(\d{2})$")
PLACEHOLDERS = ("xxx", "XXX", "示例材料", "TODO", "待定", "占位", "lorem")

MIN_ITEMS = 45
MIN_BIG_ITEMS = 10
MIN_TOLERABLE_ITEMS = 15
MIN_COMMITMENT_ITEMS = 10
MIN_IMMEDIATE_ITEMS = 6


class CatalogError(AssertionError):
    pass


def need(cond: bool, msg: str) -> None:
    if not cond:
        raise CatalogError(msg)


def is_str(v) -> bool:
    return isinstance(v, str) and v.strip() != ""


def applicable_org_agent(item: dict) -> list[dict]:
    return [m for m in item["materials"] if m["condition"] in (None, "agent", "organization")]


def natural_days(limit: dict) -> float:
    return limit["days"] * 7 / 5 if limit["unit"] == "working" else limit["days"]


def validate(cat: dict) -> dict:
    need(isinstance(cat, dict) and list(cat) == TOP_KEYS, f"top-level keys must be exactly {TOP_KEYS}")
    need(cat["format"] == FORMAT, "format")
    need(is_str(cat["version"]) and re.fullmatch(r"\d{4}\.\d{2}-demo\.\d+", cat["version"]), "version")
    need(re.fullmatch(r"\d{4}-\d{2}-\d{2}", cat["published"] or ""), "published")
    need(cat["region"] == REGION, "region")

    items = cat["items"]
    need(isinstance(items, list) and len(items) >= MIN_ITEMS, f"need at least {MIN_ITEMS} items")

    body_names: dict[str, str] = {}
    codes, names = set(), set()
    base_groups: dict[str, list[dict]] = {}
    for it in items:
        ctx = it.get("name", "?")
        need(isinstance(it, dict), "item must be an object")
        keys = list(it)
        need(set(ITEM_KEYS) <= set(keys), f"{ctx}: missing keys {set(ITEM_KEYS) - set(keys)}")
        need(
            set(keys) <= set(ITEM_KEYS) | set(ITEM_OPTIONAL),
            f"{ctx}: unexpected keys {set(keys) - set(ITEM_KEYS) - set(ITEM_OPTIONAL)}",
        )
        for k in (
            "code",
            "base_code",
            "name",
            "type",
            "department",
            "basis",
            "conditions",
            "location",
            "hours",
            "contact",
            "complaint",
            "scope",
        ):
            need(is_str(it[k]), f"{ctx}: {k} must be a non-empty string")
        need(it["parent"] is None or is_str(it["parent"]), f"{ctx}: parent")
        need(it["business"] in BUSINESS, f"{ctx}: business")
        need(it["type"] in TYPES, f"{ctx}: type")

        body = it["implementing_body"]
        need(
            isinstance(body, dict) and list(body) == ["name", "code"] and is_str(body["name"]),
            f"{ctx}: implementing_body",
        )
        need(uscc_valid(body["code"]), f"{ctx}: invalid USCC {body['code']}")
        need(
            body_names.setdefault(body["code"], body["name"]) == body["name"],
            f"{ctx}: body code/name mismatch",
        )

        m = CODE_RE.match(it["code"])
        need(m is not None, f"{ctx}: bad item code {it['code']}")
        need(m.group(1) == it["base_code"] and len(it["base_code"]) == 14, f"{ctx}: base_code mismatch")
        need(m.group(2) == DIVISION12, f"{ctx}: division code")
        need(m.group(3) == body["code"], f"{ctx}: USCC in item code differs from implementing body")
        need(
            it["base_code"][:3] == "511" and it["base_code"][3] == TYPE_LETTER[it["type"]],
            f"{ctx}: base code prefix/type letter",
        )
        need(it["code"] not in codes, f"duplicate item code {it['code']}")
        need(it["name"] not in names, f"duplicate item name {it['name']}")
        codes.add(it["code"])
        names.add(it["name"])
        base_groups.setdefault(it["base_code"], []).append(it)

        so = it["service_object"]
        need(
            isinstance(so, list) and so and len(set(so)) == len(so) and set(so) <= OBJECTS,
            f"{ctx}: service_object",
        )

        for lk in ("legal_limit", "promised_limit"):
            lim = it[lk]
            need(isinstance(lim, dict) and list(lim) == ["days", "unit"], f"{ctx}: {lk} keys")
            need(
                isinstance(lim["days"], int) and not isinstance(lim["days"], bool) and lim["days"] >= 0,
                f"{ctx}: {lk}.days",
            )
            need(lim["unit"] in UNITS, f"{ctx}: {lk}.unit")
        need(it["legal_limit"]["days"] > 0, f"{ctx}: legal limit must be positive")
        need(
            natural_days(it["promised_limit"]) <= natural_days(it["legal_limit"]),
            f"{ctx}: promised limit exceeds legal limit",
        )
        need(it["kind"] in KINDS, f"{ctx}: kind")
        need(
            (it["kind"] == "immediate") == (it["promised_limit"]["days"] == 0),
            f"{ctx}: kind immediate <=> promised days 0",
        )

        fee = it["fee"]
        need(
            isinstance(fee, dict)
            and list(fee) == ["charged", "standard", "basis"]
            and isinstance(fee["charged"], bool),
            f"{ctx}: fee",
        )
        if fee["charged"]:
            need(
                is_str(fee["standard"]) and is_str(fee["basis"]),
                f"{ctx}: charged fee needs standard and basis",
            )
        else:
            need(
                fee["standard"] is None and fee["basis"] is None,
                f"{ctx}: free item must have null fee standard/basis",
            )

        need(it["visits"] in (0, 1, 2) and not isinstance(it["visits"], bool), f"{ctx}: visits")
        need(
            isinstance(it["delivery"], bool) and isinstance(it["appointment"], bool),
            f"{ctx}: delivery/appointment",
        )
        res = it["result"]
        need(
            isinstance(res, dict)
            and list(res)[:2] == ["type", "name"]
            and set(res) <= {"type", "name", "validity", "licence_type"}
            and res["type"] in RESULT_TYPES
            and is_str(res["name"]),
            f"{ctx}: result",
        )
        need(
            ("validity" in res) == (res["type"] == "证照"),
            f"{ctx}: a licence (and only a licence) has validity",
        )
        if "keywords" in it:
            kw = it["keywords"]
            need(
                isinstance(kw, list) and kw and all(is_str(k) for k in kw) and len(set(kw)) == len(kw),
                f"{ctx}: keywords",
            )

        mats = it["materials"]
        need(isinstance(mats, list) and 3 <= len(mats) <= 12, f"{ctx}: needs 3-12 materials, has {len(mats)}")
        mnames = set()
        for i, mt in enumerate(mats, 1):
            mctx = f"{ctx}/{mt.get('code')}"
            need(
                list(mt) in (MAT_KEYS, [*MAT_KEYS, "shared_by"]),
                f"{mctx}: material keys must be exactly {MAT_KEYS} (and shared_by)",
            )
            need(mt["code"] == f"M{i:02d}", f"{mctx}: material codes must be M01.. in order")
            need(is_str(mt["name"]) and mt["name"] not in mnames, f"{mctx}: name empty or duplicated")
            mnames.add(mt["name"])
            forms = mt["forms"]
            need(
                isinstance(forms, list) and forms and len(set(forms)) == len(forms) and set(forms) <= FORMS,
                f"{mctx}: forms",
            )
            need(
                "electronic" not in forms or forms == ["electronic"],
                f"{mctx}: electronic form must stand alone",
            )
            need(isinstance(mt["electronic_accepted"], bool), f"{mctx}: electronic_accepted")
            c = mt["copies"]
            need(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 10, f"{mctx}: copies")
            if forms == ["electronic"]:
                need(
                    c == 0 and mt["electronic_accepted"],
                    f"{mctx}: electronic-only needs copies 0 and electronic_accepted",
                )
            if "copy" in forms:
                need(c >= 1, f"{mctx}: a copy form needs copies >= 1")
            need(mt["necessity"] in NECESSITY, f"{mctx}: necessity")
            need(isinstance(mt["commitment_allowed"], bool), f"{mctx}: commitment_allowed")
            need(mt["condition"] in CONDITIONS, f"{mctx}: condition")
            need(mt["source"] in SOURCES, f"{mctx}: source")
            if mt["source"] == "e_license":
                need(mt["electronic_accepted"], f"{mctx}: e_license source must accept electronic")
            need(is_str(mt["standard"]) and is_str(mt["basis"]), f"{mctx}: standard/basis")
            need(mt["notes"] is None or is_str(mt["notes"]), f"{mctx}: notes")
            if mt["condition"] == "organization":
                need(
                    "legal_person" in so,
                    f"{mctx}: organization-only material on an item not open to organisations",
                )
            if mt["condition"] == "person":
                need("natural_person" in so, f"{mctx}: person-only material on an item not open to persons")

        has_tol = any(mt["necessity"] == "tolerable" for mt in mats)
        if has_tol:
            td = it.get("tolerance_days")
            need(
                isinstance(td, int) and not isinstance(td, bool) and 1 <= td <= 30,
                f"{ctx}: tolerance_days required (1-30)",
            )
            need(td < it["promised_limit"]["days"], f"{ctx}: tolerance_days not shorter than the promise")
            need(is_str(it.get("tolerance_basis")), f"{ctx}: tolerance_basis (the local rule) required")
        else:
            need("tolerance_days" not in it, f"{ctx}: tolerance_days without tolerable material")

        agent_mats = [mt for mt in mats if mt["condition"] == "agent"]
        if it["name"] in NO_AGENT:
            need(not agent_mats, f"{ctx}: must not allow an agent")
        else:
            auths = [mt for mt in agent_mats if "授权委托书" in mt["name"]]
            ids = [mt for mt in agent_mats if mt["name"] == "受托人身份证明"]
            need(
                len(auths) == 1 and auths[0]["forms"] == ["original"],
                f"{ctx}: needs one 授权委托书 (original, agent)",
            )
            need(
                len(ids) == 1 and ids[0]["forms"] == ["original", "copy"],
                f"{ctx}: needs one 受托人身份证明 (original+copy, agent)",
            )
            need(len(agent_mats) == 2, f"{ctx}: only the two agent materials may have condition agent")
        if "legal_person" in so and it["name"] not in NO_ORG_PROOF:
            need(
                any(mt["condition"] == "organization" for mt in mats),
                f"{ctx}: open to organisations but no organisation proof",
            )
        if "natural_person" in so:
            need(
                any(mt["condition"] == "person" for mt in mats),
                f"{ctx}: open to persons but no person identity material",
            )

    for base, group in base_groups.items():
        if len(group) > 1:
            need(
                len({g["parent"] for g in group}) == 1 and group[0]["parent"],
                f"{base}: shared base code needs a common parent",
            )
            sfx = [g["code"][-2:] for g in group]
            need(
                "00" not in sfx and len(set(sfx)) == len(sfx),
                f"{base}: business item suffixes must be distinct 01..",
            )

    # halls
    halls = cat["halls"]
    need(isinstance(halls, list) and len(halls) >= 2, "need at least two halls")
    need(len({h["code"] for h in halls}) == len(halls), "duplicate hall code")
    for h in halls:
        need(list(h) == HALL_KEYS, f"hall {h.get('code')}: keys")
        for k in ("code", "name", "address", "phone"):
            need(is_str(h[k]), f"hall {h['code']}: {k}")
        need(
            isinstance(h["bodies"], list) and h["bodies"] and len(set(h["bodies"])) == len(h["bodies"]),
            f"hall {h['code']}: bodies",
        )
        for b in h["bodies"]:
            need(uscc_valid(b) and b in body_names, f"hall {h['code']}: body {b} invalid or not in catalog")
    hall = {h["code"]: h for h in halls}
    need({"SZX01", "SZX02"} <= set(hall), "halls SZX01 and SZX02 required")
    need(hall["SZX01"]["bodies"] != hall["SZX02"]["bodies"], "halls must differ in bodies")
    out1 = {it["name"] for it in items if it["implementing_body"]["code"] not in hall["SZX01"]["bodies"]}
    need(out1 == OUT_OF_HALL1, f"items outside SZX01 competence: {out1}")
    for it in items:
        code = it["implementing_body"]["code"]
        in1 = code in hall["SZX01"]["bodies"]
        in2 = code in hall["SZX02"]["bodies"]
        need(("示例市政务服务中心（" in it["location"]) == in1, f"{it['name']}: location vs SZX01 competence")
        need(("高新区政务服务中心" in it["location"]) == in2, f"{it['name']}: location vs SZX02 competence")
        if not in1:
            need(
                "号" in it["location"] and "不受理" in it["location"],
                f"{it['name']}: must name the competent office address",
            )

    # coverage counts
    pinyin_target = [it for it in items if it["name"] == "建设工程规划许可证核发"]
    need(len(pinyin_target) == 1, "建设工程规划许可证核发 must exist exactly once")
    stats = {
        "items": len(items),
        "big": sum(len(applicable_org_agent(it)) >= 10 for it in items),
        "tolerable": sum(any(m["necessity"] == "tolerable" for m in it["materials"]) for it in items),
        "commitment": sum(any(m["commitment_allowed"] for m in it["materials"]) for it in items),
        "immediate": sum(it["kind"] == "immediate" for it in items),
        "charged": sum(it["fee"]["charged"] for it in items),
        "optional_materials": sum(m["necessity"] == "optional" for it in items for m in it["materials"]),
        "bodies": len(body_names),
    }
    need(stats["big"] >= MIN_BIG_ITEMS, f"only {stats['big']} items with >=10 materials")
    need(
        stats["tolerable"] >= MIN_TOLERABLE_ITEMS, f"only {stats['tolerable']} items with tolerable materials"
    )
    need(
        stats["commitment"] >= MIN_COMMITMENT_ITEMS,
        f"only {stats['commitment']} items with commitment materials",
    )
    need(stats["immediate"] >= MIN_IMMEDIATE_ITEMS, f"only {stats['immediate']} immediate items")
    need(stats["charged"] >= 1 and stats["charged"] < len(items) / 2, "some but not most items charged")
    need(stats["optional_materials"] >= 1, "need optional materials")

    text = json.dumps(cat, ensure_ascii=False)
    for p in PLACEHOLDERS:
        need(p not in text, f"placeholder text {p!r} found")
    return stats


# --------------------------------------------------------------------------
# What the documents need in law (validity, licence templates, data sharing, local rules)
# --------------------------------------------------------------------------
# Validity of each licence, from the law of its type (食品经营许可证 5 years: 食品经营许可和备案管理办法;
# 公共场所卫生许可证 4 years: 公共场所卫生管理条例实施细则 …). long_term only where the law sets no limit;
# entered where it depends on the case (the approver enters the date; `rule` says how).
VALIDITY = {
    "建设用地规划许可证": {"long_term": True},
    "建设工程规划许可证": {"long_term": True},
    "乡村建设规划许可证": {"long_term": True},
    "临时建设工程规划许可证": {"years": 2},
    "不动产权证书": {"long_term": True},
    "不动产登记证明（抵押权）": {"long_term": True},
    "不动产权证书或更正登记结果告知书": {"long_term": True},
    "不动产登记证明（预告登记）": {"long_term": True},
    "建筑工程施工许可证": {"long_term": True},
    "商品房预售许可证": {"long_term": True},
    "燃气经营许可证": {"years": 3},
    "公共场所卫生许可证": {"years": 4},
    "营业执照": {"long_term": True},
    "食品经营许可证": {"years": 5},
    "药品经营许可证": {"years": 5},
    "中华人民共和国居民身份证": {
        "entered": True,
        "rule": "按申领人年龄：16至25周岁10年，26至45周岁20年，46周岁以上长期",
    },
    "居民户口簿": {"long_term": True},
    "居民户口簿（出生登记页）": {"long_term": True},
    "示例市居住证": {"years": 1},
    "中华人民共和国普通护照": {"entered": True, "rule": "未满16周岁5年，16周岁以上10年"},
    "机动车驾驶证": {"entered": True, "rule": "6年、10年或长期，按换证次数和记分情况确定"},
    "结婚证": {"long_term": True},
    "示例市老年人优待证": {"long_term": True},
    "中华人民共和国残疾人证": {"years": 10},
    "城市建筑垃圾处置核准证": {"entered": True, "rule": "按工程施工期限核定，最长不超过2年"},
    "城镇污水排入排水管网许可证": {"years": 5},
}
# Licences printed with a template of their own statutory fields (app.licences); the rest use the general one.
LICENCE_TYPE = {
    "食品经营许可证": "food_business",
    "公共场所卫生许可证": "public_place_hygiene",
    "药品经营许可证": "drug_retail",
    "建设工程规划许可证": "planning_permit",
    "建筑工程施工许可证": "construction_permit",
    "建设用地规划许可证": "land_use_planning_permit",
    "乡村建设规划许可证": "rural_planning_permit",
    "临时建设工程规划许可证": "temporary_planning_permit",
    "不动产权证书": "real_estate_title",
    "不动产权证书或更正登记结果告知书": "real_estate_title",  # 更正登记 reissues the 不动产权证书
    "不动产登记证明（抵押权）": "mortgage_proof",
    "不动产登记证明（预告登记）": "advance_notice_proof",
    "商品房预售许可证": "presale_permit",
    "燃气经营许可证": "gas_business",
    "城市建筑垃圾处置核准证": "construction_waste",
    "城镇污水排入排水管网许可证": "sewage_discharge",
    "营业执照": "business_licence",
    "中华人民共和国居民身份证": "identity_card",
    "中华人民共和国普通护照": "passport",
    "机动车驾驶证": "driving_licence",
    "居民户口簿": "household_register",
    "居民户口簿（出生登记页）": "birth_register_page",
    "示例市居住证": "residence_permit",
    "结婚证": "marriage_certificate",
    "示例市老年人优待证": "senior_card",
    "中华人民共和国残疾人证": "disability_card",
}
# Materials the hall always obtains by data sharing (国办发〔2022〕3号 能共享不再提交): shown, never demanded.
SHARED = {
    ("511A0138000000", "M03"): "投资项目在线审批监管平台",
    ("511G0512001000", "M05"): "示例市自然资源和规划局规划核实系统",
    ("511G0512001000", "M06"): "示例市住房和城乡建设局竣工验收备案系统",
    ("511A0201000000", "M06"): "示例市施工图联合审查系统",
    ("511A0301003000", "M05"): "税务部门信息共享平台",
    ("511A0305002000", "M04"): "税务部门信息共享平台",
}
TOLERANCE_BASIS = "《示例市政务服务容缺受理实施办法》（示府办规〔2025〕3号）第六条、第九条"
COMMITMENT_BASIS = "《示例市证明事项告知承诺制实施办法》（示府办规〔2024〕7号）第五条、第十二条"


def legal_details(items: list[dict]) -> list[dict]:
    """The items with what the documents need in law added. A tolerated material is supplied before the
    promised completion date: an item whose tolerance span is not shorter than its promise gets one that is
    (two working days shorter, at least one day)."""
    out = []
    used = set()
    for item in items:
        it = json.loads(json.dumps(item))
        result = it["result"]
        if result["type"] == "证照":
            result["validity"] = VALIDITY[result["name"]]
            if result["name"] in LICENCE_TYPE:
                result["licence_type"] = LICENCE_TYPE[result["name"]]
        for m in it["materials"]:
            key = (it["base_code"], m["code"])
            if key in SHARED:
                m["shared_by"] = SHARED[key]
                used.add(key)
        if any(m["necessity"] == "tolerable" for m in it["materials"]):
            promised = it["promised_limit"]["days"]
            if it["tolerance_days"] >= promised:
                it["tolerance_days"] = max(1, promised - 2) if promised >= 5 else promised - 1
            it["tolerance_basis"] = TOLERANCE_BASIS
        if any(m["commitment_allowed"] for m in it["materials"]):
            it["commitment_basis"] = COMMITMENT_BASIS
        out.append(it)
    need(used == set(SHARED), f"shared materials not found: {set(SHARED) - used}")
    return out


def build() -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "published": PUBLISHED,
        "region": dict(REGION),
        "halls": HALLS,
        "items": legal_details(ITEMS),
        "bundles": BUNDLES,
    }


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".demo_catalog.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def main(argv: list[str]) -> int:
    check_only = "--check" in argv
    cat = build()
    text = json.dumps(cat, ensure_ascii=False, indent=1) + "\n"
    stats = validate(json.loads(text))  # validate exactly what will be written
    by_domain = Counter(DOMAINS[it["name"]] for it in cat["items"])
    print(f"catalog {VERSION}: {stats}")
    print("per domain:", dict(by_domain))
    if check_only:
        return 0
    write_atomic(OUT, text)
    validate(json.loads(OUT.read_text(encoding="utf-8")))
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text.encode('utf-8'))} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
