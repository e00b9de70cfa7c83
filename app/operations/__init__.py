"""What a person does at the window, once, for the window and the `clerk` command line alike (in the spirit
of Anki's CollectionOp): each operation takes the acting person (`person.Actor`, from
`Workspace.counter()`), checks the permission the action needs (app.accounts.roles) and the case's status
against the status table (app.cases.status) before acting, and returns a frozen result saying what changed
(`CaseChanged`), what to print next and what to show. The adapters only turn input into a call and a result
into text, JSON or widgets.

- `person`: who acts (the counter with the account's roles).
- `changes`: the results, and the refusals every adapter shows as they are.
- `lookup`: a case by number, here or held at another window of the hall, and what each adapter says.
- `counter`: accepting a case.
- `printing`: a document rendered, printed or written to a file and recorded; reprints with a reason.
- `certificates`: approving a case (its certificate issued) and handing the certificate over.
- `ratings`: 好差评: the applicant's rating of a visit, the supervisor's list of 差评 and their follow-up.
- `pages`: a case's captured pages, their files downloaded from the server when not here.
- `sync`: the window's dealings with its server: registering, syncing, reconciling, resolving a conflict.

Nothing here imports Qt; nothing is imported here, so `person` can be read by `app.workspace`.
"""
