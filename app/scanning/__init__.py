"""Scanning at the counter: codes read from anywhere in the window, and the pages of the materials captured,
checked, arranged, stored and synced.

Codes (a handheld scanner is a keyboard wedge):
- `routing`: the one table of what a scanned text is and where it goes (a case, a certificate's
  verification, the applicant's ID, a separator sheet's purpose); `keystrokes` tells a scan from typing.
- `image_codes`: QR codes and barcodes read from a page's picture (a certificate held up to the camera).

Pages:
- `pages`: a page as every source delivers it (`CapturedPage`) and `CaptureError`, the clerk's message.
- `sources/`: the scanners (SANE on Linux, WIA on Windows, one `Scanner` shape), files (images and PDFs)
  and the scan-to folder; the document camera is Qt's (ui.camera_capture).
- `quality` (blank, too dark, blurred, too few pages), `thumbnails`, `pixels` (one conversion for both).
- `separators` and `feeder`: separator sheets' codes, and a feeder run split to its materials by them.
- `capture`: a capture session, the pages of a case's materials as the clerk arranges them.
- `page_store`: the page files by SHA-256, flushed before anything refers to them; `attach`: a material's
  pages attached to a case with their `case.pages_attached` event (`events`); `export`: one PDF.
The files travel to the server apart from the events (app.sync.blobs, app.sync.blob_downloads).
"""
