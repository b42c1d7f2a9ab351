"""SQL Server commands on the agent (issue 13): drmsqlinit, drmsqldisplay, drmsqlbackup,
drmsqlcat, through the application port (``services.agent.application_port``)."""
