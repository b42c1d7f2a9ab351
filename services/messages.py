"""The message catalogue: every console message ID the product prints, with its level and text,
and every detail code (``DRM-nnnnn``) its ``KAVX0006-E`` errors carry. Defined here and nowhere
else; other modules refer to these constants. A leaf module (standard library only), so that
``events`` may use the detail codes too.

Message IDs are ``<prefix><nnnn>-<level>``, level ``I`` information, ``W`` warning, ``E``
error, ``Q`` question. Two prefixes:

- ``KAVX``: the manual's own messages (Hitachi Command Suite Messages, as the Application Agent
  user guide's examples print them). Each text is the manual's fixed text; the fields a command
  adds (``Mount point = W:``, ``Backup ID = …``) follow it on the same line. Never invent a KAVX
  ID: ``tests/unit/messages`` checks every one against lines copied from the manual.
- ``DRMX``: messages of this implementation, for what the manual has no message for (the lab,
  the simulated CCI, the reporting store, an interrupt). The product cannot print ``DRMX``.
  Each number echoes the ID or code it replaced, so that old logs stay readable: ``KAVX0007-E``
  became ``DRMX0007-E``, ``KAVX5100``–``5104`` ``DRMX5100``–``5104``, ``DRM-10080-W``
  ``DRMX1080-W``, the lines headed ``DRM-90006``/``DRM-90007`` ``DRMX9006-W``/``DRMX9007-I``;
  the pairdisplay error that misused the manual's ``KAVX5111-I`` ("Performing unmounting")
  joins the lab family as ``DRMX5105-E``.

Detail codes: ``DRM-1xxxx`` are conditions of the commands (``DRM-10062`` and ``DRM-10064`` are
the manual's own), ``DRM-9xxxx`` conditions of this implementation's transport, stores and CLI.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MESSAGE_ID = re.compile(r"(KAVX|DRMX)\d{4}-[IWEQ]")
DETAIL_CODE = re.compile(r"DRM-\d{5}")


@dataclass(frozen=True)
class Message:
    """One catalogued message; ``text`` may hold ``{field}`` placeholders."""

    message_id: str
    text: str

    @property
    def level(self) -> str:
        return self.message_id[-1]


CATALOGUE: dict[str, Message] = {}
DETAIL_CODES: dict[str, str] = {}  # code -> what it means


class DuplicateDefinition(ValueError):
    """A message ID or a detail code defined twice."""


def _message(message_id: str, text: str) -> str:
    if not MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"not a message ID: {message_id!r}")
    if message_id in CATALOGUE:
        raise DuplicateDefinition(message_id)
    CATALOGUE[message_id] = Message(message_id, text)
    return message_id


def _detail(code: str, meaning: str) -> str:
    if not DETAIL_CODE.fullmatch(code):
        raise ValueError(f"not a detail code: {code!r}")
    if code in DETAIL_CODES:
        raise DuplicateDefinition(code)
    DETAIL_CODES[code] = meaning
    return code


# -- KAVX: the manual's messages ------------------------------------------------------------------
COMMAND_START = _message("KAVX0001-I", "The {command} command will now start.")
COMMAND_END = _message("KAVX0002-I", "The {command} command will now end.")
# The manual's one full example (the detailed trace log) prints the cause on a second line,
# "Cause = DRM-10106: An internal error occurred."; we keep it on the same line, in parentheses
# (``error_text``), so that one error is one line of stderr and of a CommandFailed payload.
PROCESSING_ERROR = _message("KAVX0006-E", "An error that stopped processing occurred.")
MAPS_UPDATED = _message("KAVX0023-I", "Dictionary map file was updated.")
NO_BACKUP_DATA = _message("KAVX0024-E", "The specified backup data does not exist.")
BACKUP_ID_ASSIGNED = _message("KAVX0040-I", "The backup ID has been assigned as follows:")
# The manual has one text for KAVX0302-I/0303-I, also printed when drmcgctl names copy groups.
LOCKED = _message("KAVX0302-I", "The copy group(s) associated with the specified backup ID "
                                "were locked.")
UNLOCKED = _message("KAVX0303-I", "The copy group(s) associated with the specified backup ID "
                                  "were unlocked.")
MOUNT_START = _message("KAVX0400-I", "Mounting will now start.")
MOUNT_END = _message("KAVX0401-I", "Mounting has finished.")
MEDIA_BACKUP_START = _message("KAVX0402-I", "Backup processing will now start.")
MEDIA_BACKUP_END = _message("KAVX0403-I", "Backup processing has finished.")
MEDIA_RESTORE_START = _message("KAVX0404-I", "Restoration will now start.")
MEDIA_RESTORE_END = _message("KAVX0405-I", "Restoration has finished.")
UNMOUNT_START = _message("KAVX0406-I", "Unmounting will now start.")
UNMOUNT_END = _message("KAVX0407-I", "Unmounting has finished.")
ASK_BACKUP_PRODUCT = _message("KAVX0411-I", "Enter the backup management product name.")
ASK_RETENTION_DAYS = _message("KAVX0417-I", "Enter the number of days to store the backup "
                                            "catalog.")
FILE_IMPORTED = _message("KAVX0418-I", "Backup information from the specified file was "
                                       "imported into the backup catalog.")
ENTRY_DELETED = _message("KAVX0424-I", "The backup information corresponding to the "
                                       "specified backup ID has been deleted.")
DEFINITION_UPDATED = _message("KAVX0443-I", "The copy group mount definition file was updated.")
EXPORT_START = _message("KAVX5156-I", "The backup catalog will now be exported.")
EXPORTED = _message("KAVX5157-I", "The backup catalog was exported.")
IMPORT_START = _message("KAVX5158-I", "The backup catalog will now be imported.")
AUTO_IMPORTED = _message("KAVX5159-I", "The backup catalog has been imported.")
SVOL_MOUNT_START = _message("KAVX5162-I", "The secondary volume will now be mounted.")
SVOL_MOUNTED = _message("KAVX5163-I", "The secondary volume has been mounted.")
# extended commands (drm_script.log, spec 07 §1.4) and user scripts (spec 04 §14.3)
EXTENDED_START = _message("KAVX0450-I", "The {command} command will now start.")
EXTENDED_END = _message("KAVX0451-I", "The {command} command will now end.")
SCRIPT_START = _message("KAVX0210-I", "The user script will now start.")
SCRIPT_END = _message("KAVX0211-I", "Execution of the user script has finished.")
SCRIPT_COMMAND_START = _message("KAVX0263-I", "A command in the user script will now be "
                                              "executed.")
SCRIPT_COMMAND_END = _message("KAVX0213-I", "A command from the user script has ended.")
AGENT_CONNECT = _message("KAVX0256-I", "A connection to the Application Agent will now be "
                                       "established.")
AGENT_DISCONNECT = _message("KAVX0257-I", "The connection with the Protection Manager service "
                                          "will now be cut.")
# SQL Server restore and recovery (issue 13, sql-restore slice): the drmsqlrestore/drmsqlrecover
# execution examples of spec 05 §3.2-3.3
SQL_LOGGED_ON = _message("KAVX1000-I", "Logged on to the SQL Server system.")
SQL_LOGGED_OFF = _message("KAVX1001-I", "Logged off from the SQL Server system.")
SQL_RESTORE_START = _message("KAVX1300-I", "Restore processing will now start.")
SQL_RESTORE_END = _message("KAVX1301-I", "Restore processing has finished.")
SQL_RECOVERY_START = _message("KAVX1302-I", "Recovery processing will now start.")
SQL_RECOVERY_END = _message("KAVX1303-I", "Recovery processing has finished.")
SQL_RESTORE_PRE = _message("KAVX1316-I", "Performing restore pre-processing...")
SQL_RESTORE_POST = _message("KAVX1318-I", "Performing restore post-processing...")
# SQL Server (issue 13, sql-backup): drmsqlinit's prompts, drmsqlbackup's progress
SQL_COLLECTING = _message("KAVX1017-I", "SQL Server information is being collected now.")
SQL_ASK_METADATA_DIR = _message("KAVX1100-I", "Enter the name of the storage directory for VDI "
                                              "metafiles:")
SQL_ASK_VDI_TIMEOUT = _message("KAVX1101-I", "Enter the timeout interval for VDI generation (in "
                                             "seconds, between 0 and 3600):")
SQL_ASK_UNDO_DIR = _message("KAVX1102-I", "Enter the name of the storage directory for undo "
                                          "files:")
SQL_SETTINGS_UPDATED = _message("KAVX1103-I", "SQL Server information has been updated.")
SQL_ASK_LOG_BACKUP_DIR = _message("KAVX1107-I", "Enter the name of the directory that contains "
                                                "the backup logs:")
SQL_BACKING_UP = _message("KAVX1207-I", "Backing up the database...")
SQL_TEMPLATE_MAKING = _message("KAVX0085-I", "Now making backup information...")
SQL_TEMPLATE_ASSIGNED = _message("KAVX0086-I", "The backup information has been assigned as "
                                               "follows:")
SQL_FREEZE_START = _message("KAVX1371-I", "Processing to freeze databases will now start.")
SQL_THAW_END = _message("KAVX1372-I", "Processing to thaw databases will now end.")

# -- DRMX: messages of our own --------------------------------------------------------------------
INTERRUPTED = _message("DRMX0007-E", "Interrupted by the user.")
MAPS_EMPTY = _message("DRMX1019-W", "The dictionary maps are empty: they {state}. drmfsdisplay "
                      "-refresh builds them from the host's file systems.")
IMPORT_PENDING = _message("DRMX1080-W", "The import on {host} is pending: its agent is not "
                                        "running; the command stays queued and runs once when "
                                        "the agent starts (command ID = {command_id}).")
LAB_LOADED = _message("DRMX5100-I", "The lab {lab} was loaded into {data_dir}: {hosts} hosts, "
                                    "{arrays} arrays, {copy_groups} copy groups.")
LAB_INVALID = _message("DRMX5101-E", "The lab definition is invalid:")
LAB_EXISTS = _message("DRMX5102-E", "{problem}. Use --force to replace it.")
NO_LAB_LOADED = _message("DRMX5103-E", "No lab is loaded in {data_dir}. Run 'drm lab init'.")
LAB_STORAGE = _message("DRMX5104-E", "The lab could not be created: {problem}")
# -- slice sql-instance: drm lab sql (the simulated SQL Server) --
SQL_LAB_REFUSED = _message("DRMX5180-E", "The simulated SQL Server refused: {problem}")
SQL_LAB_NO_HOST = _message("DRMX5181-E", "{problem}. Name a lab host with SQL Server instances "
                                         "(--host).")
SQL_LAB_RUNNING = _message("DRMX5182-I", "The SQL Server instance process of {host} is running "
                                         "({how}).")
SQL_LAB_STOPPED = _message("DRMX5183-I", "The SQL Server instance process of {host} {how}.")
NO_SUCH_GROUP = _message("DRMX5105-E", "[EX_ENOGRP] No such group: {group} is not a copy group "
                                       "of the lab.")
CREDENTIALS_WRITTEN = _message(
    "DRMX5106-I", "Broker credentials for lab {lab} were written to {directory}: {users} users "
                  "({agents} agents, {clis} CLI, {reporters} reporting) in vhost {vhost}. Load "
                  "definitions.json into RabbitMQ; give each component its file in secrets/ as "
                  "DRM_BROKER_SECRET_FILE.")
CREDENTIALS_EXIST = _message("DRMX5107-E", "Credentials already exist in {directory}. Use --force "
                                           "to replace them.")
CREDENTIALS_UNWRITABLE = _message("DRMX5108-E", "The credentials could not be written to "
                                                "{directory}: {problem}")
NODE_BUNDLE_WRITTEN = _message(
    "DRMX5160-I", "Node {node} of virtual server {server}: its broker secret and the virtual "
                  "server's signing key (key {key_id}) were written to {directory}. Copy it to "
                  "the node; there DRM_BROKER_SECRET_FILE={secret} and DRM_KEY_DIR={keys}.")
# CCI pair commands (issue 11): CCI's own error names and texts, in a DRMX message
CCI_ERROR = _message("DRMX5110-E", "{text}")
PAIR_CHANGED_OUTSIDE = _message("DRMX5111-W", "The pair {copy_group} changed outside this "
                                              "host's commands: {previous} -> {status} "
                                              "(recorded as observed).")
PAIR_NO_OPERATION = _message("DRMX5112-I", "{copy_group}: {status}: {reason}; nothing was "
                                           "done.")
PAIR_WAIT_TIMEOUT = _message("DRMX5113-E", "[EX_EWSTOT] Timeout waiting for specified status: "
                                           "{detail}")
PAIR_WAIT_SUSPENDED = _message("DRMX5114-E", "[EX_EWSUSE] Pair suspended at WAIT state: "
                                             "{detail}")
# devices of the backup server (drmdevctl, read-only mounts): DRMX049x
READ_ONLY_CHANGED = _message("DRMX0490-W", "The S-VOL was changed while it was mounted "
                                           "read-only: {total} entries differ from the mount "
                                           "({paths}).")
READ_ONLY_UNGUARDED = _message("DRMX0491-W", "The S-VOL is mounted read-only, but this host "
                                             "cannot refuse writes by {user} ({guard}): "
                                             "drmumount reports any change.")
VIEWS_UNTRUSTED = _message("DRMX9006-W", "The views of host {host} are untrusted from seq {seq} "
                                         "({reason}); see drm audit verify --host {host}")
DEFINITION_VALID = _message("DRMX0610-I", "The definition file is valid: {file}")
TEMP_DIRECTORY_READY = _message("DRMX0611-I", "Temporary directory = {directory}")
OPERATOR_LOG_FAILED = _message("DRMX0612-W", "The operator log could not be written: {problem}")
MAIL_NOT_SENT = _message("DRMX0613-W", "The notification mail could not be sent: {problem}")
REPORT_NOT_CAUGHT_UP = _message("DRMX9007-I", "{holder}; the report shows the reporting store as "
                                              "that consumer keeps it, without catching up here")

# -- detail codes of KAVX0006-E -------------------------------------------------------------------
NO_LAB = _detail("DRM-10001", "no lab is loaded, or the host is not in it")
UNKNOWN_OBJECT = _detail("DRM-10010", "a mount point, copy group or file the dictionary map or "
                                      "the backup does not know")
UNKNOWN_COPY_GROUP = _detail("DRM-10011", "an imported entry names copy groups this host does "
                                          "not know")
NO_PEERS = _detail("DRM-10012", "this agent cannot reach other agents (-auto_import)")
GENERATION_LOCKED = _detail("DRM-10020", "the generation asked for, or every one, is locked")
NO_GENERATION = _detail("DRM-10021", "no generation of the kind asked for exists")
BAD_PAIR_STATUS = _detail("DRM-10030", "a pair status does not allow the operation")
MOUNTED = _detail("DRM-10031", "a copy group is mounted")
COPY_GROUP_LOCKED = _detail("DRM-10032", "a copy group is locked")
NOT_MOUNTED = _detail("DRM-10033", "a copy group is not mounted")
TAPE_EXPIRED = _detail("DRM-10034", "the tape backup has expired")
IN_MEDIA_COPY = _detail("DRM-10035", "a copy group is in a tape backup or restore")
NO_MOUNT_POINT = _detail("DRM-10036", "no mount point can be chosen for an S-VOL")
PAIR_FAILED = _detail("DRM-10040", "a pair operation failed midway")
MOUNT_FAILED = _detail("DRM-10041", "mounting an S-VOL failed")
MEDIA_FAILED = _detail("DRM-10042", "a tape backup or restore failed")
NO_LIBRARY = _detail("DRM-10043", "the host has no tape library")
CRASH_INTERRUPTED = _detail("DRM-10045", "a crash interrupted the command and recovery ended it")
SLOT_BUSY = _detail("DRM-10050", "another exclusive command kept running on this host")
NESTED_MOUNT = _detail("DRM-10062", "a mount point has a lower-level directory mount point "
                                    "(the manual's)")
SHARED_VOLUME = _detail("DRM-10064", "several mount points on one logical volume (the manual's)")
EXPORT_DAMAGED = _detail("DRM-10070", "an export file is damaged or not an export file")
EXPORT_UNKNOWN_VERSION = _detail("DRM-10071", "an export file has an unknown format version")
EXPORT_ALTERED = _detail("DRM-10072", "an export file's body does not match its hash")
EXPORT_FILE_PROBLEM = _detail("DRM-10073", "an export file cannot be read or written")
EXPORT_NOT_SIGNED = _detail("DRM-10074", "an export file is not signed by its source host under "
                                        "a trusted key (unsigned, edited, or re-attributed)")
CONCEALED = _detail("DRM-10090", "an S-VOL is concealed from this host (drmdevctl -detach) "
                                 "and dynamic recognition is off")
IDENTITY_CHANGED = _detail("DRM-10091", "a copy group's volumes differ from those recorded at "
                                        "backup (drmmount -force)")
MOUNT_DEFINITION_BAD = _detail("DRM-10092", "the copy group mount definition file (CG_MP.conf) "
                                            "cannot be used")
# PostgreSQL (issue 14: pg-commands)
PG_NOT_COVERED = _detail("DRM-10110", "a PostgreSQL cluster has files outside the protected "
                                      "volumes")
PG_CHAIN_BROKEN = _detail("DRM-10111", "the WAL a PostgreSQL backup needs is not all in the log "
                                       "backups, or its timeline diverged")
PG_FAILED = _detail("DRM-10112", "the PostgreSQL server refused or failed a step")
PG_AREA_ON_CLUSTER = _detail("DRM-10113", "a PostgreSQL log backup or label directory overlaps "
                                          "a cluster's data, WAL or tablespace directory "
                                          "(a release would delete live files)")
UNKNOWN_COMMAND = _detail("DRM-90001", "the agent has no handler for the command")
WRONG_HOST = _detail("DRM-90002", "the command was addressed to another host")
AGENT_TIMEOUT = _detail("DRM-90003", "no agent answered in time (the command stays queued)")
INTERNAL_ERROR = _detail("DRM-90004", "a handler failed unexpectedly")
BAD_COMMAND = _detail("DRM-90005", "a request the product refuses as malformed or unusable")
STORE_INTEGRITY = _detail("DRM-90006", "stored or streamed events fail their integrity checks")
REPORT_IN_USE = _detail("DRM-90007", "another drm report serve/rebuild holds the reporting "
                                     "database")
BROKER_UNREACHABLE = _detail("DRM-90008", "the broker (or its stream port) cannot be reached; "
                                          "nothing was sent")
OPERATION_PROBLEM = _detail("DRM-10601", "an extended command's operation definition file, "
                                        "temporary directory, backup ID file or export file is "
                                        "missing or bad")
FTP_FAILED = _detail("DRM-10602", "an FTP transfer of an extended command failed")
SCRIPT_PROBLEM = _detail("DRM-10603", "a user script file breaks the manual's rules")
SCRIPT_FAILED = _detail("DRM-10604", "a user script command ended beyond its END_CODE, or timed "
                                     "out, and stopped the command")
REMOTE_REFUSED = _detail("DRM-10605", "a LOCATION=REMOTE user script command was refused by the "
                                      "backup server's agent")
NOT_A_CLUSTER_NODE = _detail("DRM-90060", "this node is not one of the virtual server's cluster "
                                          "nodes (the lab's nodes)")
INIT_CONF_UNREADABLE = _detail("DRM-90061", "init.conf cannot be read as text (size, encoding, "
                                            "line length)")
# -- automation files (issue 12): definition files, configuration files, operator logs, mail --
DEFINITION_INVALID = _detail("DRM-10610", "a definition file of the extended commands (operation "
                                          "definition, host.dat, copy-group list) breaks the "
                                          "manual's rules; the text names file, line and key")
CONFIG_INVALID = _detail("DRM-10611", "a configuration file (init.conf, DEFAULT.dat, a copy "
                                      "parameter file, mail.conf) cannot be used")
# SQL Server restore, recovery and log backups (issue 13, sql-restore slice)
SQL_STATE = _detail("DRM-10140", "a SQL Server instance or database state, or the database "
                                 "type, does not allow the command (manual tables 6-1 to 6-4)")
SQL_LOG_CHAIN = _detail("DRM-10141", "the transaction log chain forbids it: a missing or "
                                     "unknown log backup, or a roll-forward in part before a "
                                     "log backup")
SQL_SETTINGS = _detail("DRM-10142", "drmsqlinit has not registered a directory the command "
                                    "needs (undo files, log backups)")
SQL_OTHER_HOST = _detail("DRM-10143", "the backup was made on another host (-nochk_host)")
SQL_OTHER_INSTANCE = _detail("DRM-10144", "a restore to another instance that the manual "
                                          "forbids (system databases, a VDI metafile "
                                          "directory)")
SQL_APPLICATION = _detail("DRM-10145", "the SQL Server instance refused or failed an operation")
SQL_LOG_LIST = _detail("DRM-10146", "a transaction log list file cannot be used")
# SQL Server (issue 13, sql-gaps): manual Fig. 6-3
SQL_USED_UP = _detail("DRM-10147", "the backup came back from tape and a restore has used it "
                                   "up (manual Fig. 6-3): restore it from tape again")
# SQL Server (issue 13, sql-backup); DRM-110xx are the manual's own SQL Server codes, so ours
# are DRM-111xx
SQL_NOT_RUNNING = _detail("DRM-11101", "the SQL Server instance is stopped and the command needs "
                                       "it running (manual table 6-1)")
SQL_DATABASE_STATE = _detail("DRM-11102", "a database is in a state the command does not accept "
                                          "(manual tables 6-2, 6-3)")
SQL_VOLUME_SHARED = _detail("DRM-11103", "a database the command does not name has files on a "
                                         "volume of one it names")
SQL_TOO_MANY = _detail("DRM-11104", "more than 64 databases in one drmsqlbackup")
SQL_FROZEN_TIMEOUT = _detail("DRM-11105", "the databases stayed frozen longer than the VDI "
                                          "generation timeout (drmsqlinit): nothing was recorded")
SQL_UNKNOWN = _detail("DRM-11106", "no such SQL Server instance or database on this host")
SQL_NO_APPLICATION = _detail("DRM-11107", "this host has no SQL Server")
SQL_SETTINGS_BAD = _detail("DRM-11108", "a drmsqlinit value is out of range or its directory is "
                                        "outside the host's data directory")
SQL_NOT_SET_UP = _detail("DRM-11109", "drmsqlinit was not run for the instance")
SQL_UNMAPPED = _detail("DRM-11110", "a database file lies on no volume of the dictionary map, or "
                                    "its volume has no copy group")
SQL_FREEZE_FAILED = _detail("DRM-11111", "the instance refused to freeze the databases")
USAGE = _detail("DRM-90100", "a usage error of a command's options or operands")


def cci_text(code: str, text: str) -> str:
    """A CCI error's text as ``DRMX5110-E`` carries it: ``[EX_INVSTP] Invalid pair status: …``
    (``text`` is the storage error's own, which starts with the bracketed name)."""
    return text if text.startswith(f"[{code}]") else f"[{code}] {text}"


def pairsplit_remedy(copy_group: str) -> str:
    """The command that splits ``copy_group`` (``G,D``): ``pairsplit -g G -d D``."""
    group, _, device = copy_group.partition(",")
    return f"pairsplit -g {group} -d {device}" if device else f"pairsplit -g {group}"


def text(message_id: str, **fields: object) -> str:
    """The catalogued text of ``message_id`` with its ``{field}`` placeholders filled."""
    return CATALOGUE[message_id].text.format(**fields)


def line(message_id: str, *details: str, **fields: object) -> str:
    """``<ID> <text>`` followed by ``details`` (``Mount point = W:`` …), space-separated."""
    return " ".join([message_id, text(message_id, **fields), *details])


def start_line(command: str) -> str:
    return line(COMMAND_START, command=command)


def end_line(command: str) -> str:
    return line(COMMAND_END, command=command)


def error_text(detail_code: str, detail: str) -> str:
    """The text of ``KAVX0006-E`` with its cause: ``… occurred. (DRM-10010: <detail>)``."""
    return f"{text(PROCESSING_ERROR)} ({detail_code}: {detail})"
