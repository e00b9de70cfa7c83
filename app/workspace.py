"""A window's workspace: its data folder, database, settings, catalog and services, opened once.

Both the `clerk` command line and the Qt window start here, so everything a window does can be done
headless.

A data folder is a window only once it is registered with the server, which confirms its hall and window
code (`clerk register`); before that it has no window code and no accounts, and accepts nothing. A window
code belongs to exactly one data folder. The demo hall's identity (SZX01, window SZX0103, the demo
accounts and catalog) is written only into a folder made a demo folder (`prepare_demo_home`).

The demo catalog too: a window's catalog comes from its server by sync (or hall IT's `clerk catalog
load`). Seeded into a real window, the demo's items would be offered at the counter until the first sync,
and would even stay current after it if the region's catalog carried an earlier publication date (the
newest `published` wins, app.catalog_store).
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path

import httpx
from sqlalchemy import select

from app.acceptance import AcceptanceService
from app.accounts import AccountError
from app.accounts.demo import DEMO_ACCOUNTS, DEMO_HALL_CODE
from app.accounts.local import add_account, has_accounts
from app.accounts.roles import Permission, may
from app.accounts.signin import Refusal, SignedIn, SignInRefused, check_password
from app.audit.record import record_audit
from app.bundles.intake import BundleService
from app.case_number import is_valid_window_code
from app.cases.queries import CaseQueries
from app.catalog import Hall
from app.catalog_store import CatalogRepository, demo_catalog_bytes, load_catalog
from app.certificates import CertificateService
from app.clock import Clock
from app.documents.service import DocumentService
from app.licence_library.library import LicenceLibrary
from app.lifecycle.ratings import RatingService
from app.lifecycle.service import LifecycleService
from app.lifecycle.supplements import SupplementService
from app.operations.person import Actor, parse_roles
from app.scanning.attach import PageService
from app.scanning.page_store import PageStore
from app.secrets import DemoFileKeyring, SecretStore
from app.settings import Settings
from app.sync.accounts import change_password, upgrade_hash
from app.sync.client import CLOCK_OFFSET_STATE, SyncClient
from app.sync.reference import stored_calendar_years
from app.sync.transport import SyncError
from app.sync.wire import EventKind
from app.workdays import CalendarYear, WorkCalendar
from db.models import CatalogVersion, Clerk
from db.store import BUSY_TIMEOUT_MS, Store, open_store

log = logging.getLogger("clerk.workspace")

DATABASE_NAME = "window.sqlite3"
SETTINGS_NAME = "settings.json"
DEMO_SECRETS_NAME = "demo-secrets.json"
DEMO_SETTINGS: dict[str, object] = {
    "demo": True,
    "hall_code": DEMO_HALL_CODE,
    "window_code": "SZX0103",
    "window_name": "3号综合受理窗口",
    "office_name": "示例市政务服务中心",
    "secret_store": "demo-file",  # demo PCs often have no keyring service
}
NO_ACCOUNTS = (
    "本窗口还没有工作人员账号：账号由大厅信息技术人员在中心服务器上添加（clerk-server account add），"
    "本窗口与服务器同步后即可登录"
)
REGISTER_HOW = (
    "请大厅信息技术人员在中心服务器上运行 clerk-server enroll-code --hall 大厅编码 --window 窗口编码 "
    "取得一次性登记码，再在本机运行 clerk register --server 服务器地址 --code 登记码。"
    "仅作演示或培训时，可用 clerk demo-init 另建演示数据目录"
)


# How a refused sign-in is recorded (audit.sign_in_failed; an unknown login is told apart by app.audit).
FAILED_REASON: dict[Refusal, str] = {
    Refusal.WRONG: "wrong_password",
    Refusal.TOO_LONG: "wrong_password",
    Refusal.LOCKED: "locked_out",
    Refusal.DISABLED: "disabled",
    Refusal.TEMPORARY_EXPIRED: "temporary_expired",
}


class WorkspaceError(Exception):
    """The workspace cannot be opened; the message says why and what to do."""


class NotRegisteredError(WorkspaceError):
    """The data folder is not (yet) a window: it has no window code from the server."""


def default_home() -> Path:
    env = os.environ.get("CLERK_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("WindowClerk", appauthor=False))


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
    lifecycle: LifecycleService
    supplements: SupplementService
    ratings: RatingService
    pages: PageService
    bundles: BundleService

    @cached_property
    def licences(self) -> LicenceLibrary:
        """The window's licence library (电子证照: app.licence_library)."""
        return LicenceLibrary(store=self.store, clock=self.clock)

    @property
    def is_demo(self) -> bool:
        return bool(self.settings.get("demo"))

    def check_window(self) -> tuple[Hall, str]:
        """This folder's hall and window code, once it is a window with a catalog; WorkspaceError
        (NotRegisteredError for a folder not registered yet) saying what is missing otherwise."""
        window_code = str(self.settings.get("window_code"))
        if not window_code:
            raise NotRegisteredError(f"本数据目录（{self.home}）尚未登记为窗口，不能受理。{REGISTER_HOW}")
        if not is_valid_window_code(window_code):
            raise WorkspaceError(f"设置中的窗口编码 {window_code!r} 无效（4–12 位大写字母数字，以字母开头）")
        if not self.catalog.version:
            raise WorkspaceError(
                "本窗口尚未取得事项目录：请先与服务器同步（clerk sync），"
                "或由信息技术人员加载（clerk catalog load）"
            )
        hall_code = str(self.settings.get("hall_code"))
        hall = self.catalog.hall(hall_code)
        if hall is None:
            raise WorkspaceError(f"设置中的大厅编码 {hall_code} 不在事项目录（{self.catalog.version}）中")
        return hall, window_code

    def counter(self, clerk_login: str) -> Actor:
        """Who acts where: this window and an account (signed in by `sign_in`), with its roles.
        WorkspaceError (NotRegisteredError for a folder that is not a window yet) says what is missing and
        how to set it up. A role this version does not know grants nothing (the operations say so)."""
        hall, window_code = self.check_window()
        login = clerk_login
        with self.store.read() as session:
            clerk = session.get(Clerk, login) if login else None
        if clerk is None or not clerk.active:
            more = "" if has_accounts(self.store) else f"。{NO_ACCOUNTS}"
            raise WorkspaceError(f"工作人员账号 {login} 不存在或已停用{more}")
        window_name = str(self.settings.get("window_name")) or window_code
        roles, unknown = parse_roles(clerk.role_list)
        if unknown:
            log.warning("account %s has a role this version does not know: %s", clerk.login, unknown)
        return Actor(hall, window_code, window_name, clerk.login, clerk.name, roles, unknown)

    def refresh_reference_data(self) -> bool:
        """After sync: use the newest catalog version and published calendars. True when the catalog changed.

        The services share `catalog` and `calendar`, so they all see the new data at once; a case is
        always read against its own catalog version."""
        self.calendar.set_years(load_calendar_years(self.store))
        return self.catalog.refresh()

    def authorize(self, login: str, password: str, *, permission: Permission) -> Clerk | None:
        """A person whose role holds `permission` confirming an action at this window with their own
        password (主管授权); None when the password is wrong (counted like a sign-in) or the role missing."""
        try:
            check_password(self.store, login, password, now=self.clock.now())
        except SignInRefused:
            return None
        with self.store.read() as session:
            clerk = session.get(Clerk, login)
            if clerk is not None:
                session.expunge(clerk)
        if clerk is None or not may(clerk.role_list, permission):
            return None
        return clerk

    def sign_in(self, login: str, password: str) -> SignedIn:
        """The account behind (login, password) at this window (SignInRefused says why not). A temporary
        password signs in only to be changed (`SignedIn.must_change`)."""
        if not has_accounts(self.store):
            raise WorkspaceError(NO_ACCOUNTS)
        signed = self._checked(login, password)
        self.record_session(EventKind.SIGNED_IN, signed.login)
        return signed

    def _checked(self, login: str, password: str) -> SignedIn:
        """check_password, a refusal recorded as a failed sign-in (audit.sign_in_failed)."""
        try:
            return check_password(self.store, login, password, now=self.clock.now())
        except SignInRefused as refused:
            self.record_session(EventKind.SIGN_IN_FAILED, login, reason=FAILED_REASON[refused.reason])
            raise

    def record_session(self, kind: EventKind, login: str, **details: object) -> None:
        """An audit record (sign-in, sign-out, lock, unlock, password change, export) in this window's
        chain; nothing on a folder that is not a window yet (it has no one to sign in)."""
        window_code = str(self.settings.get("window_code"))
        if is_valid_window_code(window_code):
            record_audit(
                self.store, kind, login=login, window_code=window_code, now=self.clock.now(), details=details
            )

    def change_password(self, login: str, password: str, new_password: str) -> None:
        """The person's new password, set on the server (online only: SyncError otherwise) and kept here
        at once; recorded (audit.password_changed)."""
        temporary = self._temporary(login)
        change_password(
            store=self.store,
            transport=self.sync.transport,
            login=login,
            password=password,
            new_password=new_password,
        )
        self.record_session(
            EventKind.PASSWORD_CHANGED, login, reason="temporary" if temporary else "voluntary"
        )

    def upgrade_hash(self, login: str, password: str) -> None:
        """After a sign-in with a hash of an older scheme: the server makes today's (online; offline or
        refused, the next sign-in tries again)."""
        try:
            upgrade_hash(store=self.store, transport=self.sync.transport, login=login, password=password)
        except SyncError as error:
            log.info("password hash of %s not upgraded now: %s", login, error.message)

    def _temporary(self, login: str) -> bool:
        with self.store.read() as session:
            clerk = session.get(Clerk, login)
            return clerk is not None and clerk.temporary_until is not None

    def person(self, login: str, password: str) -> Actor:
        """Who acts, for a command that changes data: signed in by password, with a password of their
        own (a temporary one is changed at the window first). SignInRefused or WorkspaceError otherwise."""
        signed = self.sign_in(login, password)
        if signed.must_change:
            raise WorkspaceError(f"账号 {login} 的密码是临时密码：请先在窗口登录并设置新密码，再使用命令行")
        if signed.rehash:
            self.upgrade_hash(login, password)
        return self.counter(login)

    def account_roles(self, login: str) -> list[str]:
        """The role codes an account of this window holds (none for an unknown one)."""
        with self.store.read() as session:
            clerk = session.get(Clerk, login)
            return clerk.role_list if clerk is not None else []

    def confirm_password(self, person: Actor, password: str) -> None:
        """The signed-in person typing their password again (approving applies the seal; unlocking the
        window): SignInRefused when it is not theirs (recorded as a failed sign-in)."""
        self._checked(person.clerk_login, password)

    def close(self) -> None:
        self.store.close()


