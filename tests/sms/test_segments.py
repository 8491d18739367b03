"""SMS segments as handsets and Twilio count them (GSM-7 160/153, UCS-2 70/67, the extension table
counting two), and every bundled entry's SMS texts measured against the two-segment aim."""

from __future__ import annotations

import pytest

from callcenter.kb.lint import detail_sms_segments, sms_texts, sms_warnings
from callcenter.kb.loader import DEFAULT_KB_DIR, read_entries
from callcenter.sms import MAX_SEGMENTS, count_segments, is_gsm7, too_long


@pytest.mark.parametrize(("text", "encoding", "units", "segments"), [
    ("", "GSM-7", 0, 1),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    # é è à ù ì ò É Ç are in the GSM-7 alphabet: plain French stays at 160.
    ("é" * 160, "GSM-7", 160, 1),
    ("Votre démarche à la CAF : tapez 0.", "GSM-7", 34, 1),
    # Extension characters take two septets...
    ("€" * 80, "GSM-7", 160, 1),
    ("€" * 81, "GSM-7", 162, 2),
    ("[]{}|^~\\", "GSM-7", 16, 1),
    # ...and never straddle two segments: 152 letters then an escape pair goes to the next one.
    ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),
    ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
    # One character outside GSM-7 makes the whole text UCS-2: 70, then 67 a segment.
    ("ê" * 70, "UCS-2", 70, 1),
    ("ê" * 71, "UCS-2", 71, 2),
    ("ê" * 134, "UCS-2", 134, 2),
    ("ê" * 135, "UCS-2", 135, 3),
    ("Démarche en ligne : « S'inscrire »", "UCS-2", 34, 1),
    ("ç", "UCS-2", 1, 1),
    ("’", "UCS-2", 1, 1),
    # An emoji is two UTF-16 units, kept in one segment.
    ("😀" * 35, "UCS-2", 70, 1),
    ("😀" * 36, "UCS-2", 72, 2),
    ("a" * 66 + "😀" + "a" * 10, "UCS-2", 78, 2),
    ("a" * 66 + "😀" + "a" * 67, "UCS-2", 135, 3),
])
def test_segment_table(text: str, encoding: str, units: int, segments: int) -> None:
    found = count_segments(text)
    assert (found.encoding, found.units, found.segments) == (encoding, units, segments)


def test_what_forces_ucs2_is_named() -> None:
    assert count_segments("Être aidé à la CAF, ça marche").not_gsm == ("Ê", "ç")
    assert is_gsm7("Prime d'activité : é è à ù")
    assert not is_gsm7("prêt")
    assert too_long("a" * 306) is None
    why = too_long("ê" * 135)
    assert why is not None and why.startswith("3 SMS segments (UCS-2, 135 units; at most 2)") and "'ê'" in why


def test_every_bundled_entry_sms() -> None:
    parsed = [p for p in read_entries(DEFAULT_KB_DIR) if p.entry is not None]
    assert len(parsed) == 43
    links = {p.entry.id: count_segments(text) for p in parsed for _, what, text, _ in sms_texts(p)
             if what == "online link SMS"}
    # Every online procedure's link SMS is plain GSM-7 French within two segments: no warning.
    assert len(links) == 9
    assert all(c.encoding == "GSM-7" and c.segments <= MAX_SEGMENTS for c in links.values()), links
    assert links["ft.inscription"].segments == 2 and links["caf.rsa"].segments == 1
    assert sms_warnings(parsed) == []
    # The details SMS (key 2 after an answer: the written answer, references and link) is long by
    # nature: between 6 and 22 segments today, never over Twilio's 1600 characters.
    details = sorted(detail_sms_segments(p) for p in parsed)
    assert details[0] == 6 and details[-1] == 22


def test_kb_check_warns_of_a_long_link_sms(tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = (DEFAULT_KB_DIR / "caf" / "rsa.yaml").read_text(encoding="utf-8")
    # One "ê" makes the whole SMS UCS-2: 134 characters in two segments, and this one has 156.
    edited = source.replace('label: "Demander le RSA"', 'label: "Demander le RSA, prêt en dix minutes sur le site"')
    assert edited != source
    (tmp_path / "caf").mkdir()
    (tmp_path / "caf" / "rsa.yaml").write_text(edited, encoding="utf-8")
    parsed = read_entries(tmp_path)
    warnings = [str(w) for w in sms_warnings(parsed)]
    assert len(warnings) == 1
    assert "rsa.yaml:" in warnings[0] and "warning: online link SMS: 3 SMS segments (UCS-2" in warnings[0]
    assert "'ê' force UCS-2" in warnings[0]
