"""What the IVR says, and understands, in the caller's language. Pure.

The engine writes every sentence in the flow's first language (French); a ``Speaker`` for the
call's language gives the flow's own translation of a flow text, the English version of a fixed
system sentence (callcenter/ivr/wording_en.py), and reads the caller's words in that language.
A knowledge-base entry without a text in the caller's language is read in French, after a
one-line notice in theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callcenter.appointments.spoken import spoken_slot, spoken_slot_en
from callcenter.flows.model import Flow
from callcenter.hours import spoken as hours_fr
from callcenter.hours import spoken_en as hours_en
from callcenter.ivr import clarify, wording, wording_en
from callcenter.ivr import commands as cmd


@dataclass(frozen=True)
class Speaker:
    flow: Flow
    # "" or the flow's first language: the flow as written.
    language: str = ""

    @property
    def foreign(self) -> bool:
        return bool(self.language) and self.language != self.flow.language

    @property
    def english(self) -> bool:
        return self.foreign and self.language == wording_en.ENGLISH

    def t(self, text: str) -> str:
        """``text`` (a flow text or a fixed French sentence) in the caller's language."""
        if not self.foreign or not text:
            return text
        found = self.flow.text_in(text, self.language)
        if found is None and self.english:
            found = wording_en.fixed(text)
        return found if found is not None else text

    def join(self, *texts: str) -> str:
        return " ".join(t for t in (self.t(x) for x in texts) if t)

    # -- fixed sentences with parts --------------------------------------------------------------

    def urgent_message(self, numbers: Sequence[tuple[str, str]]) -> str:
        return wording_en.urgent_message(numbers) if self.english else wording.urgent_message(numbers)

    def emergency_message(self, numbers: Sequence[tuple[str, str]]) -> str:
        return wording_en.emergency_message(numbers) if self.english else wording.emergency_message(numbers)

    def emergency_reminder(self, numbers: Sequence[tuple[str, str]]) -> str:
        return wording_en.emergency_reminder(numbers) if self.english else wording.emergency_reminder(numbers)

    def callback_offer(self, template: str, minutes: int) -> str:
        return wording_en.callback_offer(minutes) if self.english else template.format(minutes=minutes)

    def clarify_question(self, labels: Sequence[str]) -> str:
        return wording_en.clarify_question(labels) if self.english else clarify.question(labels)

    def also_offer(self, topic: str, key: str) -> str:
        return wording_en.also_offer(topic, key) if self.english else clarify.also_offer(topic, key)

    # -- dates and times -----------------------------------------------------------------------

    def slot(self, slot: Mapping[str, Any], *, with_place: bool = True) -> str:
        """An appointment slot said aloud: "mardi 3 mars à 14 heures 30" / "Tuesday 3 March at 2:30 pm"."""
        return spoken_slot_en(slot, with_place=with_place) if self.english else spoken_slot(slot, with_place=with_place)

    def moment(self, when: datetime, now: datetime) -> str:
        """ "demain à 9 heures" / "tomorrow at 9 am"."""
        return hours_en.spoken_moment(when, now) if self.english else hours_fr.spoken_moment(when, now)

    # -- understanding the caller ----------------------------------------------------------------

    @property
    def human_words(self) -> tuple[str, ...]:
        words = self.flow.settings.human_words
        return (*words, *wording_en.HUMAN_WORDS) if self.english else words

    @property
    def danger_phrases(self) -> tuple[str, ...]:
        return wording_en.DANGER_PHRASES if self.english else wording.DANGER_PHRASES

    def danger_answer(self, text: str) -> str | None:
        found = wording_en.danger_answer(text) if self.english else None
        return found if found is not None else wording.danger_answer(text)

    def words(self, french: Mapping[str, Sequence[str]],
              english: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
        """The words a question expects, by key: French, and English too for an English caller
        (French words heard from an English caller still count)."""
        if not self.english:
            return {k: tuple(v) for k, v in french.items()}
        return {k: (*english.get(k, ()), *french.get(k, ())) for k in dict.fromkeys([*english, *french])}

    def followup_choice(self, text: str) -> str | None:
        found = wording_en.followup_choice(text) if self.english else None
        return found if found is not None else wording.followup_choice(text)

    def clarify_reply(self, text: str, labels: Sequence[str]) -> int | None:
        found = wording_en.clarify_reply(text, len(labels)) if self.english else None
        return found if found is not None else clarify.reply(text, labels)

    # -- knowledge-base answers ------------------------------------------------------------------

    def kb_answer(self, spoken: str, translated: str | None) -> tuple[tuple[cmd.Say, ...], str]:
        """What is said before the follow-up choices: (parts in their own language, text in the
        caller's). Without a text in the caller's language, the French answer, after a notice."""
        if not self.foreign:
            return (), spoken
        if translated:
            return (), translated
        notice = wording_en.FRENCH_ONLY if self.english else ""
        return (cmd.Say(notice, self.language), cmd.Say(spoken, self.flow.language)), ""
