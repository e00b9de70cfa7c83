"""The case's life after the counter's first decision. The table of statuses and steps it follows is
`app.cases.status`; each step is an event (`events`) applied to the case's rows in one place (`apply`).

Modules:
- `service`: the steps, each one transaction (review, suspension and its end, extension, refusal, withdrawal,
  termination, mailing, revocation, correction); `supplements`: the applicant's return with the notice (补正)
  or with tolerated materials (容缺补交).
- `events`: what each step's event holds (the schemas window and server read); `apply`: an event applied to
  a case's rows, for a step taken here or at another PC of the hall.
- `time_limits`: due days of the legal and the promised limit, suspensions and extension, working days
  left and how urgent a case is; `timing`: the due days a case's events carry to the hall's other PCs.
- `watch`: the approver's queue and the supervisor's time-limit watch.
- `suspensions`, `delivery`, `corrections`, `evaluation`: the tables of suspension kinds, carriers and
  tracking numbers, correctable fields, and rating levels; `ratings`: 好差评 recorded and followed up.
- `views`: a case's later life as the window, `clerk` and the documents read it.
"""
