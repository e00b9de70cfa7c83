"""Suspensions (挂起) of a case's time limits: the kinds the law and local rules allow, one table.

行政许可法 Art. 45: the time a hearing, tender, auction, inspection, testing, quarantine, appraisal or expert
review takes is not counted, and the applicant is told in writing how long it will take. Local rules add
public notice (公示) and on-site inspection (现场勘验). A suspension has a reason, a start, an expected end
and (once the case resumes) an actual end; two of one case never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SuspensionKind(StrEnum):
    HEARING = "hearing"
    TENDER = "tender"
    AUCTION = "auction"
    INSPECTION = "inspection"
    TESTING = "testing"
    QUARANTINE = "quarantine"
    APPRAISAL = "appraisal"
    EXPERT_REVIEW = "expert_review"
    PUBLIC_NOTICE = "public_notice"
    SITE_SURVEY = "site_survey"


@dataclass(frozen=True)
class SuspensionRule:
    label: str
    basis: str  # what the 挂起告知书 cites


_ART_45 = "《中华人民共和国行政许可法》第四十五条"
_LOCAL = "本地行政审批有关规定"

SUSPENSION_KINDS: dict[SuspensionKind, SuspensionRule] = {
    SuspensionKind.HEARING: SuspensionRule("听证", _ART_45),
    SuspensionKind.TENDER: SuspensionRule("招标", _ART_45),
    SuspensionKind.AUCTION: SuspensionRule("拍卖", _ART_45),
    SuspensionKind.INSPECTION: SuspensionRule("检验", _ART_45),
    SuspensionKind.TESTING: SuspensionRule("检测", _ART_45),
    SuspensionKind.QUARANTINE: SuspensionRule("检疫", _ART_45),
    SuspensionKind.APPRAISAL: SuspensionRule("鉴定", _ART_45),
    SuspensionKind.EXPERT_REVIEW: SuspensionRule("专家评审", _ART_45),
    SuspensionKind.PUBLIC_NOTICE: SuspensionRule("公示", _LOCAL),
    SuspensionKind.SITE_SURVEY: SuspensionRule("现场勘验", _LOCAL),
}
MAX_SUSPENSION_DAYS = 365  # an expected duration longer than a year is a typing error


def suspension_label(kind: str) -> str:
    try:
        return SUSPENSION_KINDS[SuspensionKind(kind)].label
    except ValueError:
        return kind
