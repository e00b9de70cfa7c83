"""The gateway and the dispatcher the server's settings ask for (server.config: CLERK_SERVER_MESSAGE_*)."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from server.clock import Clock
from server.config import ServerConfig, is_loopback
from server.messages.dispatch import Dispatcher
from server.messages.gateways import Gateway, HttpGateway, TableGateway
from server.store import ServerDB

log = logging.getLogger("clerk.server.messages")

LEASE_MARGIN_SECONDS = 30


def gateway_for(config: ServerConfig) -> Gateway:
    """`HttpGateway` to the configured URL, else `TableGateway`."""
    url = config.message_gateway_url
    if url is None:
        return TableGateway()
    if url.startswith("http://") and not is_loopback(urlsplit(url).hostname or ""):
        log.warning("messages to applicants go to %s over plain HTTP: names and phone numbers in clear", url)
    return HttpGateway(url, timeout=config.message_gateway_timeout, token=config.message_gateway_token)


def lease_for(config: ServerConfig) -> timedelta:
    """How long a dispatcher holds a message it is sending: past the gateway's timeout."""
    return timedelta(seconds=config.message_gateway_timeout + LEASE_MARGIN_SECONDS)


def dispatcher_for(config: ServerConfig, db: ServerDB, *, clock: Clock) -> Dispatcher:
    interval = config.message_dispatch_seconds
    return Dispatcher(db, gateway_for(config), clock=clock, interval=interval, lease=lease_for(config))
