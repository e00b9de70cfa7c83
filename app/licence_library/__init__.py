"""Electronic licences in place of paper (电子证照免提交, 国办发〔2022〕3号 能共享不再提交).

A material the catalog marks with `licence_types` (app.catalog.Material) is satisfied by a licence of the
licence library instead of its paper copy; the case records the licence, not copies and pages.

Open first `library.py`: the library a window holds (certificates issued by this system — here, or pulled —
and third-party e-licences imported with their issuers' public keys), found by scanning a licence's QR and
verifying its seal offline, or by the holder's ID (this window's library; the hall's on the server).

- `evidence.py`: a licence as found (`Licence`) and what a case records of it (`LicenceEvidence`, also the
  `licence` field of a material in the `case.decided` event).
- `fitness.py`: the one table of why a licence does not satisfy a material (wrong type, other holder,
  expired, revoked, seal not genuine), read by the window, the CLI and the server alike.
- `imports.py`: the third-party licence file (`window-clerk-licences/1`) and its checks.
- `lookup.py`: the online lookup by the holder's ID (the server's route, app.sync.wire.LICENCE_LOOKUP_PATH;
  each licence the server sends verified here), and the one rule of what a holder's ID may be.
"""
