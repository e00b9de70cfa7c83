"""Keys and drafts a helper's PC sends the server that the server refuses (issue 15, app.helpers.online,
app.helpers.upload_refusals), against a real server in this process: a final refusal (a disabled helper, a
key of an office the hall does not accept for) is recorded once, never sent again, and listed in the round's
report and by `clerk sync status` with its reason; a transient one (a helper whose account is not on the
server yet) goes again with the next round and is taken once the server knows the helper."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.accounts.demo import DEMO_PASSWORD
from app.accounts.local import add_account
from app.cli import main as cli
from app.clock import Clock
from app.helpers.handoff import reference_code
from app.helpers.online import KEYS_PUBLISHED_STATE, HelperRound, upload_drafts
from app.helpers.service import HelperService, PreparedSheet
from app.helpers.upload_refusals import Refused
from app.intake import parse_request
from app.settings import Settings
from app.signing_keys import SigningKeys
from app.sync import wire
from app.sync.state import SyncStates
from app.workspace import SETTINGS_NAME, Workspace, prepare_demo_home, secret_store
from db.models import HelperDraft
from tests.helpers import PERSON, PLANNING, open_demo_workspace, request_json
from tests.sync_harness import InProcessServer, in_process_server

pytestmark = pytest.mark.slow

HELPER_WINDOW = "SZX0109"
ELSEWHERE_BODY = "11510100MB0N4432XD"  # a body of the catalog that neither demo hall accepts for


@pytest.fixture
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server(getattr(request, "param", "sqlite"), tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    return server.transport


@pytest.fixture
def helper(tmp_path: Path, clock: Clock, server: InProcessServer) -> Iterator[Workspace]:
    """The help desk's laptop: a PC of the demo hall registered as window SZX0109."""
    home = tmp_path / "helper"
    home.mkdir()
    prepare_demo_home(home, clock=clock)
    Settings(home / SETTINGS_NAME).set("window_code", HELPER_WINDOW)
    ws = open_demo_workspace(home, clock=clock, secrets_in_file=True, transport=server.transport)
    ws.sync.register(server_url=server.url, code=server.enrollment_code(HELPER_WINDOW, hall="SZX01"))
    yield ws
    ws.close()


def prepare(ws: Workspace, login: str = "bangban") -> PreparedSheet:
    item = ws.catalog.item(PLANNING)
    assert item is not None
    signed = ws.sign_in(login, DEMO_PASSWORD)
    service = HelperService(
        store=ws.store, catalog=ws.catalog, secrets=secret_store(ws.home, ws.settings), clock=ws.clock
    )
    return service.prepare(
        parse_request(request_json(item, applicant=PERSON, agent=None)), helper=ws.counter(signed.login)
    )


def uploaded(ws: Workspace, draft_id: str) -> bool:
    with ws.store.read() as session:
        return (
            session.scalars(select(HelperDraft.uploaded_at).where(HelperDraft.draft_id == draft_id)).one()
            is not None
        )


