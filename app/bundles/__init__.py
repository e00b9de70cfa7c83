"""一件事一次办: bundles of service items taken in one visit, one form, materials shared across items (no Qt).

Open `intake` first: one combined request becomes one `AcceptanceRequest` per item, each decided by the
Art. 32 engine (`app.acceptance`), all stored in one transaction under one bundle number.

- `definition`: a bundle as the catalog publishes it (its items, the explicit mapping of each shared
  material to each item's material), checked when a catalog is loaded or published;
- `numbers`: the bundle number (一件事编号), made offline at a window, with a check character;
- `checklist`: the combined checklist the clerk ticks off (a shared material once, with the items it counts
  for; then each item's own);
- `intake`: the combined request, its split into one request per item, deciding and storing the cases;
- `views`: a bundle as stored, its cases, their statuses and the bundle's overall state;
- `documents`: the combined receipt (联办受理回执) and the combined one-time notice (一次性告知书), and which
  of them a bundle gets (the table is `app.documents.kinds.BUNDLE_DOCUMENTS`).
"""
