"""A record that shows tampering (issue 12): who did what at this window, and proof it was not altered.

- `chain`: the hash chain of a window's events, one definition for the window and the server. Every event
  of the outbox (`app.sync.outbox.record_event`, the one writer) carries the hash of the window's previous
  event and its own; the server checks the chain on every push (`server.sync.chain`).
- `record`: `record_audit`, the one call for events about no case: sign-in and sign-out, failed sign-ins,
  lock and unlock, password changes, exports (reprints are `document.reprinted` events of their case).
- `verify`: walks the local chain (`clerk audit verify`), and checks each case row against the snapshot
  its `case.decided` event recorded.

Nothing is imported here: `app.sync.events` reads `chain`, and `record` writes through `app.sync.outbox`.
"""
