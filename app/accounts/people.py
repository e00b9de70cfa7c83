"""A person's account, as the window and the server both check it: the login, the name, a new password,
and which role may do what.

Which role may do what is the table of `app.accounts.roles` (shared/STYLE.md habit 16).
"""

from __future__ import annotations

import re

from app.accounts.roles import ROLE_LABEL
from app.sync.wire import LOGIN_PATTERN, MAX_PASSWORD_CHARS

# The role table lives in app.accounts.roles (with the permissions); the labels by code, for messages.
ROLES = ROLE_LABEL
MIN_PASSWORD_LENGTH = 8
MAX_NAME_CHARS = 100
_LOGIN = re.compile(LOGIN_PATTERN)


class AccountError(ValueError):
    """An account that cannot be added or changed; the message names the problem."""


def check_login(login: str) -> str:
    if not _LOGIN.fullmatch(login):
        raise AccountError(
            f"账号“{login}”无效：应为 2–40 位小写字母、数字或 . _ -，以字母开头（如 wang.fang）"
        )
    return login


def check_name(name: str) -> str:
    """The name as shown (trimmed); AccountError when empty, too long or holding control characters."""
    shown = name.strip()
    if not shown or len(shown) > MAX_NAME_CHARS or any(ord(ch) < 32 for ch in shown):
        raise AccountError(f"姓名应为 1–{MAX_NAME_CHARS} 个字，且不含控制字符")
    return shown


def check_new_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"密码不能超过 {MAX_PASSWORD_CHARS} 位")
    return password


def check_roles(roles: list[str]) -> list[str]:
    """Known role codes, each once, in the table's order; AccountError for none or an unknown one."""
    if not roles:
        raise AccountError(f"至少要有一个角色：{role_choices()}")
    for role in roles:
        if role not in ROLES:
            raise AccountError(f"角色“{role}”无效：应为 {role_choices()}")
    return [role for role in ROLES if role in roles]


def role_choices() -> str:
    return "、".join(f"{code}（{label}）" for code, label in ROLES.items())


def roles_label(roles: list[str]) -> str:
    return "、".join(ROLES.get(role, role) for role in roles)
