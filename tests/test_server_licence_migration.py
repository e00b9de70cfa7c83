"""Server migration 0017 (issue 15) on SQLite and PostgreSQL: a server holding decisions with electronic
licences from before it gets `case_holder` and `case_licence` filled from them, as the push fills them now."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import select

from app.catalog_store import demo_catalog_bytes
from server import accounts
from server.admin import AdminError
from server.models import case_holder, case_licence
from server.reference import publish_catalog
from server.store import MIGRATIONS, ServerDB
from tests.licence_fixtures import COMPANY_ID, issued_payload, with_licence
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    FIXTURE_PEOPLE,
    HALL,
    TestClient,
    client_fixture,
    decided,
    enroll,
    follow_up,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)


def projected(db: ServerDB) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    with db.read() as connection:
        licences = connection.execute(
            select(case_licence.c.case_number, case_licence.c.material_code, case_licence.c.licence_type)
        ).all()
        holders = connection.execute(select(case_holder.c.case_number, case_holder.c.holder_id_number)).all()
    return [tuple(r) for r in licences], sorted(tuple(r) for r in holders)  # type: ignore[misc]


def test_decisions_stored_before_0017_are_projected_by_it(client: TestClient, server_app: FastAPI) -> None:
    db: ServerDB = server_app.state.db
    now = datetime.now(UTC)
    publish_catalog(db, demo_catalog_bytes(), now=now)
    for login, roles in FIXTURE_PEOPLE.items():
        with contextlib.suppress(AdminError):
            accounts.add_account(
                db, hall_code=HALL, login=login, name=login, roles=roles, password="own-pass-1", now=now,
                valid_days=None,
            )  # fmt: skip
    window = enroll(client, server_app)
    first, second = decided("SZX0103", [1, 2])
    certificate = issued_payload("SZX0103", first.case_number, 1)
    issued = follow_up(
        "certificate.issued", first.case_number, window="SZX0103", local_seq=3, payload=certificate
    )
    licensed = with_licence(second, certificate)
    licensed = type(licensed)(**{**licensed.__dict__, "local_seq": 4})
    assert window.push([first, issued, licensed]).rejected == []
    after_push = projected(db)
    assert after_push[0] == [(second.case_number, "M04", "planning_permit")]
    assert after_push[1] == sorted([(first.case_number, COMPANY_ID), (second.case_number, COMPANY_ID)])

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0016")  # as a server before 0017 held them
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert projected(db) == after_push
