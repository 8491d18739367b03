"""Appointments by phone: agencies, their hours and slots, bookings (docs/operations.md,
« Rendez-vous »). ``slots``, ``spoken`` and ``sms`` are pure; ``book`` is the store's side, the
port the dispatcher carries appointment requests out through."""

from __future__ import annotations

from callcenter.appointments.slots import CHANNELS, HoursRange, generate_slots
from callcenter.appointments.sms import sms_segments, sms_text
from callcenter.appointments.spoken import spoken_reference, spoken_slot

__all__ = ["CHANNELS", "HoursRange", "generate_slots", "sms_segments", "sms_text", "spoken_reference",
           "spoken_slot"]
