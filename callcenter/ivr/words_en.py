"""What a caller who chose English may say in the appointment, survey and online-link dialogues,
by the key each word stands for; compared after the same normalisation as the French words.
Pure, with no import of those dialogues (they import it)."""

from __future__ import annotations

CHOOSE_WORDS = {
    "1": ("book", "new appointment", "make an appointment", "make"),
    "2": ("move", "change", "reschedule", "postpone"),
    "3": ("cancel", "cancellation", "delete"),
}
OFFER_WORDS = {
    "1": ("first", "the first", "first one"),
    "2": ("second", "the second", "second one"),
    "3": ("third", "the third", "third one"),
    "9": ("other", "others", "later", "other dates", "another date", "none"),
}
CONFIRM_WORDS = {"1": ("yes", "cancel", "cancel it", "i confirm"), "2": ("no", "keep", "keep it")}
DONE_WORDS = {"1": ("repeat", "again", "say that again"),
              "2": ("thank you", "thanks", "that s all", "that is all", "goodbye", "done", "fine")}
KEYS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
        "eight": "8", "nine": "9", "zero": "0", "oh": "0"}
YES = frozenset({"yes", "yeah", "yep", "sure", "ok", "okay", "one", "yes please", "i confirm", "confirm",
                 "of course"})
SCORES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
SPOKEN_SCORES = ("one", "two", "three", "four", "five", "yes", "no")
LINK_PHRASES = ("yes", "no", "one", "two", "adviser")
