"""The dispatcher: the one place the IVR's and the desk's commands are carried out."""

from __future__ import annotations

from callcenter.dispatch.dispatcher import Dispatcher
from callcenter.dispatch.ports import Ports

__all__ = ["Dispatcher", "Ports"]
