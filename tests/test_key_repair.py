"""Making a signing key spans the OS keyring and the database (app.signing_keys): what can fail is checked
first, each step can be repeated, and what a failure between steps left half-done is finished when the data
folder is opened again, so every certificate issued after it verifies (issue 10, finding 9).

A real keyring backend that refuses the write the test picks, as a locked or full keyring service does, and
a real SQLite file whose write lock another program holds."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import fail
from sqlalchemy import select

from app.clock import CHINA, fixed_clock
from app.intake import parse_request
from app.seal import VerificationStatus, stored_entry
from app.secrets import SecretStoreError
from app.signing_keys import current_name, entry_name, made_name, private_name
from app.workspace import DATABASE_NAME, Workspace
from db.models import Case, Certificate
from db.models import OfficeKey as OfficeKeyRow
from db.store import StoreError
from tests.helpers import PLANNING, PLANNING_FIELDS, open_demo_workspace, request_json

SERVICE = "WindowClerk"
WINDOW = "SZX0103"
DAY_ONE = datetime(2026, 11, 20, 10, 0, tzinfo=CHINA)
BUSY_MS = 50  # how long a write waits for a lock another program holds


class StepKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps secrets in memory and refuses every write whose name starts with `refuse`
    (the probe's too, when asked); `then` runs after a write of a name starting with `after`."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, database: Path) -> None:
        super().__init__()
        self.database = database
        self.secrets: dict[str, str] = {}
        self.refuse: str | None = None
        self.after: str | None = None
        self.then: list[sqlite3.Connection] = []

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.refuse is not None and username.startswith(self.refuse):
            raise keyring.errors.PasswordSetError("Failed to unlock the collection!")
        self.secrets[username] = password
        if self.after is not None and username.startswith(self.after):
            self.then.append(hold_write_lock(self.database))

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop(username, None)

    def names(self, prefix: str) -> set[str]:
        return {name for name in self.secrets if name.startswith(prefix)}


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another program's connection, in a write transaction: the window's writes wait, then fail."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


@pytest.fixture
def keys(home: Path) -> Iterator[StepKeyring]:
    backend = StepKeyring(home / DATABASE_NAME)
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    for other in backend.then:
        other.close()
    keyring.set_keyring(previous)


def open_window(home: Path, *, day: datetime = DAY_ONE) -> Workspace:
    return open_demo_workspace(home, clock=fixed_clock(day), busy_timeout_ms=BUSY_MS)


def accept(workspace: Workspace) -> str:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    return workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))


def directory_ids(workspace: Workspace) -> set[str]:
    with workspace.store.read() as session:
        return set(session.scalars(select(OfficeKeyRow.key_id)))


def status_and_certificates(workspace: Workspace, number: str) -> tuple[str, int]:
    with workspace.store.read() as session:
        status = session.scalars(select(Case.status).where(Case.number == number)).one()
        issued = session.scalars(select(Certificate.id).where(Certificate.case_number == number)).all()
    return status, len(issued)


def issue_and_verify(workspace: Workspace, number: str) -> str:
    """Approve `number`; the id of the key that sealed its certificate, which verifies here."""
    approval = workspace.certificates.approve(
        number, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS
    )
    verification = workspace.certificates.verify(approval.qr_text)
    assert verification.status is VerificationStatus.VALID, verification.message
    assert verification.key_id is not None
    return verification.key_id


# -- check first ---------------------------------------------------------------------------------------------
def test_a_keyring_that_takes_no_write_is_found_before_any_step(home: Path, keys: StepKeyring) -> None:
    workspace = open_window(home)
    number = accept(workspace)
    keys.refuse = ""  # every write, the probe's first
    with pytest.raises(SecretStoreError, match="无法生成本窗口的签发密钥") as raised:
        workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS)
    assert "密钥库" in str(raised.value)
    assert keys.secrets == {} and directory_ids(workspace) == set()
    assert status_and_certificates(workspace, number) == ("accepted", 0)
    workspace.close()


def test_a_database_that_takes_no_write_is_found_before_the_keyring_is_touched(
    home: Path, keys: StepKeyring
) -> None:
    workspace = open_window(home)
    number = accept(workspace)
    keys.then.append(hold_write_lock(keys.database))
    with pytest.raises(StoreError) as raised:
        workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS)
    assert raised.value.kind == "locked"
    assert keys.names("office-key") == set()  # nothing made that the database could not take
    keys.then.pop().close()
    assert issue_and_verify(workspace, number) in directory_ids(workspace)
    workspace.close()


# -- a failure between steps, then the folder opened again -----------------------------------------------
@pytest.mark.parametrize(
    ("step", "finished"),
    [
        ("office-key:", False),  # 1 the private half
        ("office-key-entry:", False),  # 2 its public entry
        ("office-keys#", False),  # 3 the list of this PC's keys for the window
        ("office-key-current:", True),  # 4 the current pointer
        ("row", True),  # 5 the database row
    ],
    ids=["private", "entry", "list", "current", "row"],
)
def test_a_failure_between_steps_is_repaired_when_the_folder_opens(
    home: Path, keys: StepKeyring, step: str, finished: bool
) -> None:
    """Before the key is listed (steps 1–3) it sealed nothing and nothing refers to it: the next approval
    makes another. Once listed (steps 4–5), opening the folder finishes it: its row is written from the kept
    entry and it becomes current, before any approval; the next certificate is sealed with it and verifies."""
    workspace = open_window(home)
    first, second = accept(workspace), accept(workspace)
    if step == "row":
        keys.after = "office-key-current:"  # another program takes the database just then
    else:
        keys.refuse = step
    with pytest.raises((SecretStoreError, StoreError)):
        workspace.certificates.approve(first, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS)
    assert status_and_certificates(workspace, first) == ("accepted", 0)
    assert directory_ids(workspace) == set()
    half_made = set(keys.names("office-key:"))
    workspace.close()
    while keys.then:
        keys.then.pop().close()
    keys.refuse = keys.after = None

    workspace = open_window(home, day=DAY_ONE + timedelta(days=3))
    made = {name.removeprefix("office-key:") for name in half_made}
    repaired = directory_ids(workspace)
    assert repaired == (made if finished else set())
    if finished:
        [key_id] = made
        assert keys.secrets[current_name(workspace.catalog.item(PLANNING).body_code, WINDOW)] == key_id  # type: ignore[union-attr]
        assert workspace.certificates.repair_signing_keys() == []  # done: opening again repairs nothing

    sealed_by = issue_and_verify(workspace, first)
    assert (sealed_by in made) is finished
    assert issue_and_verify(workspace, second) == sealed_by
    with workspace.store.read() as session:
        [row] = session.scalars(select(OfficeKeyRow)).all()
    assert row.key_id == sealed_by
    assert row.valid_from == (date(2026, 11, 20) if finished else date(2026, 11, 23))  # made, not repaired
    workspace.close()


def test_a_database_restored_from_an_older_backup_gets_its_keys_rows_back(
    home: Path, keys: StepKeyring, tmp_path: Path
) -> None:
    """The backup predates the key: the certificate sealed since verifies again as soon as the folder opens
    (unknown_key before), under the very entry the server registered, and the key goes on sealing."""
    workspace = open_window(home)
    first, second = accept(workspace), accept(workspace)
    backup = tmp_path / "backup.sqlite3"
    source, copy = sqlite3.connect(workspace.store.path), sqlite3.connect(backup)
    source.backup(copy)
    source.close()
    copy.close()
    approval = workspace.certificates.approve(
        first, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS
    )
    [entry] = [stored_entry(row) for row in _rows(workspace)]
    workspace.close()
    for leftover in home.glob(f"{DATABASE_NAME}*"):
        leftover.unlink()
    (home / DATABASE_NAME).write_bytes(backup.read_bytes())

    workspace = open_window(home, day=DAY_ONE + timedelta(days=5))
    assert [stored_entry(row) for row in _rows(workspace)] == [entry]  # valid_from the day it was made
    assert workspace.certificates.verify(approval.qr_text).status is VerificationStatus.VALID
    assert issue_and_verify(workspace, first) == entry.key_id  # the restored case, issued again
    assert issue_and_verify(workspace, second) == entry.key_id
    workspace.close()


def _rows(workspace: Workspace) -> list[OfficeKeyRow]:
    with workspace.store.read() as session:
        return list(session.scalars(select(OfficeKeyRow)).all())


# -- never reused -----------------------------------------------------------------------------------------
def test_a_key_whose_private_half_is_gone_is_never_reused(home: Path, keys: StepKeyring) -> None:
    workspace = open_window(home)
    first, second = accept(workspace), accept(workspace)
    approval = workspace.certificates.approve(
        first, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS
    )
    [old] = directory_ids(workspace)
    del keys.secrets[private_name(old)]
    workspace.close()

    workspace = open_window(home)  # nothing to repair: its row is there, its private half is not
    assert directory_ids(workspace) == {old}
    new = issue_and_verify(workspace, second)
    assert new != old and directory_ids(workspace) == {old, new}
    assert workspace.certificates.verify(approval.qr_text).status is VerificationStatus.VALID  # row kept
    workspace.close()


def test_an_earlier_versions_key_without_its_row_is_not_rebuilt(home: Path, keys: StepKeyring) -> None:
    """A key made before entries were kept (a private half and a current pointer, no entry, not listed)
    whose row is gone: a row rebuilt by guessing its office name and first day might not be the entry the
    server registered, so a new key is made, as before."""
    workspace = open_window(home)
    number = accept(workspace)
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    older = workspace.certificates.office_key(office_code=item.body_code, office_name=item.body_name)
    for name in (entry_name(older.key_id), made_name(WINDOW)):
        del keys.secrets[name]
    with workspace.store.write() as session:
        session.delete(session.get(OfficeKeyRow, older.key_id))
    workspace.close()

    workspace = open_window(home)
    assert directory_ids(workspace) == set()
    new = issue_and_verify(workspace, number)
    assert new != older.key_id and directory_ids(workspace) == {new}
    workspace.close()


def test_the_folder_opens_on_a_pc_without_a_keyring(home: Path, keys: StepKeyring) -> None:
    workspace = open_window(home)
    number = accept(workspace)
    workspace.close()
    keyring.set_keyring(fail.Keyring())
    workspace = open_window(home)  # the start-up repair cannot look: it says so in the log, no more
    assert workspace.counter("demo").window_code == WINDOW
    with pytest.raises(SecretStoreError, match="系统密钥库"):
        workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS)
    workspace.close()
