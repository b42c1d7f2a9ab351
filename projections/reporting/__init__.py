"""The reporting projection: every host's view folded by ``projections.host_fold``, turned into
rows, plus the integrity checks of each host's sequence and hash chain (pure, no I/O)."""
