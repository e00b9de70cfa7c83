"""Cases: their status and the table of how it changes (`status`, the module to open first), and reading
stored cases (`queries`)."""
