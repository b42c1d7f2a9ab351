"""Tape libraries: the ``TapeLibrary`` contract and a simulated library holding real bytes."""
from adapters.tape.base import ArchiveCopy, TapeError, TapeLibrary, TapeSettings
from adapters.tape.simulated import SimulatedTapeLibrary, open_library

__all__ = ["ArchiveCopy", "SimulatedTapeLibrary", "TapeError", "TapeLibrary", "TapeSettings",
           "open_library"]
