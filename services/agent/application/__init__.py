"""Application steps (freeze, thaw) and their recovery: shared by SQL Server and PostgreSQL."""
