"""Messages to the applicant (issue 13 item 8): what a case's events tell its applicant, queued with the
events on the server, delivered through a gateway.

How it fits together (open the modules in this order):

1. `rules.py`: the one table of which event tells what (`MESSAGE_RULES`: kind, status it leaves, purpose,
   template) and the Chinese text: the hall's name, the applicant's name, the item, the case number, what
   to do next; never an identification number.
2. `outbox.py`: `queue_messages`, called once per push by server.sync.push under the change-log lock, inserts
   one `message` row per (event, purpose) in the push's own transaction (`ON CONFLICT DO NOTHING` on that
   key): a message exists exactly when its event is stored, however often a window retries. The phone is
   the applicant's mobile from the case as decided, else the agent's, else any number the case has; a case
   with none gets a row marked failed ("no phone") for the supervisor to see. An event that arrives
   before its case waits: the case's decision queues it.
3. `gateways.py`: `Gateway.send(message) -> Delivery`; `TableGateway` (default: delivered into the table,
   read by the supervisor) and `HttpGateway` (POST JSON with an `Idempotency-Key`, a timeout, permanent
   refusals told from passing trouble).
4. `dispatch.py`: `dispatch` sends what is due outside any push (claim, send, record; backoff, attempts and
   the last error on the row); `Dispatcher` runs it in a thread of the server process.
5. `settings.py`: the gateway and dispatcher of the server's settings (server.config, CLERK_SERVER_MESSAGE_*).
6. `listing.py`, `cli.py`: `clerk-server messages list [--hall H] [--since YYYY-MM-DD] [--state S]` and
   `clerk-server messages dispatch`.

States of a message: `queued` (due at `next_attempt_at`) → `delivered` | `failed` (the gateway refused it
for good, MAX_ATTEMPTS passed, or no phone).
"""

from server.messages.dispatch import Dispatcher, DispatchReport, dispatch
from server.messages.gateways import Delivery, Gateway, HttpGateway, OutgoingMessage, TableGateway
from server.messages.outbox import DELIVERED, FAILED, QUEUED, queue_messages
from server.messages.rules import MESSAGE_RULES, Purpose

__all__ = [
    "DELIVERED",
    "FAILED",
    "MESSAGE_RULES",
    "QUEUED",
    "Delivery",
    "DispatchReport",
    "Dispatcher",
    "Gateway",
    "HttpGateway",
    "OutgoingMessage",
    "Purpose",
    "TableGateway",
    "dispatch",
    "queue_messages",
]
