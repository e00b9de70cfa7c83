"""A window's workspace: its data folder, database, settings, catalog and services, opened once.

Both the `clerk` command line and the Qt window start here, so everything a window does can be done
headless.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.acceptance import AcceptanceService, Counter
from app.case_number import is_valid_window_code
from app.cases import CaseQueries
from app.catalog_store import CatalogRepository, demo_catalog_bytes, load_catalog
from app.certificates import CertificateService
from app.clock import Clock
from app.documents.service import DocumentService
from app.secrets import DemoFileKeyring, SecretStore
from app.settings import Settings
from app.sync.client import SyncClient
from app.workdays import CalendarError, CalendarYear, WorkCalendar, parse_calendar
from db.models import CalendarYearRow, CatalogVersion, Clerk
from db.store import BUSY_TIMEOUT_MS, Store, StoreError, open_store

log = logging.getLogger("clerk.workspace")

DATABASE_NAME = "window.sqlite3"
SETTINGS_NAME = "settings.json"
DEMO_SECRETS_NAME = "demo-secrets.json"
DEMO_CLERK = ("demo", "王晓梅", "demo1234")
DEMO_SUPERVISOR = ("zhuren", "陈建国", "demo1234")  # 大厅负责人: resolves sync conflicts


class WorkspaceError(Exception):
    """The workspace cannot be opened; the message says why and what to do."""


def default_home() -> Path:
    env = os.environ.get("CLERK_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("WindowClerk", appauthor=False))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = hash_password(password, salt=bytes.fromhex(salt_hex)).split("$")[2]
    return hmac.compare_digest(expected, digest_hex)


@dataclass
class Workspace:
    home: Path
    store: Store
    settings: Settings
    clock: Clock
    catalog: CatalogRepository
    calendar: WorkCalendar
    acceptance: AcceptanceService
    cases: CaseQueries
    documents: DocumentService
    certificates: CertificateService
    sync: SyncClient

    def counter(self, clerk_login: str | None = None) -> Counter:
        login = clerk_login or str(self.settings.get("default_clerk"))
        hall_code = str(self.settings.get("hall_code"))
        hall = self.catalog.hall(hall_code)
        if hall is None:
            raise WorkspaceError(f"设置中的大厅编码 {hall_code} 不在事项目录（{self.catalog.version}）中")
        window_code = str(self.settings.get("window_code"))
        if not is_valid_window_code(window_code):
            raise WorkspaceError(f"设置中的窗口编码 {window_code!r} 无效（4–12 位大写字母数字，以字母开头）")
        with self.store.read() as session:
            clerk = session.get(Clerk, login)
        if clerk is None or not clerk.active:
            raise WorkspaceError(f"工作人员账号 {login} 不存在或已停用")
        return Counter(hall, window_code, str(self.settings.get("window_name")), clerk.login, clerk.name)

    def refresh_reference_data(self) -> bool:
        """After sync: use the newest catalog version and published calendars. True when the catalog changed.

        The services share `catalog` and `calendar`, so they all see the new data at once; a case is
        always read against its own catalog version."""
        self.calendar.set_years(load_calendar_years(self.store))
        return self.catalog.refresh()

    def authorize(self, login: str, password: str, *, role: str) -> Clerk | None:
        """A person with `role` confirming an action at this window with their own password (主管授权)."""
        with self.store.read() as session:
            clerk = session.get(Clerk, login)
            if clerk is not None:
                session.expunge(clerk)
        if clerk is None or not clerk.active or clerk.role != role:
            return None
        if not verify_password(password, clerk.password_hash):
            return None
        return clerk

    def sign_in(self, login: str, password: str) -> Counter | None:
        with self.store.read() as session:
            clerk = session.get(Clerk, login)
        if clerk is None or not clerk.active or not verify_password(password, clerk.password_hash):
            return None
        return self.counter(login)

    def close(self) -> None:
        self.store.close()


def open_workspace(
    home: Path, *, clock: Clock | None = None, busy_timeout_ms: int | None = None
) -> Workspace:
    """Open the window's data folder, creating it with the demo catalog and demo clerk if new."""
    clock = clock or Clock()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WorkspaceError(f"无法创建数据目录 {home}：{error.strerror}") from None
    store = open_store(home / DATABASE_NAME, busy_timeout_ms=busy_timeout_ms or BUSY_TIMEOUT_MS)
    try:
        settings = Settings(home / SETTINGS_NAME)
        _seed(store, clock)
        catalog = CatalogRepository(store)
    except StoreError:
        store.close()
        raise
    except Exception:
        store.close()
        raise
    calendar = WorkCalendar(years=load_calendar_years(store))
    cases = CaseQueries(store)
    secrets = secret_store(home, settings)
    return Workspace(
        home=home,
        store=store,
        settings=settings,
        clock=clock,
        catalog=catalog,
        calendar=calendar,
        acceptance=AcceptanceService(store=store, catalog=catalog, calendar=calendar, clock=clock),
        cases=cases,
        documents=DocumentService(store=store, catalog=catalog, cases=cases, clock=clock, settings=settings),
        certificates=CertificateService(
            store=store, catalog=catalog, clock=clock, settings=settings, secrets=secrets
        ),
        sync=SyncClient(store=store, settings=settings, secrets=secrets, clock=clock),
    )


def prepare_demo_home(home: Path) -> None:
    """A demo data folder keeps its secrets in a file: demo PCs often have no keyring service."""
    home.mkdir(parents=True, exist_ok=True)
    settings = Settings(home / SETTINGS_NAME)
    if not (home / SETTINGS_NAME).exists():
        settings.set("secret_store", "demo-file")


def secret_store(home: Path, settings: Settings) -> SecretStore:
    if settings.get("secret_store") == "demo-file":
        return SecretStore(DemoFileKeyring(home / DEMO_SECRETS_NAME))
    return SecretStore()


def _seed(store: Store, clock: Clock) -> None:
    with store.read() as session:
        has_catalog = session.scalars(select(CatalogVersion.id)).first() is not None
        has_clerk = session.scalars(select(Clerk.login)).first() is not None
    if not has_catalog:
        load_catalog(store, demo_catalog_bytes(), now=clock.now())
    if not has_clerk:
        with store.write() as session:
            for (login, name, password), role in ((DEMO_CLERK, "clerk"), (DEMO_SUPERVISOR, "supervisor")):
                if session.get(Clerk, login) is None:
                    session.add(
                        Clerk(
                            login=login,
                            name=name,
                            password_hash=hash_password(password),
                            active=True,
                            role=role,
                        )
                    )


def load_calendar_years(store: Store) -> list[CalendarYear]:
    """The published calendars stored by sync. One that no longer parses (a newer format) is skipped and
    logged: its days are then computed as uncertain, never guessed as certain."""
    with store.read() as session:
        rows = session.execute(select(CalendarYearRow.year, CalendarYearRow.content)).all()
    years = []
    for year, content in rows:
        try:
            years.append(parse_calendar(json.dumps(content, ensure_ascii=False).encode()))
        except CalendarError as error:
            log.error("stored calendar %s unusable: %s", year, error)
    return years
