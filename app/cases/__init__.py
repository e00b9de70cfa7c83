"""Cases: their status and the table of how it changes (`status`, the module to open first), the frozen views
the window, `clerk` and the documents read (`views`), and reading stored cases (`queries`)."""
