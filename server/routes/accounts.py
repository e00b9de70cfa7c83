"""Accounts over the API: hall IT managing its hall's accounts, and a person changing their own password.

Every request carries the device credential; the person acting proves who they are with their own login
and password in the body, checked against the accounts of the device's hall (server.accounts). Hall IT
must hold the `it` role and manages only the device's hall. Failed passwords are throttled per address
(429), like a supervisor's (server.routes.conflicts). Bodies are small (64 KB): a 10 MB password is
refused (413) before anything is hashed, a password over `MAX_PASSWORD_CHARS` (400) too.

- `POST ACCOUNTS_LIST_PATH` (hall IT): 200 the hall's accounts, without hashes.
- `POST ACCOUNT_ADD_PATH` (hall IT): 200 the account added, with a temporary password (the one sent, or
  one the server made, answered once); 400 invalid; 409 `account_exists`.
- `POST ACCOUNT_ACTION_PATH` (hall IT; action `disable`, `enable`, `reset-password`, `roles`): 200 the
  account after it (`changed` false: it was so already); 404 no such account in the hall or no such
  action; 409 `last_it` (the hall's last enabled IT account).
- `POST PASSWORD_CHANGE_PATH` (the person): 200 `{"account": entry}`, the entry as windows hold it (with
  its new hash) so the window stores it at once; 400 a new password the rules refuse; 403
  `account_refused` or `temporary_expired`.
- `POST PASSWORD_REHASH_PATH` (the person, after a sign-in with a hash of an older scheme): 200
  `{"account": entry, "changed": bool}`; 403 as above.

Each change sends the hall's whole list to its windows (server.account_snapshot).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.accounts.roles import Permission
from app.sync.account_wire import ACCOUNT_ACTIONS, AccountRequest, PasswordChange, Rehash
from app.sync.schema import shown
from app.sync.wire import (
    ACCOUNT_ACTION_PATH,
    ACCOUNT_ADD_PATH,
    ACCOUNTS_LIST_PATH,
    PASSWORD_CHANGE_PATH,
    PASSWORD_REHASH_PATH,
)
from server import account_changes, accounts, admin
from server.routes.bodies import MAX_FORM_BODY_BYTES, documented_body, read_wire_body
from server.routes.dependencies import ClientAddress, CurrentDevice, Database, ServerClock, Throttling
from server.routes.errors import ApiError, error_answers
from server.store import ServerDB
from server.sync import Device
from server.throttle import PERSON, Throttle

T = TypeVar("T")
log = logging.getLogger("clerk.server.api")

router = APIRouter(tags=["accounts"])
IT_BODY = "系统管理员本人的账号和密码，及操作所需的内容"


async def _it_person(
    request: Request, db: ServerDB, device: Device, throttle: Throttle, address: str | None, clock: Any
) -> tuple[AccountRequest, accounts.Person]:
    """The body, and hall IT's account of the device's hall behind it; 403 (a failure counted) otherwise."""
    throttle.check(PERSON, address)
    body = await read_wire_body(request, MAX_FORM_BODY_BYTES, AccountRequest.from_json)
    login = body.it_login.strip()
    try:
        person = await run_in_threadpool(
            lambda: accounts.check_person(
                db,
                hall_code=device.hall_code,
                login=login,
                password=body.it_password,
                action=Permission.MANAGE_ACCOUNTS,
                now=clock(),
            )
        )
    except admin.AdminError:
        throttle.failed(PERSON, address, tried=f"login {login[:40]!r}")
        log.warning(
            "hall IT %r refused at device %s of window %s", login[:40], device.device_id, device.window_code
        )
        raise
    return body, person


@router.post(
    ACCOUNTS_LIST_PATH,
    summary="The accounts of the device's hall, for hall IT (账号列表)",
    description="Hall IT proves who they are with their own login and password (an enabled account of the "
    "device's hall holding the `it` role). The accounts without their password hashes.",
    responses=error_answers(400, 401, 403, 413, 429),
    openapi_extra=documented_body(AccountRequest, IT_BODY),
)
async def list_accounts(
    request: Request,
    device: CurrentDevice,
    db: Database,
    clock: ServerClock,
    throttle: Throttling,
    address: ClientAddress,
) -> JSONResponse:
    await _it_person(request, db, device, throttle, address, clock)
    rows = await run_in_threadpool(
        lambda: accounts.list_accounts(db, hall_code=device.hall_code, now=clock())
    )
    return JSONResponse({"hall_code": device.hall_code, "accounts": rows})


@router.post(
    ACCOUNT_ADD_PATH,
    summary="Add an account to the device's hall, with a temporary password (添加账号)",
    description="Hall IT (the `it` role, of the device's hall) adds an account with `login`, `name`, "
    "`roles` and a temporary password: `temporary_password`, or one the server makes and answers once. "
    "The person changes it at first sign-in, within `valid_days`. The hall's windows receive the account "
    "by their next pull. 409 `account_exists`.",
    responses=error_answers(400, 401, 403, 409, 413, 429),
    openapi_extra=documented_body(AccountRequest, IT_BODY),
)
async def add_account(
    request: Request,
    device: CurrentDevice,
    db: Database,
    clock: ServerClock,
    throttle: Throttling,
    address: ClientAddress,
) -> JSONResponse:
    body, person = await _it_person(request, db, device, throttle, address, clock)
    password = body.temporary_password or account_changes.generate_password()
    added = await run_in_threadpool(
        lambda: accounts.add_account(
            db,
            hall_code=device.hall_code,
            login=body.login.strip(),
            name=body.name,
            roles=list(body.roles),
            password=password,
            now=clock(),
            valid_days=body.valid_days,
        )
    )
    log.info("account %s of hall %s added by %s over the API", added.login, added.hall_code, person.login)
    answer: dict[str, Any] = {
        "hall_code": added.hall_code,
        "login": added.login,
        "name": added.name,
        "roles": list(added.roles),
    }
    if not body.temporary_password:
        answer["temporary_password"] = password
    return JSONResponse(answer)


_ACTIONS: dict[str, Callable[[ServerDB, AccountRequest, str, str, Any], account_changes.Changed]] = {
    "disable": lambda db, body, hall, login, now: account_changes.disable(
        db, hall_code=hall, login=login, now=now
    ),
    "enable": lambda db, body, hall, login, now: account_changes.enable(
        db, hall_code=hall, login=login, now=now
    ),
    "reset-password": lambda db, body, hall, login, now: account_changes.reset_password(
        db,
        hall_code=hall,
        login=login,
        now=now,
        password=body.temporary_password or None,
        valid_days=body.valid_days,
    ),
    "roles": lambda db, body, hall, login, now: account_changes.set_roles(
        db, hall_code=hall, login=login, roles=list(body.roles), now=now
    ),
}
assert set(_ACTIONS) == set(ACCOUNT_ACTIONS)


@router.post(
    ACCOUNT_ACTION_PATH,
    summary="Disable, enable, reset the password of, or set the roles of an account of the hall (管理账号)",
    description="Hall IT (the `it` role, of the device's hall) acts on an account of the same hall: "
    "`disable`, `enable`, `reset-password` (a temporary password: `temporary_password`, or one the server "
    "makes and answers once; valid `valid_days`), `roles` (replaces them with `roles`). `changed` false: "
    "it was so already. 409 `last_it`: the hall's last enabled IT account is not disabled nor loses the "
    "role. The hall's windows receive the change by their next pull.",
    responses=error_answers(400, 401, 403, 404, 409, 413, 429),
    openapi_extra=documented_body(AccountRequest, IT_BODY),
)
async def account_action(
    login: str,
    action: str,
    request: Request,
    device: CurrentDevice,
    db: Database,
    clock: ServerClock,
    throttle: Throttling,
    address: ClientAddress,
) -> JSONResponse:
    act = _ACTIONS.get(action)
    if act is None:
        known = "、".join(f"{code}（{label}）" for code, label in ACCOUNT_ACTIONS.items())
        raise ApiError(404, "not_found", f"没有账号操作“{shown(action)}”：应为 {known}")
    body, person = await _it_person(request, db, device, throttle, address, clock)
    changed = await run_in_threadpool(lambda: act(db, body, device.hall_code, login, clock()))
    log.info(
        "account %s of hall %s: %s by %s over the API%s",
        login,
        device.hall_code,
        action,
        person.login,
        "" if changed.changed else " (nothing to change)",
    )
    return JSONResponse(changed.as_json())


async def _as_person(
    throttle: Throttle, address: str | None, device: Device, login: str, doing: str, work: Callable[[], T]
) -> T:
    """`work` (a person proving their own password) off the event loop; a refused password counted."""
    try:
        return await run_in_threadpool(work)
    except admin.AdminError as error:
        if error.status == 403:
            throttle.failed(PERSON, address, tried=f"login {login[:40]!r}")
            log.warning("%s: %r refused (%s) at device %s", doing, login[:40], error.code, device.device_id)
        raise


@router.post(
    PASSWORD_CHANGE_PATH,
    summary="A person changes their own password (修改密码)",
    description="The person's login, current password (possibly the temporary one hall IT gave) and new "
    "password (at least 8 characters, not the login, not the current one), for an account of the device's "
    "hall. Answers the account as windows hold it (`account`, with its new hash) for the window to store at "
    "once; the other windows receive it by pull. 403 `account_refused` (login or password wrong, account "
    "disabled or of another hall: one answer) or `temporary_expired` (hall IT must reset it); failed "
    "attempts are throttled per address (429).",
    responses=error_answers(400, 401, 403, 409, 413, 429),
    openapi_extra=documented_body(PasswordChange, "账号、当前密码（或临时密码）、新密码"),
)
async def change_password(
    request: Request,
    device: CurrentDevice,
    db: Database,
    clock: ServerClock,
    throttle: Throttling,
    address: ClientAddress,
) -> JSONResponse:
    throttle.check(PERSON, address)
    body = await read_wire_body(request, MAX_FORM_BODY_BYTES, PasswordChange.from_json)
    login = body.login.strip()
    entry = await _as_person(
        throttle,
        address,
        device,
        login,
        "password change",
        lambda: account_changes.change_password(
            db,
            hall_code=device.hall_code,
            login=login,
            password=body.password,
            new_password=body.new_password,
            now=clock(),
        ),
    )
    return JSONResponse({"account": entry.to_json()})


@router.post(
    PASSWORD_REHASH_PATH,
    summary="Upgrade a password's stored hash to today's scheme (更新密码摘要)",
    description="After a sign-in whose account's hash is of an older scheme: the person's login and "
    "password; when they match and the hash needs it, the server stores a hash of today's scheme and sends "
    "the hall's list to its windows. Answers the account as windows hold it and `changed` (false: nothing "
    "to do). 403 as for a password change.",
    responses=error_answers(400, 401, 403, 409, 413, 429),
    openapi_extra=documented_body(Rehash, "账号和密码"),
)
async def rehash(
    request: Request,
    device: CurrentDevice,
    db: Database,
    clock: ServerClock,
    throttle: Throttling,
    address: ClientAddress,
) -> JSONResponse:
    throttle.check(PERSON, address)
    body = await read_wire_body(request, MAX_FORM_BODY_BYTES, Rehash.from_json)
    login = body.login.strip()
    changed = await _as_person(
        throttle,
        address,
        device,
        login,
        "rehash",
        lambda: account_changes.upgrade_hash(
            db, hall_code=device.hall_code, login=login, password=body.password, now=clock()
        ),
    )
    return JSONResponse({"account": changed.entry.to_json(), "changed": changed.changed})
