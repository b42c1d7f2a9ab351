"""The lab: hosts, arrays, LDEVs, mount points, copy groups and a tape library, in one file."""
