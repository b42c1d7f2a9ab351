"""Message IDs, as the manual prints them. KAVX IDs are the manual's; DRM-9xxxx detail codes
are this implementation's own, for conditions the manual does not name."""
from __future__ import annotations

COMMAND_START = "KAVX0001-I"  # The <command> command will now start.
COMMAND_END = "KAVX0002-I"  # The <command> command will now end.
PROCESSING_ERROR = "KAVX0006-E"  # An error that stopped processing occurred.

UNKNOWN_COMMAND = "DRM-90001"
WRONG_HOST = "DRM-90002"
AGENT_TIMEOUT = "DRM-90003"
INTERNAL_ERROR = "DRM-90004"
BAD_COMMAND = "DRM-90005"
STORE_INTEGRITY = "DRM-90006"
REPORT_IN_USE = "DRM-90007"  # another drm report serve/rebuild holds the reporting database


def start_line(command: str) -> str:
    return f"{COMMAND_START} The {command} command will now start."


def end_line(command: str) -> str:
    return f"{COMMAND_END} The {command} command will now end."


def error_text(detail_code: str, text: str) -> str:
    return f"An error that stopped processing occurred. ({detail_code}: {text})"
