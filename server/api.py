"""The HTTP API of the central server (FastAPI), speaking `app.sync.wire`: `create_app` assembles the
routers of `server.routes` (one per area; each module's docstring lists its endpoints, statuses and
errors) around one database, one sync service, one clock and one throttle.

Device auth: `Authorization: Bearer {device_id}.{secret}`; unknown device or wrong secret → 401
`unauthorized`, revoked device → 401 `revoked`, a pending device anywhere but CONFIRM_PATH → 403
`not_confirmed`. Failed enrolments, device authentications and people's passwords are throttled per client
address (`server.throttle`): 429 `too_many_attempts` with `Retry-After`. Every error is an `ErrorBody`
(`error`, Chinese `message`); an unexpected failure is logged with its traceback and answered 500
`internal` without details (`server.routes.errors`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from app.sync.wire import MAX_BATCH_EVENTS, MAX_BODY_BYTES, MAX_PULL_CHANGES, PROTOCOL
from server.blob_files import BlobFiles
from server.blobs import BlobService
from server.clock import Clock, system_clock
from server.config import ServerConfig, blob_folder_for, load_config
from server.docs import add_offline_docs, document_request_bodies
from server.messages.settings import dispatcher_for
from server.routes import ROUTERS
from server.routes.errors import add_error_handling
from server.store import ServerDB, open_server_db
from server.sync import SyncService
from server.throttle import Throttle

VERSION = "1.0"
TITLE = "Window Clerk 中心服务器"
DESCRIPTION = f"""
Central server of Window Clerk (窗口综合受理系统中心服务器). Each hall window keeps working offline with
its own database and syncs here: it **pushes** its outbox of case events, **pulls** the changes of its
hall by cursor, and **reconciles** per-day counts.

- Protocol `{PROTOCOL}`; wire format in `app/sync/wire.py`.
- Authentication: `Authorization: Bearer {{device_id}}.{{secret}}` from enrolment. Enrolment itself
  needs a one-time code issued by hall IT (`clerk-server enroll-code`).
- Push is idempotent per `event_id`; the answer is sent after the transaction committed.
- A push carries at most {MAX_BATCH_EVENTS} events and {MAX_BODY_BYTES // (1024 * 1024)} MB; a pull
  returns at most {MAX_PULL_CHANGES} changes.
- Errors: an `ErrorBody` with a machine code and a Chinese message.
"""
TAGS = [
    {"name": "devices", "description": "窗口设备登记"},
    {"name": "sync", "description": "同步：上传事件、拉取变更、核对数量"},
    {"name": "blobs", "description": "材料页面文件：分块续传上传、按大厅下载"},
    {"name": "reference", "description": "事项目录与节假日安排"},
    {"name": "accounts", "description": "大厅工作人员账号：系统管理员管理账号，本人修改密码"},
    {
        "name": "helpers",
        "description": "帮办：本机签名密钥的发布，帮办预审单经服务器交到本大厅窗口，帮办员的代办/帮办件",
    },
    {"name": "health", "description": "运行状态"},
]


def create_app(
    *,
    database_url: str | None = None,
    engine: Engine | None = None,
    clock: Clock | None = None,
    throttle: Throttle | None = None,
    messages: ServerConfig | None = None,
    blob_folder: Path | None = None,
    hall_quota_bytes: int | None = None,
) -> FastAPI:
    """The server app on `database_url` (or `engine`; default: `DATABASE_URL` from the environment).

    The database is created or migrated here. An engine passed in stays the caller's to dispose. Failed
    attempts are throttled per address on `clock` unless another `throttle` is given. With `messages` (the
    settings `clerk-server serve` runs with), a message dispatcher (server.messages) runs in a thread of
    the app from its start to its end. The endpoints find
    the database, the sync service, the clock and the throttle on `app.state` (server.routes.dependencies).
    Page files (server.blobs) go to `blob_folder`, by default beside a SQLite database file or in the
    server's home (`server.config.blob_folder_for`); `hall_quota_bytes` limits each hall's.
    """
    clock = clock or system_clock
    if engine is None and database_url is None:
        database_url = load_config().database_url
    db: ServerDB = open_server_db(database_url, engine=engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        dispatcher = dispatcher_for(messages, db, clock=clock) if messages is not None else None
        if dispatcher is not None:
            dispatcher.start()
        try:
            yield
        finally:
            if dispatcher is not None:
                dispatcher.stop()
            db.close()

    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from the server's own files (server.docs), not a CDN
        redoc_url=None,
        openapi_tags=TAGS,
    )
    app.state.db = db
    app.state.sync = SyncService(db, clock)
    app.state.clock = clock
    app.state.throttle = throttle or Throttle(clock=clock)
    if blob_folder is None:
        blob_folder = blob_folder_for(str(db.engine.url), load_config().home)
    app.state.blobs = BlobService(db, BlobFiles(blob_folder), clock, hall_quota_bytes=hall_quota_bytes)
    add_error_handling(app)
    document_request_bodies(app)
    add_offline_docs(app, title=TITLE)
    for router in ROUTERS:
        app.include_router(router)
    return app
