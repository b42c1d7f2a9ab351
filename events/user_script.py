"""A user script (``-script <file>``, spec 03 §5) as the backup command carries it: parsed and
checked by the CLI (``services.cli.user_script``), validated again with the command envelope.

Sections: ``pre``/``post`` run around a file-system backup; ``resync``/``split``/``finish``
are kept (the SQL Server backups use them) and ignored for file systems, as the manual says.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from events.base import Payload
from events.registry import REGISTRY

MAX_CMDLINE = 2048
MAX_ENV = 2048
MAX_ENV_ENTRIES = 64
MAX_COMMANDS = 64  # per section
MAX_TIMEOUT = 86400
DEFAULT_TIMEOUT = 600
SECTIONS = ("PRE_PROC", "RESYNC_PROC", "SPLIT_PROC", "FINISH_PROC", "POST_PROC")
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"

EnvName = Annotated[str, Field(pattern=ENV_NAME)]
EnvValue = Annotated[str, Field(max_length=MAX_ENV, pattern=r"^[^\x00-\x1f\x7f]*$")]
Argument = Annotated[str, Field(max_length=MAX_CMDLINE, pattern=r"^[^\x00]*$")]


class ScriptCommand(BaseModel):
    """One ``[CMD]``: ``argv`` is ``CMDLINE`` split (``"`` quotes a word with spaces);
    ``env`` pairs with an empty value delete the variable; ``timeout`` 0 waits forever, None is
    ``NOWAIT``; ``end_code`` is ``TERMINATE_NZ``, ``IGNORE`` or a threshold 0–255."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cmdline: str = Field(min_length=1, max_length=MAX_CMDLINE)
    argv: tuple[Argument, ...] = Field(min_length=1, max_length=256)
    env: tuple[tuple[EnvName, EnvValue], ...] = Field(default=(), max_length=MAX_ENV_ENTRIES)
    end_code: Union[Literal["TERMINATE_NZ", "IGNORE"], Annotated[int, Field(ge=0, le=255)]] = \
        "TERMINATE_NZ"
    timeout: Annotated[int, Field(ge=0, le=MAX_TIMEOUT)] | None = DEFAULT_TIMEOUT
    location: Literal["LOCAL", "REMOTE"] = "LOCAL"
    parent_stat: Literal["NORMAL", "ERROR", "ANY"] = "NORMAL"

    def stops(self, return_code: int, timed_out: bool) -> bool:
        """Whether this end stops the section (Table 3-59: a threshold stops when the return
        value is greater than it; a timeout stops unless ``IGNORE``)."""
        if self.end_code == "IGNORE":
            return False
        if timed_out:
            return True
        if self.end_code == "TERMINATE_NZ":
            return return_code != 0
        return return_code > self.end_code

    def runs_when(self, parent_normal: bool) -> bool:
        if self.parent_stat == "ANY":
            return True
        return parent_normal if self.parent_stat == "NORMAL" else not parent_normal


Commands = Annotated[tuple[ScriptCommand, ...], Field(max_length=MAX_COMMANDS)]


class UserScript(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    local_backup: bool = True
    pre: Commands = ()
    resync: Commands = ()
    split: Commands = ()
    finish: Commands = ()
    post: Commands = ()

    @property
    def has_remote(self) -> bool:
        return any(c.location == "REMOTE" for c in (*self.pre, *self.post))


# -- events (on the stream of the host that ran the command) -------------------------------------
MAX_OUTPUT = 4096  # the last characters of a command's output kept in its event


class UserScriptCommandStarted(Payload):
    """Intent: run one ``[CMD]`` of ``section`` (``host`` is where it runs)."""

    workflow_id: str
    section: str
    index: int
    location: Literal["LOCAL", "REMOTE"]
    host: str
    cmdline: str


class UserScriptCommandEnded(Payload):
    """Outcome: its return value (0 for ``NOWAIT``), whether it timed out (and was killed),
    whether its end stops the section, and the tail of its output."""

    workflow_id: str
    section: str
    index: int
    return_code: int
    timed_out: bool = False
    nowait: bool = False
    stops: bool = False
    output: str = Field(default="", max_length=MAX_OUTPUT)


for _model in (UserScriptCommandStarted, UserScriptCommandEnded):
    REGISTRY.register(_model.__name__, _model)
