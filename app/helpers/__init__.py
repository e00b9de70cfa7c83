"""Assisted service (帮办): what a helper prepares for the counter, and how it reaches the window.

Open `drafts` first.

- `drafts`: the draft (帮办预审) a helper prepares for one item: applicant, agent, materials as received,
  pre-checked by the completeness engine against the same catalog version, with the list of what the
  applicant still has to bring. Nothing is decided or numbered. Kept in the helper's own database.
- `prepared_by`: who prepared a case (helper login, name, draft id), as the case records it.
- `handoff`: the draft as a signed code for the QR of the 帮办预审单 (`WCH1:`), and the window's reading of it
  (key, revocation, signature, hall, catalog version), offline.
- `revocations`: the signing keys this window no longer trusts for a hand-off.

The sheet itself is a document (app.documents.handoff_sheet); the scan route is app.scanning.routing.
"""
