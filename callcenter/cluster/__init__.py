"""Several server processes on one PostgreSQL database: shared timers and which processes are alive."""

from callcenter.cluster.jobs import claim, heartbeat, node_alive
from callcenter.cluster.scheduler import Job, Node, Scheduler, new_node_id

__all__ = ["Job", "Node", "Scheduler", "claim", "heartbeat", "new_node_id", "node_alive"]
