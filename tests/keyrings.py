"""Keyring backends for tests that need a keyring to fail as a real one does. Selected in a child process
with `PYTHON_KEYRING_BACKEND=tests.keyrings.RefusingKeyring`, as `keyring` itself supports."""

from __future__ import annotations

import keyring.backend
import keyring.errors


class RefusingKeyring(keyring.backend.KeyringBackend):
    """A keyring whose service refuses writes: what a locked or absent Secret Service does on a PC."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("No such password!")
