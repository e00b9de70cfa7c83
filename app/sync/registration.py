"""Registering this data folder as a window with the server, in two steps.

1. Before the one-time code is spent, check that this PC can keep a credential (a probe write, read and
   delete in the folder's secret store): a PC without a keyring service is told so and the code stays
   usable.
2. Enrol: the server answers with a new *pending* device and the hall, window code and window name the
   code was issued for (a folder that is not a window yet takes them; one that is must match).
3. Keep the new credential in the secret store under its own "pending" entry and note the pending
   registration in the database; then confirm with it. Only the confirmation makes the server switch the
   window to the new device (revoking the old one), and only then does the folder take the window's
   identity and the credential become the window's.

A confirmation that did not get through (offline, server error) stays pending and is finished by the next
sync round; until then the window's earlier device keeps working. A refused one is dropped.
"""

from __future__ import annotations

import json
import logging
import platform
import re
from dataclasses import asdict, dataclass

from app.case_number import is_valid_window_code
from app.secrets import SecretStore, SecretStoreError
from app.settings import Settings
from app.sync import wire
from app.sync.transport import Credential, SyncError, Transport, credential_key
from db.models import SyncState
from db.store import Store

log = logging.getLogger("clerk.sync.registration")

PENDING_STATE = "pending_registration"
_HALL_CODE = re.compile(r"[A-Z0-9]{2,32}")
MAX_WINDOW_NAME = 40


@dataclass(frozen=True)
class Registering:
    """What registering a data folder works with: its database and settings, the secret store that keeps
    the credential, and the way to the server."""

    store: Store
    settings: Settings
    secrets: SecretStore
    transport: Transport


@dataclass(frozen=True)
class PendingRegistration:
    """What the server enrolled and this window has not yet confirmed (the secret is in the secret store)."""

    server_url: str
    device_id: str
    hall_code: str
    window_code: str
    window_name: str

    @property
    def secret_key(self) -> str:
        return f"pending-{credential_key(self.server_url, self.window_code)}"


def register(
    folder: Registering, *, server_url: str, code: str, device_name: str | None = None
) -> Credential:
    """Register this folder with the one-time code hall IT got from the server; the window's credential.

    SecretStoreError when this PC cannot keep the credential (code not spent); SyncError otherwise."""
    url = server_url.rstrip("/")
    window_code = str(folder.settings.get("window_code"))
    try:
        folder.secrets.probe()
    except SecretStoreError as error:
        raise SecretStoreError(
            f"本机无法保存设备凭据，未登记：{error}。登记码没有使用，问题解决后仍可使用；"
            "请大厅信息技术人员安装并启用系统密钥服务（keyring）后重新运行 clerk register"
        ) from None
    body = {"code": code.strip(), "window_code": window_code, "device_name": device_name or platform.node()}
    answer = folder.transport.request("POST", url, wire.ENROLL_PATH, json=body, credential=None)
    try:
        enrolled = wire.EnrollResponse.from_json(answer)
    except wire.WireError as error:
        raise SyncError("protocol", f"服务器的登记回应无法识别（{error}），未登记") from None
    problem = _problem(enrolled, window_code)
    if problem:
        raise SyncError(
            "protocol", f"{problem}：未登记，本机设置和凭据未改动（登记码已用掉），请联系信息技术人员"
        )
    pending = PendingRegistration(
        url, enrolled.device_id, enrolled.hall_code, enrolled.window_code, enrolled.window_name.strip()
    )
    _drop(folder, _read_pending(folder))  # an earlier registration left unconfirmed: superseded now
    secret = json.dumps(
        {
            "device_id": enrolled.device_id,
            "secret": enrolled.secret,
            "hall_code": enrolled.hall_code,
            "window_code": enrolled.window_code,
        }
    )
    try:
        folder.secrets.set(pending.secret_key, secret)
    except SecretStoreError as error:
        raise SecretStoreError(
            f"无法保存新的设备凭据（{error}），登记未完成：本窗口原有设备不受影响，登记码已用掉，"
            "请信息技术人员重新签发"
        ) from None
    with folder.store.write() as session:
        session.merge(SyncState(key=PENDING_STATE, value=json.dumps(asdict(pending), ensure_ascii=False)))
    credential = finish(folder)
    assert credential is not None
    return credential


