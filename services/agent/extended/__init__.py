"""Agent side of the extended commands (``EX_DRM_*``) and of user scripts."""
