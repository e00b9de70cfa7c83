"""好差评 across the hall through a real server (in this process, SQLite): a 差评 recorded at window A appears
on the supervisor's list at window B, the follow-up recorded at B reaches A, and a second rating of the same
service event sent from B is refused by the server and lands in B's dead letters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.clock import Clock
from app.lifecycle.events import ServiceRated
from app.lifecycle.ratings import RatingRefused
from app.operations.ratings import follow_up_rating, rate_service, unfavourable_ratings
from app.sync import wire
from app.sync.outbox import record_event
from app.workspace import Workspace
from db.models import CaseEvent
from tests.helpers import open_demo_workspace
from tests.sync_harness import InProcessServer, in_process_server
from tests.test_operations import accept

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server("sqlite", tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    return server.transport


@pytest.fixture
def other_window(tmp_path: Path, clock: Clock, server: InProcessServer) -> Iterator[Workspace]:
    """Window SZX0104 of the same hall, its own PC."""
    workspace = open_demo_workspace(
        tmp_path / "b", clock=clock, secrets_in_file=True, transport=server.transport
    )
    workspace.settings.set("window_code", "SZX0104")
    workspace.sync.register(server_url=server.url, code=server.enrollment_code("SZX0104", hall="SZX01"))
    yield workspace
    workspace.close()


def test_a_complaint_at_one_window_is_followed_up_at_another(
    workspace: Workspace, other_window: Workspace, server: InProcessServer
) -> None:
    workspace.sync.register(server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01"))
    clerk = workspace.counter("demo")
    number = accept(workspace, clerk).case.number
    visit = workspace.ratings.visits(number)[0]
    rated = rate_service(
        workspace, person=clerk, number=number, service_event_id=visit.event_id, level=5, reason="窗口无人"
    )
    assert workspace.sync.sync().rejected == []

    other_window.sync.sync()
    supervisor_b = other_window.counter("zhuren")
    [seen] = unfavourable_ratings(other_window, person=supervisor_b)
    assert (seen.case_number, seen.level_label, seen.reason, seen.window_code) == (
        number,
        "非常不满意",
        "窗口无人",
        "SZX0103",
    )
    assert seen.event_id == rated.rating.event_id and seen.follow_up_due == rated.rating.follow_up_due
    assert seen.followed_up_at is None

    # B holds neither the case nor its visit: its own rules refuse to rate it ...
    with pytest.raises(RatingRefused, match="本窗口没有办件"):
        rate_service(
            other_window, person=other_window.counter("demo"), number=number,
            service_event_id=visit.event_id, level=1, reason=None,
        )  # fmt: skip
    # ... and what another program at B might send all the same is refused by the server (一次一评).
    with other_window.store.write() as session:
        record_event(
            session=session,
            event=ServiceRated(service_event_id=visit.event_id, level=1, reason=None),
            case_number=number,
            by=other_window.counter("demo"),
            now=other_window.clock.now(),
        )
    follow_up_rating(other_window, person=supervisor_b, rating_event_id=seen.event_id, note="已上门致歉")
    report = other_window.sync.sync()
    [refused] = report.rejected
    assert refused.code == wire.REJECTION_RATED_TWICE and "一次服务只评一次" in refused.message
    with other_window.store.read() as session:
        dead = session.scalars(select(CaseEvent.kind).where(CaseEvent.rejected_at.is_not(None))).all()
    assert dead == [wire.EventKind.SERVICE_RATED]

    workspace.sync.sync()
    [followed] = unfavourable_ratings(workspace, person=workspace.counter("zhuren"))
    assert followed.followed_up_at is not None and followed.follow_up_note == "已上门致歉"
    assert server.admin("ratings", "list", "--unfavourable")[0]["followed_up_by"] == "zhuren"
