"""The CCI pair commands on a host's agent (issue 11, ADR 0009)."""