@pytest.mark.parametrize("server", ["sqlite", "postgresql"], indirect=True)
def test_a_draft_of_a_disabled_helper_is_refused_once_and_not_sent_again(
    helper: Workspace, server: InProcessServer, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = prepare(helper).prepared.draft
    server.admin("account", "disable", "--hall", "SZX01", "bangban")  # a server rule: no disabled helper

    first = helper.sync.sync()
    assert first.drafts_uploaded == 0 and first.keys_published == 1
    assert len(first.helper_problems) == 1
    assert f"预审单 {draft.draft_id} 被服务器拒收，不再上传" in first.helper_problems[0]
    assert "不是大厅 SZX01 在服务器上的在用账号" in first.helper_problems[0]
    [refusal] = helper.sync.helper_refusals()
    assert (refusal.what, refusal.item_id, refusal.reason) == (
        Refused.DRAFT,
        draft.draft_id,
        wire.HelperRefusal.HELPER_DISABLED,
    )

    # Not sent again: even once the helper is enabled, the refused draft stays where it is.
    server.admin("account", "enable", "--hall", "SZX01", "bangban")
    second = helper.sync.sync()
    assert (second.drafts_uploaded, second.helper_problems) == (0, [])
    assert not uploaded(helper, draft.draft_id)
    assert helper.sync.helper_refusals() == [refusal]  # recorded once

    capsys.readouterr()
    assert cli(["--home", str(helper.home), "sync", "status"]) == 0
    said = capsys.readouterr().out
    assert f"预审单 {draft.draft_id} 被服务器拒收，不再上传" in said and "（helper_disabled）" in said
    # A new draft of the same helper goes as any other.
    fresh = prepare(helper).prepared.draft
    third = helper.sync.sync()
    assert third.drafts_uploaded == 1 and uploaded(helper, fresh.draft_id)


def test_a_draft_of_a_helper_not_on_the_server_yet_goes_again_until_it_is_taken(
    helper: Workspace, server: InProcessServer
) -> None:
    add_account(helper.store, login="bangban2", name="赵明", password=DEMO_PASSWORD, role="helper")
    draft = prepare(helper, "bangban2").prepared.draft

    first = helper.sync.sync()
    assert first.drafts_uploaded == 0
    assert [p for p in first.helper_problems if "暂未能上传，下次同步再试" in p and draft.draft_id in p]
    assert helper.sync.helper_refusals() == []  # transient: nothing recorded
    again = helper.sync.sync()  # sent again, refused again for the same reason
    assert again.drafts_uploaded == 0 and len(again.helper_problems) == 1

    server.admin(
        "account",
        "add",
        "--hall",
        "SZX01",
        "bangban2",
        "--name",
        "赵明",
        "--role",
        "helper",
        password=DEMO_PASSWORD,
    )
    taken = helper.sync.sync()
    assert (taken.drafts_uploaded, taken.helper_problems) == (1, [])
    assert uploaded(helper, draft.draft_id) and helper.sync.helper_refusals() == []


def test_a_key_of_an_office_the_hall_does_not_accept_for_is_refused_once(
    helper: Workspace, server: InProcessServer
) -> None:
    keys = SigningKeys(
        store=helper.store, secrets=secret_store(helper.home, helper.settings), clock=helper.clock
    )
    key, _entry = keys.current(
        office_code=ELSEWHERE_BODY, office_name="别处的机关", window_code=HELPER_WINDOW
    )

    first = helper.sync.sync()
    assert first.keys_published == 0
    assert [p for p in first.helper_problems if f"签名密钥 {key.key_id} 被服务器拒收，不再上传" in p]
    [refusal] = helper.sync.helper_refusals()
    assert (refusal.what, refusal.item_id, refusal.reason) == (
        Refused.KEY,
        key.key_id,
        wire.HelperRefusal.NOT_HALL_BODY,
    )
    second = helper.sync.sync()  # not published again
    assert (second.keys_published, second.helper_problems) == (0, [])
    assert helper.sync.helper_refusals() == [refusal]

    # A draft signed with that key: the server answers "key not registered", which would be tried every
    # round; the key never will be, so the draft is a dead letter too, naming the key and why.
    draft = prepare(helper).prepared.draft
    with helper.store.write() as session:
        row = session.get(HelperDraft, draft.draft_id)
        assert row is not None
        row.handoff_code, row.uploaded_at = reference_code(draft, key=key), None
    third = helper.sync.sync()
    assert [p for p in third.helper_problems if draft.draft_id in p and key.key_id in p and "拒收" in p]
    assert [(r.what, r.item_id, r.reason) for r in helper.sync.helper_refusals()] == [
        (Refused.KEY, key.key_id, wire.HelperRefusal.NOT_HALL_BODY),
        (Refused.DRAFT, draft.draft_id, wire.HelperRefusal.NOT_HALL_BODY),
    ]
    fourth = helper.sync.sync()  # not sent again
    assert fourth.helper_problems == [] and not uploaded(helper, draft.draft_id)


def test_a_final_refusal_of_a_draft_whose_key_the_server_has_not_confirmed_is_tried_again(
    helper: Workspace, server: InProcessServer
) -> None:
    """An older server answered even "key not registered yet" with a bare "invalid": a draft whose key
    this PC has no confirmation for is never a dead letter on one answer; once the server says it holds the
    key (the next round publishes it first), the same answer is final."""
    prepare(helper)
    assert helper.sync.sync().drafts_uploaded == 1  # the key published and confirmed, the draft taken
    states = SyncStates(helper.store)
    states.set(KEYS_PUBLISHED_STATE, "[]")  # as on a PC that never recorded it (an older version)
    draft = prepare(helper).prepared.draft
    server.admin("account", "disable", "--hall", "SZX01", "bangban")
    credential = helper.sync.credential()
    assert credential is not None
    done = HelperRound()
    upload_drafts(
        store=helper.store,
        states=states,
        transport=helper.sync.transport,
        credential=credential,
        now=helper.clock.now(),
        done=done,
    )
    assert [p for p in done.problems if draft.draft_id in p and "暂未能上传，下次同步再试" in p]
    assert helper.sync.helper_refusals() == [] and not uploaded(helper, draft.draft_id)

    round_ = helper.sync.sync()  # keys first: the server says it holds the key; now the refusal is final
    assert [p for p in round_.helper_problems if f"预审单 {draft.draft_id} 被服务器拒收，不再上传" in p]
    assert [(r.item_id, r.reason) for r in helper.sync.helper_refusals()] == [
        (draft.draft_id, wire.HelperRefusal.HELPER_DISABLED)
    ]
