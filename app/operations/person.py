"""Who acts: the counter (hall, window) with the signed-in person and the roles their account holds.

`Workspace.counter()` builds it from the account's row; every operation asks it for the permission the
action needs (`require`, the table of app.accounts.roles). A role this version does not know (an account
made by a newer server) grants nothing, and the refusal says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.acceptance import Counter
from app.accounts.roles import GRANTS, ROLE_LABEL, Permission, PermissionDenied, Role, require


@dataclass(frozen=True)
class Actor(Counter):
    """A `Counter` (where, and which account) that also knows what the account may do. The services take
    it as the Counter it is; the operations check its roles first."""

    roles: frozenset[Role] = frozenset()
    unknown_roles: tuple[str, ...] = ()  # role texts of the account this version does not know

    @property
    def who(self) -> str:
        return f"{self.clerk_name}（{self.clerk_login}）"

    def require(self, permission: Permission) -> None:
        """Nothing when a role held holds `permission`; PermissionDenied naming who and what otherwise."""
        if self.unknown_roles and not self.roles:
            grant = GRANTS[permission]
            shown = "、".join(f"“{role}”" for role in self.unknown_roles)
            raise PermissionDenied(
                f"{self.who} 的角色{shown}本程序不认识，没有任何权限，不能{grant.label}："
                f"请更新本程序，或请信息技术人员核对该账号的角色（需要{ROLE_LABEL[grant.named_role]}角色）",
                permission=permission,
            )
        require(self.roles, permission, who=self.who)


def parse_roles(texts: Iterable[str]) -> tuple[frozenset[Role], tuple[str, ...]]:
    """The roles an account's row names, and the texts among them this version does not know."""
    known: set[Role] = set()
    unknown: list[str] = []
    for text in texts:
        try:
            known.add(Role(text))
        except ValueError:
            unknown.append(text)
    return frozenset(known), tuple(unknown)
