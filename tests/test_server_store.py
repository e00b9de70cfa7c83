"""The server database (migrations, SQLite settings) and the documented API surface."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from sqlalchemy import Connection, Engine, text

from app.sync import wire
from app.sync.wire import EnrollRequest
from server import admin
from server.models import metadata
from server.security import sha256_hex
from server.store import open_server_db
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    Target,
    TestClient,
    client_fixture,
    decided,
    enroll,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_build_exactly_the_models(target: Target) -> None:
    engine = target.engine()
    try:
        db = open_server_db(engine=engine)
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
        db.close()
    finally:
        engine.dispose()
    # Only the migration bookkeeping table is not a model.
    assert [d[0] for d in differences] == ["remove_table"]
    assert differences[0][1].name == "server_alembic_version"


def test_opening_again_keeps_the_data(target: Target, client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    window.push(decided("SZX0103", [1, 2]))
    engine = target.engine()
    try:
        again = open_server_db(engine=engine)  # migrating an up-to-date database changes nothing
        with again.read() as connection:
            assert connection.execute(text("SELECT count(*) FROM case_record")).scalar_one() == 2
            version = connection.execute(text("SELECT version_num FROM server_alembic_version")).scalar_one()
        assert version == "0017"
        again.close()
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys_and_full_sync(tmp_path: Path) -> None:
    db = open_server_db(f"sqlite:///{tmp_path / 'nested' / 'server.sqlite3'}")
    try:
        for engine in (db.engine, db.read_engine):
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
                assert connection.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL
        with db.read() as connection:
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'change_log'"
            ).scalar_one()
        assert "AUTOINCREMENT" in sql  # a change number is never reused
    finally:
        db.close()


def test_health_needs_no_credentials(client: TestClient) -> None:
    response = client.get(wire.HEALTH_PATH)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["protocol"] == wire.PROTOCOL
    assert body["server_time"] == "2026-11-20T02:00:00.000Z"


def test_unknown_paths_and_methods_answer_with_an_error_body(client: TestClient) -> None:
    response = client.get("/api/v1/nothing")
    assert (response.status_code, response.json()["error"]) == (404, "not_found")
    response = client.get(wire.PUSH_PATH)
    assert (response.status_code, response.json()["error"]) == (405, "method_not_allowed")


def test_openapi_documents_the_wire_format(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    expected = {
        wire.ENROLL_PATH: "post",
        wire.PUSH_PATH: "post",
        wire.PULL_PATH: "get",
        wire.RECONCILE_PATH: "get",
        wire.HEALTH_PATH: "get",
    }
    for path, method in expected.items():
        operation = paths[path][method]
        assert operation["summary"] and operation["description"]
        assert "422" not in operation["responses"]
    schemas = schema["components"]["schemas"]
    for name in (
        "PushRequest",
        "WireEvent",
        "PushResponse",
        "Rejection",
        "PullResponse",
        "Change",
        "ErrorBody",
    ):
        assert name in schemas, name
    assert set(schemas["WireEvent"]["properties"]) == set(wire.WireEvent.__dataclass_fields__)
    push = paths[wire.PUSH_PATH]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/PushRequest")
    assert {"401", "403", "413"} <= set(push["responses"])
    assert "DeviceToken" in schema["components"]["securitySchemes"]
    assert push["security"] == [{"DeviceToken": []}]
    assert "security" not in paths[wire.ENROLL_PATH]["post"]


def test_server_never_imports_qt() -> None:
    code = (
        "import sys, server.api, server.cli, server.sync, server.admin, server.store, server.bench; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6', 'ui'}); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@contextmanager
def _schema(engine: Engine, revision: str) -> Iterator[Connection]:
    """A connection in a transaction on a server database migrated up to `revision` only (an old server)."""
    from alembic import command
    from alembic.config import Config

    from server.store import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        yield connection


def test_a_database_of_the_first_schema_is_upgraded_with_its_data(target: Target) -> None:
    """A server installed with schema 0001 (before catalogs, calendars and resolutions) keeps its conflicts
    and can resolve them after the upgrade."""
    engine = target.engine()
    try:
        with _schema(engine, "0001") as connection:
            connection.execute(
                text(
                    "INSERT INTO conflict (hall_code, case_number, reason, event_id, other_event_id,"
                    " device_id, window_code, message, detail, created_at)"
                    " VALUES ('SZX01', 'SZX0103-20261120-0001Y', 'certificate_issued_twice',"
                    " 'e2', 'e1', 'd1', 'SZX0103', '重复发证', '{}',"
                    " '2026-11-20 02:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO hall (code, name, created_at)"
                    " VALUES ('SZX01', '示例', '2026-11-20 02:00:00')"
                )
            )
        db = open_server_db(engine=engine)
        try:
            with db.read() as connection:
                version = connection.execute(
                    text("SELECT version_num FROM server_alembic_version")
                ).scalar_one()
            assert version == "0017"
            [listed] = admin.list_conflicts(db)
            assert listed["resolved_by"] is None
            done = admin.resolve_conflict(
                db,
                listed["id"],
                resolution="升级后处理",
                resolved_by="张三",
                now=datetime(2026, 11, 21, tzinfo=UTC),
            )
            assert done["case_number"] == "SZX0103-20261120-0001Y"
            assert admin.list_conflicts(db) == []
        finally:
            db.close()
    finally:
        engine.dispose()


def test_devices_registered_before_two_step_registration_stay_active(target: Target) -> None:
    """A server of schema 0002: its registered windows keep working after the upgrade, and a replacement
    still takes effect only when the new device confirms."""
    from server.sync import Device

    engine = target.engine()
    try:
        with _schema(engine, "0002") as connection:
            connection.execute(
                text(
                    "INSERT INTO hall (code, name, created_at)"
                    " VALUES ('SZX01', '示例', '2026-11-20 02:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO device (device_id, hall_code, window_code, secret_hash, name, enrolled_at)"
                    " VALUES ('d-old', 'SZX01', 'SZX0103', :hash, '旧电脑', '2026-11-20 02:00:00')"
                ),
                {"hash": sha256_hex("old-secret")},
            )
        db = open_server_db(engine=engine)
        try:
            assert admin.authenticate(db, "d-old", "old-secret") == Device(
                "d-old", "SZX01", "SZX0103", "旧电脑", True
            )
            assert [d["state"] for d in admin.list_devices(db)] == ["active"]
            now = datetime(2026, 11, 21, tzinfo=UTC)
            code = admin.issue_enrollment_code(
                db, hall_code="SZX01", window_code="SZX0103", replace=True, hours=1, now=now
            ).code
            enrolled = admin.enroll(db, EnrollRequest(code, "SZX0103", "新电脑"), now=now)
            assert {d["device_id"]: d["state"] for d in admin.list_devices(db)} == {
                "d-old": "active",
                enrolled.device_id: "pending",
            }
            admin.confirm_device(db, enrolled.device_id, now=now)
            assert isinstance(admin.authenticate(db, "d-old", "old-secret"), admin.AdminError)
        finally:
            db.close()
    finally:
        engine.dispose()
