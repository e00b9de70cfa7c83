"""Scanning at the counter: a handheld scanner (a keyboard wedge) read from anywhere in the window.

Open `routing` first: the one table of what a scanned text is and where it goes (a case, a certificate's
verification, the applicant's ID). `keystrokes` tells a scan from typing by the keys' timing.
"""
