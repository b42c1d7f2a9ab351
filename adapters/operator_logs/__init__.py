"""The manual's operator logs: ``drm_output.log``, ``drm_script.log``, ``drm_pp_trace<n>.log``."""
