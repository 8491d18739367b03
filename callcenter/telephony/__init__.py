"""Twilio adapters: webhook forms to events, commands to TwiML, signatures, REST calls."""

from __future__ import annotations
