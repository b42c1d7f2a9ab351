"""The host fold, one module per area of ``HostView``; ``projections.host_fold`` assembles them.

``area`` holds the registration object (``AreaFold``) and the stored-payload access, ``common``
the helpers several areas share; every other module here is one area's mutators.
"""
