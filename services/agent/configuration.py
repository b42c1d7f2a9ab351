"""The configuration a pair command runs under (spec 02 §4): ``conf/raid/DEFAULT.dat`` of the
host, a ``-pf`` copy parameter file of ``conf/raid``, the copy pace.

``use_configuration(command, context, purpose)`` is called by the handlers of ``drmfsbackup``,
``drmfsrestore`` and ``drmresync`` before they plan anything. When the command read any
configuration (a ``DEFAULT.dat`` exists, or ``-pf``, ``-cg_file``, ``-copy_size`` or
``DRM_COPY_SIZE`` was given) it records ``ConfigurationUsed`` with each file's SHA-256, so an
audit can tell which configuration a backup ran under (after planning, before the first step),
and sets the pair-status wait of the
command's steps from the purpose's ``*_RETRY_TIME`` x ``*_RETRY_WAIT`` (``RETRY_TIME=0``: no
limit). A ``-pf`` file that is missing, outside ``conf/raid`` or unreadable refuses the command
before anything changed (``KAVX0006-E``, ``DRM-10611``). Without any configuration nothing is
recorded and the steps keep their built-in limit.
"""
from __future__ import annotations

import math

from adapters.config.cci_default import (CciLinkage, PairWait, copy_pace, load_cci_default,
                                         load_copy_parameters)
from adapters.config.layout import host_layout
from adapters.config.lines import ConfigError
from adapters.paths import BadName, PathOutsideRoot, confine
from events.command_base import Command
from events.definitions import (MAX_CONFIG_WARNINGS, WARNING_MAX, ConfigurationUsed,
                                FileDigest)
from services import messages
from services.agent.errors import reject
from services.agent.service import AgentContext

MIN_WAIT_SECONDS = 1.0  # RETRY_WAIT=0 still checks about once a second (the runner's slice)


def pair_wait_timeout(wait: PairWait) -> float:
    """Seconds a pair operation may take: checks x interval; ``inf`` for ``RETRY_TIME=0``."""
    if wait.retry_time == 0:
        return math.inf
    return wait.retry_time * max(wait.wait_seconds, MIN_WAIT_SECONDS)


def read_linkage(command: Command, context: AgentContext) -> CciLinkage | None:
    """``DEFAULT.dat`` (and the ``-pf`` file over it), or None when neither exists."""
    data_dir = context.ports.data_dir or getattr(context.ports.settings, "data_dir", None)
    if data_dir is None:
        return None
    layout = host_layout(data_dir, context.host)
    pf = getattr(command, "copy_parameters", None)
    if pf is None and not layout.cci_default.is_file():
        return None
    try:
        linkage = load_cci_default(layout.cci_default)
        if pf is not None:
            linkage = load_copy_parameters(linkage, confine(pf, [layout.raid],
                                                            "copy parameter file"))
    except FileNotFoundError:
        raise reject(messages.CONFIG_INVALID, f"the copy parameter file {pf} does not exist "
                     f"in {layout.raid}") from None
    except (ConfigError, PathOutsideRoot, BadName) as error:
        raise reject(messages.CONFIG_INVALID, str(error)) from None
    return linkage


def use_configuration(command: Command, context: AgentContext,
                      purpose: str) -> list[ConfigurationUsed]:
    """Read the configuration and set the steps' pair wait (see the module docstring); the
    ``ConfigurationUsed`` to record (none without configuration), which the handler records
    once its plan is made, so that a refused command records nothing. ``purpose`` is the
    ``DEFAULT.dat`` policy of the command: resync, split or restore."""
    linkage = read_linkage(command, context)
    option = getattr(command, "copy_size", None)
    environment = getattr(context.ports.settings, "copy_size", None)
    listed: FileDigest | None = getattr(command, "copy_group_list", None)
    if linkage is None and option is None and environment is None and listed is None:
        return []
    wait = getattr(linkage or CciLinkage(), purpose)
    if linkage is not None:
        context.pair_wait_timeout = pair_wait_timeout(wait)
    files = tuple(FileDigest(file=name, digest=digest)
                  for name, digest in (linkage.files if linkage else ()))
    warnings = tuple(w[:WARNING_MAX] for w in (linkage.warnings if linkage else ()))
    return [ConfigurationUsed(
        command=command.name, files=files + ((listed,) if listed else ()),
        copy_pace=copy_pace(option, environment, linkage or CciLinkage()),
        retry_time=wait.retry_time, retry_wait_10ms=wait.retry_wait_10ms,
        warnings=warnings[:MAX_CONFIG_WARNINGS])]
