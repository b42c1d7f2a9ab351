"""The reporting store (the audit consumer's PostgreSQL/SQLite database) and the sources of
events it reads: the RabbitMQ stream, or the hosts' local stores in the embedded mode."""
