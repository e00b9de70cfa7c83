"""What the endpoints share, as FastAPI dependencies: the server's database, sync service, clock and
throttle (put on `app.state` by `server.api.create_app`), the client's address, and the device a request
authenticates as.

Device auth: `Authorization: Bearer {device_id}.{secret}`; unknown device or wrong secret → 401
`unauthorized`, revoked device → 401 `revoked`, a pending device anywhere but CONFIRM_PATH → 403
`not_confirmed`. Failed device authentications are throttled per client address (`server.throttle`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server import admin
from server.clock import Clock
from server.routes.errors import ApiError
from server.security import parse_bearer
from server.store import ServerDB
from server.sync import Device, SyncService
from server.throttle import DEVICE, Throttle


def _app_state(name: str) -> Any:
    """A dependency giving what `create_app` put on `app.state` as `name`."""

    async def held(request: Request) -> Any:
        return getattr(request.app.state, name)

    return Depends(held)


async def _client_address(request: Request) -> str | None:
    return request.client.host if request.client is not None else None


Database = Annotated[ServerDB, _app_state("db")]
Sync = Annotated[SyncService, _app_state("sync")]
ServerClock = Annotated[Clock, _app_state("clock")]
Throttling = Annotated[Throttle, _app_state("throttle")]
ClientAddress = Annotated[str | None, Depends(_client_address)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="DeviceToken",
    description="`{device_id}.{secret}` from enrolment (窗口登记时获得的设备凭据)",
)


def enrolled_device(
    db: Database,
    throttle: Throttling,
    address: ClientAddress,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Device:
    """The authenticated device of a request, pending or active, or 401 (`unauthorized` / `revoked`);
    429 while the address is throttled for failed device authentications."""
    throttle.check(DEVICE, address)
    token = parse_bearer(f"Bearer {credentials.credentials}" if credentials else None)
    if token is None:
        throttle.failed(DEVICE, address, tried="no or malformed credential")
        raise ApiError(401, "unauthorized", "缺少或无法识别设备凭据（Authorization: Bearer 设备编号.密钥）")
    found = admin.authenticate(db, token.device_id, token.secret)
    if isinstance(found, admin.AdminError):
        if found.code == "unauthorized":  # a revoked device knows its secret: nothing is being guessed
            throttle.failed(DEVICE, address, tried=f"device {token.device_id[:64]!r}")
        raise ApiError(found.status, found.code, found.message)
    return found


def current_device(device: Annotated[Device, Depends(enrolled_device)]) -> Device:
    """The authenticated, confirmed device of a request; 403 `not_confirmed` for a pending one."""
    if not device.confirmed:
        raise ApiError(
            403,
            "not_confirmed",
            "本设备的登记尚未完成确认，不能同步；请在本机重新运行 clerk register 或 clerk sync 完成登记",
        )
    return device


PendingDevice = Annotated[Device, Depends(enrolled_device)]
CurrentDevice = Annotated[Device, Depends(current_device)]
