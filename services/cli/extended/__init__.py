"""The extended commands (``EX_DRM_*``): console commands that read an operation's definition
file and run the basic commands through ``services.cli.perform`` (spec 03 §4, spec 08 §2)."""
