"""The appointment book as a flow's test case describes it (``appointments`` of a case): the free
slots of the service, the caller's coming appointments, and the slots someone else takes first.

Like ``on_duty`` and ``wait``, it plays the part of what the server would ask (here the database,
through the dispatcher) so a case runs on the engine alone; whole calls against the real book are
tested in tests/calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callcenter.ivr.commands import AppointmentRequest
from callcenter.ivr.events import AppointmentResult

FIRST_REFERENCE = 100001
KEYS = frozenset({"slots", "mine", "taken"})


@dataclass(frozen=True)
class CaseSlot:
    start: str  # ISO, with its zone
    channel: str = "phone"
    agency: str = "Agence de test"
    address: str = "1 rue de la Paix, Paris"


@dataclass(frozen=True)
class CaseAppointments:
    """``slots``: free slots; ``mine``: the caller's appointments by reference; ``taken``: starts of
    slots another caller books just before this one."""

    slots: tuple[CaseSlot, ...] = ()
    mine: Mapping[str, CaseSlot] = field(default_factory=dict)
    taken: frozenset[str] = frozenset()


def parse_appointments(raw: Any) -> CaseAppointments:
    """Raises ``ValueError`` with the reason for anything not understood."""
    if not isinstance(raw, dict) or set(raw) - KEYS:
        raise ValueError(f"appointments is a mapping of {', '.join(sorted(KEYS))}")

    def slot(item: Any) -> CaseSlot:
        if isinstance(item, str | datetime):
            item = {"start": item}
        if not isinstance(item, dict) or "start" not in item:
            raise ValueError("a slot is a start time, or a mapping with start, channel, agency, address")
        start = item["start"] if isinstance(item["start"], datetime) else datetime.fromisoformat(str(item["start"]))
        if start.tzinfo is None:
            raise ValueError("a slot's start needs its zone")
        if item.get("channel", "phone") not in ("phone", "in_person"):
            raise ValueError("a slot's channel is phone or in_person")
        return CaseSlot(start.isoformat(), str(item.get("channel", "phone")),
                        str(item.get("agency", CaseSlot.agency)), str(item.get("address", CaseSlot.address)))

    slots = tuple(slot(s) for s in raw.get("slots", ()))
    mine = {str(ref): slot(s) for ref, s in (raw.get("mine") or {}).items()}
    taken = frozenset(slot(s).start for s in raw.get("taken", ()))
    return CaseAppointments(slots, mine, taken)


class CaseBook:
    """Answers a call's appointment requests from a case's data, keeping what the call changed."""

    def __init__(self, data: CaseAppointments) -> None:
        self.free = {i + 1: s for i, s in enumerate(data.slots)}
        self.mine = {ref: (1000 + i, s) for i, (ref, s) in enumerate(data.mine.items())}
        self.taken = set(data.taken)
        self.next_reference = FIRST_REFERENCE

    @staticmethod
    def _view(slot_id: int, slot: CaseSlot) -> dict[str, Any]:
        return {"id": slot_id, "start": slot.start, "minutes": 30, "channel": slot.channel, "agency": slot.agency,
                "address": slot.address}

    def answer(self, request: AppointmentRequest) -> AppointmentResult:
        action = request.action
        match action:
            case "find_slots":
                after = datetime.fromisoformat(request.after) if request.after else None
                found = [self._view(i, s) for i, s in sorted(self.free.items(), key=lambda kv: kv[1].start)
                         if after is None or datetime.fromisoformat(s.start) > after]
                return AppointmentResult(action, "ok", slots=tuple(found[:request.limit]))
            case "book" | "move":
                slot = self.free.pop(request.slot_id or 0, None)
                if slot is None or slot.start in self.taken:
                    return AppointmentResult(action, "taken")
                if action == "move":
                    ref = next((r for r, (i, _) in self.mine.items() if i == request.appointment_id), None)
                    if ref is None:
                        return AppointmentResult(action, "not_found")
                else:
                    ref = str(self.next_reference)
                    self.next_reference += 1
                self.mine[ref] = (2000 + (request.slot_id or 0), slot)
                return AppointmentResult(action, "ok", appointment={
                    "id": 2000 + (request.slot_id or 0), "reference": ref,
                    "slot": self._view(request.slot_id or 0, slot)})
            case "find":
                found = self.mine.get(request.reference or "")
                if found is None:
                    return AppointmentResult(action, "not_found")
                return AppointmentResult(action, "ok", appointment={
                    "id": found[0], "reference": request.reference, "slot": self._view(found[0], found[1])})
            case "cancel":
                ref = next((r for r, (i, _) in self.mine.items() if i == request.appointment_id), None)
                if ref is None:
                    return AppointmentResult(action, "not_found")
                appointment_id, slot = self.mine.pop(ref)
                return AppointmentResult(action, "ok", appointment={
                    "id": appointment_id, "reference": ref, "slot": self._view(appointment_id, slot)})
        return AppointmentResult(action, "error", error="unknown action")