def finish(folder: Registering) -> Credential | None:
    """Confirm a pending registration, then make its credential and identity this folder's. None when
    nothing is pending; SyncError when the confirmation failed (kept for a later round only when it may
    still succeed: offline or a server error)."""
    pending = _read_pending(folder)
    if pending is None:
        return None
    stored = folder.secrets.get(pending.secret_key)
    if stored is None:
        _drop(folder, pending)
        raise SyncError("not_registered", "上次登记未完成，新设备凭据已不在本机：请用新的登记码重新登记")
    data = json.loads(stored)
    credential = Credential(
        pending.server_url, data["device_id"], data["secret"], pending.hall_code, pending.window_code
    )
    try:
        wire.ConfirmResponse.from_json(
            folder.transport.request(
                "POST", pending.server_url, wire.CONFIRM_PATH, credential=credential, json={}
            )
        )
    except (SyncError, wire.WireError) as error:
        message = error.message if isinstance(error, SyncError) else str(error)
        if isinstance(error, SyncError) and error.kind in ("offline", "server"):
            raise SyncError(
                error.kind,
                f"确认登记时出错（{message}）：登记尚未完成，本窗口原有设备在确认前仍然有效；"
                "下次同步（clerk sync）时自动完成确认",
            ) from None
        _drop(folder, pending)
        raise SyncError("auth", f"服务器没有确认登记（{message}）：未登记，本机设置未改动") from None
    # The server switched the window to this device: the credential and the identity are this folder's now.
    folder.secrets.set(credential_key(pending.server_url, pending.window_code), stored)
    identity: dict[str, object] = {
        "server_url": pending.server_url,
        "hall_code": pending.hall_code,
        "window_code": pending.window_code,
    }
    if pending.window_name:
        identity["window_name"] = pending.window_name
    folder.settings.update(identity)
    _drop(folder, pending)
    log.info(
        "registered as window %s of hall %s, device %s at %s",
        pending.window_code,
        pending.hall_code,
        credential.device_id,
        pending.server_url,
    )
    return credential


def _problem(enrolled: wire.EnrollResponse, window_code: str) -> str | None:
    """Why an enrolment answer cannot be taken, or None."""
    if not is_valid_window_code(enrolled.window_code):
        return f"服务器给出的窗口编码“{enrolled.window_code}”无效（应为 4–12 位大写字母或数字，以字母开头）"
    if window_code and enrolled.window_code != window_code:
        return f"服务器登记的窗口 {enrolled.window_code} 与本数据目录的窗口 {window_code} 不一致"
    if not _HALL_CODE.fullmatch(enrolled.hall_code):
        return f"服务器给出的大厅编码“{enrolled.hall_code}”无效"
    name = enrolled.window_name.strip()
    if len(name) > MAX_WINDOW_NAME or any(ord(ch) < 32 for ch in name):
        return f"服务器给出的窗口名称无效（应不超过 {MAX_WINDOW_NAME} 个字，不含控制字符）"
    if not enrolled.device_id or "." in enrolled.device_id or len(enrolled.device_id) > 64:
        return "服务器给出的设备编号无效"
    if not enrolled.secret or len(enrolled.secret) > 256:
        return "服务器给出的设备密钥无效"
    return None


def _read_pending(folder: Registering) -> PendingRegistration | None:
    with folder.store.read() as session:
        row = session.get(SyncState, PENDING_STATE)
        raw = None if row is None else row.value
    if raw is None:
        return None
    try:
        return PendingRegistration(**json.loads(raw))
    except (ValueError, TypeError):
        log.error("unreadable pending registration dropped: %r", raw)
        return None


def _drop(folder: Registering, pending: PendingRegistration | None) -> None:
    """Forget a pending registration: its secret entry, then its note."""
    if pending is not None:
        folder.secrets.delete(pending.secret_key)
    with folder.store.write() as session:
        row = session.get(SyncState, PENDING_STATE)
        if row is not None:
            session.delete(row)
