"""Alembic environment of the server database: always run with a connection handed over by server.store."""

from alembic import context

from server.models import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    version_table="server_alembic_version",
)
with context.begin_transaction():
    context.run_migrations()
