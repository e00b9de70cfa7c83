"""Who may act: people's accounts (login, name, roles, password hash), as the window and the server check
them.

- `people`: the rules of an account (login, name, new password) and the tables of roles and of which role
  an action needs; read by the window, the `clerk` command line and the server alike.
- `passwords`: the password hash scheme both sides use.
- `local`: a window's own accounts in its database (`clerk account add`: an interim step; accounts are to
  come from the server, whose side is `server/accounts.py`). Imported by name: the server does not load it.
"""

from app.accounts.passwords import hash_password, verify_password
from app.accounts.people import (
    ACTIONS,
    MIN_PASSWORD_LENGTH,
    RESOLVE_CONFLICT,
    ROLES,
    SUPERVISOR,
    AccountError,
    action_role,
)

__all__ = [
    "ACTIONS",
    "MIN_PASSWORD_LENGTH",
    "RESOLVE_CONFLICT",
    "ROLES",
    "SUPERVISOR",
    "AccountError",
    "action_role",
    "hash_password",
    "verify_password",
]
