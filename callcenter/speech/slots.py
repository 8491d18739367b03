"""How many Media Streams this process recognises at once.

Each live stream holds a recogniser and a share of the decoding threads; past what the threads
can decode in real time, every caller's recognition falls behind. So a process takes at most
``capacity`` streams: a call that would go beyond is answered with keys and Twilio's own
recognition instead (the TwiML opens no stream for it). A call promised a stream keeps its place
until its stream token expires, so a burst of new calls cannot take the place of one whose
stream is about to connect. Pure: the time is an argument; memory is bounded by ``capacity``.
"""

from __future__ import annotations


class StreamSlots:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._promised: dict[str, float] = {}   # call SID -> when its stream token expires
        self._live: set[str] = set()
        #: Calls given keys and Twilio's recognition because every place was taken (since start).
        self.refused = 0

    def _expire(self, now: float) -> None:
        for sid in [sid for sid, until in self._promised.items() if until <= now]:
            del self._promised[sid]

    def live(self) -> int:
        """Streams being recognised now."""
        return len(self._live)

    def in_use(self, now: float) -> int:
        self._expire(now)
        return len(self._live) + len(self._promised)

    def promise(self, call_sid: str, now: float, until: float) -> bool:
        """A place for ``call_sid``'s stream, kept until ``until``; ``False`` when full."""
        self._expire(now)
        if call_sid in self._live or call_sid in self._promised:
            return True
        if len(self._live) + len(self._promised) >= self.capacity:
            self.refused += 1
            return False
        self._promised[call_sid] = until
        return True

    def open(self, call_sid: str, now: float) -> bool:
        """A stream starts: it takes its promised place, or a free one; ``False`` when full."""
        self._expire(now)
        if self._promised.pop(call_sid, None) is None and call_sid not in self._live \
                and len(self._live) + len(self._promised) >= self.capacity:
            self.refused += 1
            return False
        self._live.add(call_sid)
        return True

    def close(self, call_sid: str) -> None:
        self._live.discard(call_sid)
