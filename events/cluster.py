"""A cluster's virtual server served by one of its physical nodes (spec 01 §1.3, 02 §5-6).

A virtual server (``DRM_HOSTNAME`` in the manual) is a host like any other: one stream, one
catalog, one set of dictionary maps, all on the cluster's shared disk. Its agent runs on every
node of the cluster; the node whose agent holds the virtual server's command queue (RabbitMQ's
single active consumer) and its cluster resource is the active node, the others stand by.

Event:
- ``ClusterNodeActivated``: ``node`` became the active node of the virtual server, before it
  ended what a failed node left open (start-up recovery) and took its first command; the
  history shows which physical node served the virtual server when.

Command (sent by a node's agent to itself on taking over; no console command):
- ``ActivateClusterNode`` ``{node}`` -> ``ClusterNodeActivated`` and ``CommandCompleted``
  with result ``{"node", "virtual_server"}``.
"""
from __future__ import annotations

from typing import Literal

from events.base import Payload
from events.command_base import EXCLUSIVE, Command
from events.names import HostName
from events.registry import REGISTRY


class ClusterNodeActivated(Payload):
    node: HostName
    virtual_server: HostName


REGISTRY.register("ClusterNodeActivated", ClusterNodeActivated)


class ActivateClusterNode(Command, concurrency=EXCLUSIVE):
    """Sent by a node's agent to itself when it becomes the virtual server's active node."""

    name: Literal["ActivateClusterNode"] = "ActivateClusterNode"
    node: HostName


CLUSTER_COMMANDS = (ActivateClusterNode,)
