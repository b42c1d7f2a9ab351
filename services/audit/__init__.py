"""The audit and reporting consumer (issue 6): every host's events into one reporting store."""
