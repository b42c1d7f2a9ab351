"""The backup server's agent side: S-VOL mounts, tape backup and restore, the tape catalog."""
