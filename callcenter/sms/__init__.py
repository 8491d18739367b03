"""Text messages sent to callers: how many segments a text costs (pure)."""

from __future__ import annotations

from callcenter.sms.segments import MAX_SEGMENTS, SmsCount, count_segments, is_gsm7, too_long

__all__ = ["MAX_SEGMENTS", "SmsCount", "count_segments", "is_gsm7", "too_long"]
