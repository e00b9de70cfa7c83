"""Roles and what each may do: the one table the window, the `clerk` command line and the server read
(shared/STYLE.md habit 16). An operation names the permission it needs and calls `require()`; which roles
hold which permission is decided here and nowhere else (issue 12 fills in who holds which as accounts
grow; today every account may do the counter's work and only a supervisor resolves conflicts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"


ROLE_LABEL: dict[str, str] = {Role.CLERK: "窗口工作人员", Role.SUPERVISOR: "大厅负责人"}


class Permission(StrEnum):
    ACCEPT = "accept"  # decide a case at the counter (Art. 32)
    PRINT = "print"  # print a case's document, or reprint it with a reason
    APPROVE = "approve"  # approve and issue the certificate
    HAND_OVER = "hand_over"  # hand the certificate over (出件)
    SYNC = "sync"  # sync with the server, reconcile
    RESOLVE_CONFLICT = "resolve_conflict"  # settle a conflict the server lists


@dataclass(frozen=True)
class Grant:
    roles: frozenset[Role]  # who holds the permission
    label: str  # what it is, for messages: "不能{label}"
    named_role: Role  # the role a refusal names ("需要{…}")


def _grant(label: str, *roles: Role) -> Grant:
    return Grant(frozenset(roles), label, roles[0])


# Which roles may do what.
GRANTS: dict[Permission, Grant] = {
    Permission.ACCEPT: _grant("受理办件", Role.CLERK, Role.SUPERVISOR),
    Permission.PRINT: _grant("打印文书", Role.CLERK, Role.SUPERVISOR),
    Permission.APPROVE: _grant("审批发证", Role.CLERK, Role.SUPERVISOR),
    Permission.HAND_OVER: _grant("交付证照", Role.CLERK, Role.SUPERVISOR),
    Permission.SYNC: _grant("同步", Role.CLERK, Role.SUPERVISOR),
    Permission.RESOLVE_CONFLICT: _grant("处理同步冲突", Role.SUPERVISOR),
}


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


def named_role_label(permission: Permission) -> str:
    """The role a message about `permission` names (大厅负责人 for conflicts)."""
    return ROLE_LABEL[GRANTS[permission].named_role]
