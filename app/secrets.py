"""Secrets (office signing keys, later the device credential) live in the OS keyring via `keyring`.

A counter PC without a usable keyring is told so plainly. Only a demo data folder may keep secrets in a
file (`secret_store = "demo-file"`), and the window says so.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import fail

from app.atomic import write_atomic

SERVICE = "WindowClerk"


class SecretStoreError(Exception):
    """No place to keep a secret; the message says what IT can do."""


class DemoFileKeyring(keyring.backend.KeyringBackend):
    """A keyring in one JSON file (mode 0600) in the demo data folder. Never chosen automatically."""

    priority = -1

    def __init__(self, path: Path) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.path = path

    def _load(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data.setdefault(service, {})[username] = password
        write_atomic(self.path, json.dumps(data, indent=1).encode("utf-8"))
        os.chmod(self.path, 0o600)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if username not in data.get(service, {}):
            raise keyring.errors.PasswordDeleteError(username)
        del data[service][username]
        write_atomic(self.path, json.dumps(data, indent=1).encode("utf-8"))


class SecretStore:
    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        backend = self._backend or keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            raise SecretStoreError(
                "本机没有可用的系统密钥库（keyring），无法保存密钥（签发密钥、设备凭据）。"
                "请大厅信息技术人员安装并启用系统密钥服务；"
                "演示环境可将设置 secret_store 设为 demo-file"
            )
        return backend

    @property
    def is_demo_file(self) -> bool:
        return isinstance(self._backend, DemoFileKeyring)

    def get(self, name: str) -> str | None:
        try:
            return self.backend.get_password(SERVICE, name)
        except keyring.errors.KeyringError as error:
            raise SecretStoreError(f"无法读取系统密钥库：{error}") from error

    def delete(self, name: str) -> None:
        try:
            self.backend.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            pass  # already gone
        except keyring.errors.KeyringError as error:
            raise SecretStoreError(f"无法写入系统密钥库：{error}") from error

    def set(self, name: str, value: str) -> None:
        try:
            self.backend.set_password(SERVICE, name, value)
        except keyring.errors.KeyringError as error:
            raise SecretStoreError(f"无法写入系统密钥库：{error}") from error

    def probe(self) -> None:
        """Check that a secret can be written, read back and deleted here, before something that cannot be
        undone depends on it (spending a one-time enrolment code). SecretStoreError says why not."""
        token = secrets.token_hex(8)
        name = f"probe:{token}"
        backend = self.backend
        try:
            backend.set_password(SERVICE, name, token)
            read = backend.get_password(SERVICE, name)
            backend.delete_password(SERVICE, name)
        except Exception as error:  # any backend failure means: nothing can be kept here
            raise SecretStoreError(f"密钥库拒绝写入：{str(error) or type(error).__name__}") from error
        if read != token:
            raise SecretStoreError("密钥库写入后读不回原值")