def open_workspace(
    home: Path,
    *,
    clock: Clock | None = None,
    busy_timeout_ms: int | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Workspace:
    """Open the window's data folder, creating an empty one (not a window until registered) if new.
    `transport`: how its sync client reaches the server (default: the network; tests: a server in-process)."""
    clock = clock or Clock()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WorkspaceError(f"无法创建数据目录 {home}：{error.strerror}") from None
    store = open_store(home / DATABASE_NAME, busy_timeout_ms=busy_timeout_ms or BUSY_TIMEOUT_MS)
    try:
        settings = Settings(home / SETTINGS_NAME)
        catalog = CatalogRepository(store)
    except Exception:
        store.close()
        raise
    calendar = WorkCalendar(years=load_calendar_years(store))
    cases = CaseQueries(store)
    secrets = secret_store(home, settings)
    lifecycle = LifecycleService(store=store, calendar=calendar, clock=clock)
    page_store = PageStore.in_data_folder(home, reserve_bytes=settings.get("page_reserve_mb") * 1024 * 1024)
    acceptance = AcceptanceService(
        store=store, catalog=catalog, calendar=calendar, clock=clock, pages=page_store
    )
    documents = DocumentService(
        store=store, catalog=catalog, cases=cases, clock=clock, settings=settings, calendar=calendar
    )
    workspace = Workspace(
        home=home,
        store=store,
        settings=settings,
        clock=clock,
        catalog=catalog,
        calendar=calendar,
        acceptance=acceptance,
        cases=cases,
        documents=documents,
        certificates=CertificateService(
            store=store, catalog=catalog, clock=clock, settings=settings, secrets=secrets
        ),
        sync=SyncClient(store=store, settings=settings, secrets=secrets, clock=clock, transport=transport),
        lifecycle=lifecycle,
        supplements=SupplementService(
            store=store, catalog=catalog, calendar=calendar, clock=clock, cases=cases, lifecycle=lifecycle
        ),
        ratings=RatingService(store=store, calendar=calendar, clock=clock),
        pages=PageService(store=store, pages=page_store, clock=clock),
        bundles=BundleService(
            store=store, catalog=catalog, acceptance=acceptance, cases=cases, documents=documents, clock=clock
        ),
    )
    workspace.certificates.repair_signing_keys()
    workspace.lifecycle.fill_missing_due_days()
    _keep_hall_time(workspace)
    return workspace


def _keep_hall_time(workspace: Workspace) -> None:
    """A PC clock found off at the last sync stays corrected by the offset found then, offline too."""
    text = workspace.sync.state().get(CLOCK_OFFSET_STATE)
    if workspace.clock.follows_server and text:
        with contextlib.suppress(ValueError):
            workspace.clock.offset = timedelta(seconds=int(text))


def prepare_demo_home(home: Path, *, clock: Clock | None = None) -> None:
    """Make `home` a demo data folder (idempotent): the demo hall's settings, the demo catalog and the demo
    accounts. A folder registered as a real window is refused: its window code is its own.

    A folder made by an earlier version's demo (secrets in a file, window identity from the old defaults)
    is taken as a demo folder and gets what it lacks; settings it has are kept."""
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WorkspaceError(f"无法创建数据目录 {home}：{error.strerror}") from None
    settings = Settings(home / SETTINGS_NAME)
    earlier_demo = settings.get("secret_store") == "demo-file"
    if not settings.get("demo") and settings.get("window_code") and not earlier_demo:
        raise WorkspaceError(
            f"数据目录 {home} 已登记为窗口 {settings.get('window_code')}，不能改作演示目录；"
            "演示请另用一个数据目录（--home）"
        )
    missing = {k: v for k, v in DEMO_SETTINGS.items() if not settings.has(k)}
    if missing:
        settings.update(missing)
    now = (clock or Clock()).now()
    store = open_store(home / DATABASE_NAME)
    try:
        with store.read() as session:
            has_catalog = session.scalars(select(CatalogVersion.id)).first() is not None
        if not has_catalog:
            load_catalog(store, demo_catalog_bytes(), now=now)
        for (login, name, password), role in DEMO_ACCOUNTS:
            with contextlib.suppress(AccountError):  # there already
                add_account(store, login=login, name=name, password=password, role=role)
    finally:
        store.close()


def secret_store(home: Path, settings: Settings) -> SecretStore:
    if settings.get("secret_store") == "demo-file":
        return SecretStore(DemoFileKeyring(home / DEMO_SECRETS_NAME))
    return SecretStore()


def load_calendar_years(store: Store) -> list[CalendarYear]:
    """The published calendars stored by sync (app.sync.reference.stored_calendar_years)."""
    with store.read() as session:
        return stored_calendar_years(session)
