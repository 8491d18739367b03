"""What callers hear and read about appointments (pure): spoken slots, the reference, the SMS
within two segments, slots cut from weekly hours in local time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from callcenter.appointments import HoursRange, generate_slots, sms_segments, sms_text, spoken_reference, spoken_slot

SLOT = {"id": 1, "start": "2026-03-03T14:30:00+01:00", "minutes": 30, "channel": "phone",
        "agency": "France Services Lyon 3", "address": "12 rue Paul Bert, Lyon"}


def test_slots_are_spoken_in_plain_french() -> None:
    assert spoken_slot(SLOT) == "mardi 3 mars à 14 heures 30, par téléphone"
    place = {**SLOT, "start": "2026-05-01T09:00:00+02:00", "channel": "in_person"}
    assert spoken_slot(place) == "vendredi 1er mai à 9 heures, sur place, France Services Lyon 3"
    assert spoken_slot({**SLOT, "start": "2026-03-04T12:00:00+01:00"}, with_place=False) == "mercredi 4 mars à midi"
    assert spoken_reference("482715") == "4 8 2 7 1 5"


def test_sms_segments_count_like_twilio() -> None:
    assert sms_segments("a" * 160) == 1 and sms_segments("a" * 161) == 2 and sms_segments("a" * 306) == 2
    assert sms_segments("é" * 160) == 1          # é is in GSM-7
    assert sms_segments("ê" * 70) == 1 and sms_segments("ê" * 71) == 2   # ê is not: UCS-2
    assert sms_segments("€" * 80) == 1 and sms_segments("€" * 81) == 2   # escaped: two units each


def test_confirmations_stay_within_two_gsm7_segments() -> None:
    long_address = {**SLOT, "channel": "in_person", "agency": "Maison France Services de l'Hôtel de Ville",
                    "address": "Hôtel de Ville, place de la République, bâtiment C, 2e étage, " * 4}
    for kind in ("booked", "moved", "cancelled"):
        for slot in (SLOT, long_address):
            text = sms_text(kind, slot, "482715")  # type: ignore[arg-type]
            assert sms_segments(text) <= 2, text
            assert "482715" in text and "mardi 3 mars 2026 à 14h30" in text
            assert all(c not in text for c in "êôâç")  # no letter that would switch to UCS-2
    assert sms_text("booked", SLOT, "482715").startswith("Rendez-vous confirmé : mardi 3 mars 2026 à 14h30. "
                                                          "Nous vous appellerons au numéro de cet appel.")
    assert "Hotel de Ville" in sms_text("booked", long_address, "482715")


def test_slots_follow_local_hours_across_the_clock_change_and_skip_holidays() -> None:
    ranges = [HoursRange(0, 9 * 60, 10 * 60, "phone", 30), HoursRange(1, 9 * 60, 9 * 60 + 30, "in_person", 30)]
    # Monday 23 March to Tuesday 7 April 2026: summer time from Sunday 29 March; Easter Monday 6 April.
    slots = generate_slots(ranges, "Europe/Paris", date(2026, 3, 23), 16, datetime(2026, 3, 1, tzinfo=UTC))
    starts = [s.starts_at.isoformat() for s in slots]
    assert starts == ["2026-03-23T08:00:00+00:00", "2026-03-23T08:30:00+00:00", "2026-03-24T08:00:00+00:00",
                      "2026-03-30T07:00:00+00:00", "2026-03-30T07:30:00+00:00", "2026-03-31T07:00:00+00:00",
                      "2026-04-07T07:00:00+00:00"]
    assert [s.channel for s in slots][:3] == ["phone", "phone", "in_person"]
    later = generate_slots(ranges, "Europe/Paris", date(2026, 3, 23), 2, datetime(2026, 3, 23, 8, 0, tzinfo=UTC))
    assert [s.starts_at.isoformat() for s in later] == ["2026-03-23T08:30:00+00:00", "2026-03-24T08:00:00+00:00"]


def test_hours_ranges_say_what_is_wrong() -> None:
    assert HoursRange(0, 540, 600, "phone", 30).problem() is None
    assert HoursRange(0, 600, 540, "phone", 30).problem() == "L'heure de fin doit être après l'heure de début."
    assert HoursRange(0, 540, 600, "fax", 30).problem() is not None
    assert HoursRange(7, 540, 600, "phone", 30).problem() is not None
