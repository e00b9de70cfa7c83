"""Who may act at a window: local accounts (login, name, role, password hash) and their passwords.

Today a window's accounts are local: the demo folder gets the demo accounts, and hall IT may add one to a
registered window with `clerk account add` (an interim step: accounts are to come from the server).
"""

from app.accounts.local import (
    ROLES,
    AccountError,
    add_account,
    has_accounts,
    hash_password,
    verify_password,
)

__all__ = ["ROLES", "AccountError", "add_account", "has_accounts", "hash_password", "verify_password"]
