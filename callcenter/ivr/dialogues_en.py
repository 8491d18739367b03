"""The appointment, survey, online-link and callback dialogues in English. Pure.

As in wording_en.py, the French sentences and templates stay the source (appointment.py,
survey.py, online_link.py, callback_text.py, callback.py) and this table gives each its English
version, keyed by the French text, so ``Speaker.t`` finds it; the placeholders ({slot}, {key},
{moment}...) are the same, filled after translation. The words a caller may say there in
English are in words_en.py (which these dialogues import; this module imports them).
"""

from __future__ import annotations

from callcenter.ivr import appointment as ap
from callcenter.ivr import callback
from callcenter.ivr import callback_text as cb
from callcenter.ivr import online_link as ol
from callcenter.ivr import survey as sv

FIXED: dict[str, str] = {
    # -- appointments
    ap.NEED_NUMBER: "To book, move or cancel an appointment by phone, your number must not be hidden.",
    ap.NO_SLOTS: "We have no free appointment at the moment.",
    ap.NO_MORE: "There are no other free dates. Here are the first ones again.",
    ap.OFFER_INTRO: "Here are the next free appointments.",
    ap.OFFER_LINE: "{slot}: press {key}.",
    ap.OFFER_END: "For other dates, press 9.",
    ap.TAKEN: "Sorry, someone else has just taken this appointment.",
    ap.REFERENCE_PROMPT: ("Key in your six-digit appointment number. You were given it when you booked the "
                          "appointment."),
    ap.NOT_FOUND: "I cannot find an upcoming appointment with this number, for the phone you are calling from.",
    ap.GONE: "This appointment is no longer booked in your name.",
    ap.FOUND: "Your appointment: {slot}.",
    ap.CONFIRM_CANCEL: "To cancel it, press 1. To keep it, press 2.",
    ap.KEPT: "Your appointment is kept.",
    ap.MOVE_INTRO: "Let us choose a new date.",
    ap.BOOKED: "It is booked: {slot}.",
    ap.MOVED: "Done: your appointment is moved to {slot}.",
    ap.CANCELLED: "Done: your appointment on {slot} is cancelled.",
    ap.HOW_PHONE: "An adviser will call you at this number.",
    ap.HOW_IN_PERSON: "Address: {address}.",
    ap.REFERENCE: "Your appointment number is {ref}. I repeat: {ref}.",
    ap.SMS_SENT: "A confirmation text message has been sent to you.",
    ap.SMS_FAILED: "The confirmation text message could not be sent. Please write down your appointment number.",
    ap.NO_SMS: "Please write down your appointment number.",
    ap.DONE_PROMPT: "To hear it again, press 1. If that is all, press 2.",
    # -- the survey and the online link
    sv.AGAIN: "I did not understand.",
    ol.NOT_THIS_NUMBER: "I can only send this text message to the number you are calling from.",
    ol.SMS_FAILED: "Sorry, the text message could not be sent. To speak to an adviser, press 0.",
    # -- the callback
    callback.HIDDEN: "Your number is hidden: we cannot call you back. I am putting you through to an adviser.",
    cb.CONFIRM_NUMBER: ("We will call you back at {number}. Press 1 to confirm, or key in another phone number, "
                        "followed by the hash key."),
    cb.ASK_NUMBER: "Key in the phone number to call you back on, followed by the hash key.",
    cb.BAD_NUMBER: "This number is not valid.",
    cb.NO_NUMBER: "We could not take a number to call you back.",
    cb.NUMBER_TAKEN: "We will call you back at the number ending in {last}.",
    cb.ASAP: "To be called back as soon as possible, press 1.",
    cb.ASAP_CLOSED: "To be called back when we reopen, {moment}, press 1.",
    cb.SLOT: "To be called back {moment}, press {key}.",
    cb.TAKEN_ASAP: "Thank you. An adviser will call you back as soon as possible, in the order of your place.",
    cb.TAKEN_SLOT: "Thank you. An adviser will call you back {moment}.",
    callback.REOPENING: "when we reopen, {moment}",
}
