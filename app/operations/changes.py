"""What operations return and how they refuse.

A changing operation returns a frozen result naming what changed (`CaseChanged`: a case and the status it
has now), so a view refreshes from it instead of reading everything again. A refusal before anything is
done is an `OperationRefused` (the message is for the clerk), a `PermissionDenied` (the role table) or a
`TransitionError` (the status table); `REFUSALS` lists them for the adapters, which show the message as
it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.roles import PermissionDenied
from app.accounts.signin import SignInRefused
from app.cases.status import CaseStatus, TransitionError
from app.lifecycle.service import LifecycleError
from app.scanning.attach import PagesRefused


@dataclass(frozen=True)
class CaseChanged:
    number: str
    status: CaseStatus | str  # the status the case has now


class OperationRefused(Exception):
    """An operation refused before it changed anything; the message says why and what to do."""


REFUSALS: tuple[type[Exception], ...] = (
    OperationRefused,
    PermissionDenied,
    SignInRefused,
    TransitionError,
    LifecycleError,
    PagesRefused,
)
