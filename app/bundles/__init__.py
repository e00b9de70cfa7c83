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
  of them a bundle gets (the table is `app.documents.kinds.BUNDLE_DOCUMENTS`);
- `search`: bundles found in the item search as items are (name, pinyin initials), listed “【一件事】name”;
- `counter`: taking a bundle in as the signed-in person; `printing`: its combined documents rendered,
  reprinted with a reason, and each print recorded for every case of the bundle (a print record and a
  `document.printed` event per case);
- `follow`: a bundle's statuses together, from this window's store or, not held here, from the server
  (app.sync.bundle_fetch), offline saying so.
"""
