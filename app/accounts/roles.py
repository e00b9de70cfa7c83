"""Roles and what each may do: the one table the window, the `clerk` command line and the server read
(shared/STYLE.md habit 16). An operation names the permission it needs and calls `require()`; which roles
hold which permission is decided here and nowhere else.

The six roles are the hall's (受理/审批/出证 kept apart, 四分离): a person may hold several. What one
person may not do to one case even when their roles allow it is the table `SEPARATIONS`: the account that
accepted a case does not approve it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"  # 受理员: accepts at the counter, prints, hands over
    APPROVER = "approver"  # 审批员: decides after acceptance
    ISSUER = "issuer"  # 出证员: prints certificates, hands them over
    HELPER = "helper"  # 帮办员: prepares drafts, decides nothing
    SUPERVISOR = "supervisor"  # 值班主任: conflicts, corrections, time limits, statistics
    IT = "it"  # 系统管理员: settings, registration, accounts


ROLE_LABEL: dict[str, str] = {
    Role.CLERK: "受理员",
    Role.APPROVER: "审批员",
    Role.ISSUER: "出证员",
    Role.HELPER: "帮办员",
    Role.SUPERVISOR: "值班主任",
    Role.IT: "系统管理员",
}


class Permission(StrEnum):
    ACCEPT = "accept"  # decide a case at the counter (Art. 32)
    PRINT = "print"  # print a case's notice or receipt, or reprint it with a reason
    APPROVE = "approve"  # approve and issue the certificate (applies the office's seal)
    REFUSE = "refuse"  # 不予许可
    SUSPEND = "suspend"  # 挂起 the time limit
    EXTEND = "extend"  # Art. 42 extension
    PRINT_CERTIFICATE = "print_certificate"  # print a certificate (出证)
    HAND_OVER = "hand_over"  # hand the certificate over (出件)
    PREPARE_DRAFT = "prepare_draft"  # a helper's draft for the counter
    SYNC = "sync"  # sync with the server, reconcile
    RESOLVE_CONFLICT = "resolve_conflict"  # settle a conflict or a finding the server lists
    CORRECT = "correct"  # correct a saved case's data with a reason (更正)
    WITHDRAW = "withdraw"  # record an applicant's written withdrawal, end a case whose notice lapsed
    REVOKE = "revoke"  # 撤销 a granted certificate (Art. 69)
    RECORD_RATING = "record_rating"  # record the applicant's rating (好差评) at the counter
    FOLLOW_UP_RATING = "follow_up_rating"  # see the hall's 差评 and record their follow-up (回访)
    WATCH_TIME_LIMITS = "watch_time_limits"
    STATISTICS = "statistics"
    CAPTURE_PAGES = "capture_pages"  # capture, arrange and attach a material's pages (scanner, camera, files)
    VIEW_PAGES = "view_pages"  # see a case's captured pages and export them
    SEE_FULL_ID = "see_full_id"  # a case's full ID number and phone on screen
    SETTINGS = "settings"  # the window's settings
    REGISTER = "register"  # register the PC as a window
    MANAGE_ACCOUNTS = "manage_accounts"  # hall IT: accounts over the API


@dataclass(frozen=True)
class Grant:
    roles: frozenset[Role]  # who holds the permission
    label: str  # what it is, for messages: "不能{label}"
    named_role: Role  # the role a refusal names ("需要{…}")


def _grant(label: str, *roles: Role) -> Grant:
    return Grant(frozenset(roles), label, roles[0])


_COUNTER = (Role.CLERK, Role.APPROVER, Role.ISSUER, Role.SUPERVISOR)  # people who work cases

# Which roles may do what.
GRANTS: dict[Permission, Grant] = {
    Permission.ACCEPT: _grant("受理办件", Role.CLERK),
    Permission.PRINT: _grant("打印文书", Role.CLERK, Role.APPROVER, Role.ISSUER, Role.SUPERVISOR),
    Permission.APPROVE: _grant("审批发证", Role.APPROVER),
    Permission.REFUSE: _grant("作出不予许可决定", Role.APPROVER),
    Permission.SUSPEND: _grant("挂起办件", Role.APPROVER),
    Permission.EXTEND: _grant("延长办理期限", Role.APPROVER),
    Permission.PRINT_CERTIFICATE: _grant("打印证照", Role.ISSUER, Role.CLERK),
    Permission.HAND_OVER: _grant("交付证照", Role.CLERK, Role.ISSUER),
    Permission.PREPARE_DRAFT: _grant("预审帮办材料", Role.HELPER, Role.CLERK),
    Permission.SYNC: _grant("同步", *_COUNTER, Role.HELPER, Role.IT),
    Permission.RESOLVE_CONFLICT: _grant("处理同步冲突", Role.SUPERVISOR),
    Permission.CORRECT: _grant("更正办件", Role.SUPERVISOR),
    Permission.WITHDRAW: _grant("办理撤回或终止", Role.CLERK, Role.APPROVER),
    Permission.REVOKE: _grant("撤销许可", Role.APPROVER),
    Permission.RECORD_RATING: _grant("记录服务评价", *_COUNTER),
    Permission.FOLLOW_UP_RATING: _grant("查看和回访差评", Role.SUPERVISOR),
    Permission.WATCH_TIME_LIMITS: _grant("查看时限监控", Role.SUPERVISOR),
    Permission.STATISTICS: _grant("查看统计", Role.SUPERVISOR),
    Permission.CAPTURE_PAGES: _grant("采集材料页面", Role.CLERK, Role.HELPER),
    Permission.VIEW_PAGES: _grant("查看材料页面", *_COUNTER),
    Permission.SEE_FULL_ID: _grant("查看完整证件号码", *_COUNTER),
    Permission.SETTINGS: _grant("修改窗口设置", Role.IT),
    Permission.REGISTER: _grant("登记窗口", Role.IT),
    Permission.MANAGE_ACCOUNTS: _grant("管理账号", Role.IT),
}


class Duty(StrEnum):
    """What a person did to a case, as far as keeping duties apart goes."""

    ACCEPTED = "accepted"  # 受理
    APPROVED = "approved"  # 审批


@dataclass(frozen=True)
class Separation:
    permission: Permission  # the action refused ...
    duty: Duty  # ... to the account that did this to the same case
    message: str  # why, for the refusal ("{who}{message}")


# 四分离: who may not do what to a case they already had a hand in.
SEPARATIONS: tuple[Separation, ...] = (
    Separation(Permission.APPROVE, Duty.ACCEPTED, "受理了本件，按受理、审批、出证分离的要求不能再审批本件"),
    Separation(Permission.REFUSE, Duty.ACCEPTED, "受理了本件，按受理、审批、出证分离的要求不能再审批本件"),
)


class PermissionDenied(Exception):
    """A person without the role a permission needs; the message names both."""

    def __init__(self, message: str, *, permission: Permission) -> None:
        super().__init__(message)
        self.permission = permission


def may(roles: Iterable[str], permission: Permission) -> bool:
    return any(role in GRANTS[permission].roles for role in roles)


def require(roles: Iterable[str], permission: Permission, *, who: str) -> None:
    """Nothing when one of `roles` holds `permission`; PermissionDenied naming who and what otherwise."""
    if not may(roles, permission):
        grant = GRANTS[permission]
        raise PermissionDenied(
            f"{who} 没有{ROLE_LABEL[grant.named_role]}角色，不能{grant.label}", permission=permission
        )


def require_apart(permission: Permission, duties: Iterable[Duty], *, who: str) -> None:
    """Nothing unless the person, who did `duties` to a case, may not do `permission` to it (SEPARATIONS);
    PermissionDenied saying so otherwise."""
    done = set(duties)
    for separation in SEPARATIONS:
        if separation.permission == permission and separation.duty in done:
            raise PermissionDenied(f"{who} {separation.message}", permission=permission)


def named_role_label(permission: Permission) -> str:
    """The role a message about `permission` names (值班主任 for conflicts)."""
    return ROLE_LABEL[GRANTS[permission].named_role]
