"""Local accounts of a window, kept in its database with the shared password scheme (app.accounts)."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.passwords import hash_password
from app.accounts.people import (
    AccountError,
    check_login,
    check_name,
    check_new_password,
    check_roles,
)
from db.models import Clerk
from db.store import Store


def has_accounts(store: Store) -> bool:
    with store.read() as session:
        return session.scalars(select(Clerk.login).where(Clerk.active)).first() is not None


def add_account(store: Store, *, login: str, name: str, password: str, role: str = "clerk") -> None:
    """A new active account. AccountError (nothing stored) for a bad or taken login, a bad name, password
    or role."""
    check_login(login)
    shown = check_name(name)
    check_roles([role])
    check_new_password(password)
    hashed = hash_password(password)
    with store.write() as session:
        if session.get(Clerk, login) is not None:
            raise AccountError(f"账号 {login} 已存在")
        session.add(Clerk(login=login, name=shown, password_hash=hashed, active=True, roles=role))
