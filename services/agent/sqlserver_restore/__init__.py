"""SQL Server restore, recovery and transaction log backups (issue 13, the restore/log slice).

``state_tables`` is the manual's tables 6-1..6-4 as data; ``log_list`` the transaction log list
file; ``chain`` the log-chain rules over the host view; ``decide`` the pure plans; ``workflows``
carries them out on the application port; ``handlers``, ``queries`` and ``recovery`` plug them
into the agent.
"""
