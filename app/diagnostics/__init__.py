"""What the programs leave behind for hall IT: a rotating log in the data folder, with identifiers
masked, and a crash report when a bug stops the program or an action.

`clerk` and `window-clerk` (and `clerk-server`'s log) use the same pieces: `start_logging`,
`write_crash_report`, and the `MaskingFilter` every log record passes.
"""

from app.diagnostics.crash_report import CRASH_FOLDER, CrashReport, write_crash_report
from app.diagnostics.log_file import FORMAT, LOG_FOLDER, ProgramLog, start_logging
from app.diagnostics.masking import MaskingFilter, mask_identifiers

__all__ = [
    "CRASH_FOLDER",
    "FORMAT",
    "LOG_FOLDER",
    "CrashReport",
    "MaskingFilter",
    "ProgramLog",
    "mask_identifiers",
    "start_logging",
    "write_crash_report",
]
