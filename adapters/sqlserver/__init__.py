"""The simulated SQL Server: an in-process engine (``engine.SqlServerEngine``), the instance
process that serves it (``server``) and the agent's client of that process (``client``)."""
