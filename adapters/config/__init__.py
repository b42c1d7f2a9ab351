"""Configuration files of the manual (init.conf, …), read with limits."""
