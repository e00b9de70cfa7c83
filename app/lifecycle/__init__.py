"""The case's life after the counter's first decision.

Modules:
- `time_limits`: due days of the legal and the promised limit, suspensions and extension, working days
  left and how urgent a case is.
"""
