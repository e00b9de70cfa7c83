"""The HTTP API's endpoints, one `APIRouter` per area; `server.api.create_app` puts them together.

| module | area |
| --- | --- |
| `devices.py` | registering a window PC: enrol with a one-time code, confirm |
| `sync.py` | push, pull, reconcile |
| `cases.py` | a case's whole record, for a PC of its hall that does not hold it |
| `blobs.py` | page files: uploaded by chunks, downloaded by the PCs of the hall that holds them |
| `reference.py` | a published catalog version |
| `conflicts.py` | a supervisor resolving a conflict |
| `licences.py` | a holder's electronic licences, for a window of the hall |
| `accounts.py` | hall IT managing its hall's accounts; a person changing their password |
| `helpers.py` | 帮办: a PC publishing its signing keys; helpers' drafts for the windows of their hall |
| `helper_cases.py` | a helper's client list: the cases they prepared |
| `health.py` | liveness and the server's clock |
| `dependencies.py` | what endpoints share: database, sync service, clock, throttle, the device asking |
| `errors.py` | every error as an `ErrorBody`; the catch-all for what was not foreseen |
| `bodies.py` | request bodies: size limit, JSON as windows write it, OpenAPI description |
"""

from __future__ import annotations

from fastapi import APIRouter

from server.routes import (
    accounts,
    blobs,
    cases,
    conflicts,
    devices,
    health,
    helper_cases,
    helpers,
    licences,
    reference,
    sync,
)

ROUTERS: tuple[APIRouter, ...] = (
    devices.router,
    sync.router,
    cases.router,
    blobs.router,
    reference.router,
    conflicts.router,
    licences.router,
    accounts.router,
    helpers.router,
    helper_cases.router,
    health.router,
)
