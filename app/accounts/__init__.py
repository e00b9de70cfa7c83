"""Who may act: people's accounts (login, name, roles, password hash), as the window and the server check
them.

- `roles`: the roles and the one table of which role holds which permission, with `require()`; read by
  the window's operations, the `clerk` command line and the server alike.
- `people`: the rules of an account (login, name, new password).
- `passwords`: the password hash scheme both sides use.
- `local`: a window's own accounts in its database (`clerk account add`: an interim step; accounts are to
  come from the server, whose side is `server/accounts.py`). Imported by name: the server does not load it.
"""

from app.accounts.passwords import hash_password, verify_password
from app.accounts.people import MIN_PASSWORD_LENGTH, ROLES, AccountError
from app.accounts.roles import Permission, PermissionDenied, Role, require

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "AccountError",
    "Permission",
    "PermissionDenied",
    "Role",
    "hash_password",
    "require",
    "verify_password",
]
