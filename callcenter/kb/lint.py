"""Quality rules for knowledge-base content, beyond the schema; pure (the CLI reads the files).

Each rule returns faults pointing at the line of the offending value, so ``callcenter kb check``
reads like a compiler: ``knowledge_base/caf/rsa.yaml:12: spoken answer has 52 words (max 45)``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from rapidfuzz import fuzz

from callcenter.kb.claims_lint import WARNING, ClaimRules, claim_faults, claim_warnings, is_home_page
from callcenter.kb.errors import Fault
from callcenter.kb.normalise import analyse, fold
from callcenter.kb.parse import ParsedEntry
from callcenter.kb.spec import SpecTopic
from callcenter.sms import MAX_SEGMENTS, count_segments, too_long

MAX_SPOKEN_WORDS = 45
# Twilio Messaging refuses bodies over 1600 characters; the SMS carries the written answer + link.
MAX_SMS_CHARS = 1600
HOLDOUT_SIMILARITY = 90.0

OFFICIAL_DOMAINS = (
    "gouv.fr", "service-public.fr", "caf.fr", "ameli.fr", "francetravail.fr", "info-retraite.fr",
    "lassuranceretraite.fr", "msa.fr", "legifrance.gouv.fr", "france-services.gouv.fr",
    "monparcourshandicap.gouv.fr", "agirc-arrco.fr", "defenseurdesdroits.fr",
)

_WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿœŒ]+(?:['’-][0-9A-Za-zÀ-ÖØ-öø-ÿœŒ]+)*")
_URL = re.compile(r"https?://|www\.|\b[\w-]+\.(?:fr|com|org|net|gouv|eu)\b", re.IGNORECASE)
_ACRONYM = re.compile(r"\b[A-ZÀ-Ý]{2,}\b")
_ABBREVIATION = re.compile(
    r"(?<!\w)(?:art|etc|env|cf|tél|tel|min|max|janv|févr|sept|oct|nov|déc|dép|M|Mme|Mlle|St|Ste)\."
    r"|\bn°|[/&+§]|\b\d{1,2}h\d{0,2}\b",
    re.IGNORECASE,
)
_PHONE = re.compile(r"\b[03]\d{3,}\b")


def spoken_word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _spoken_faults(p: ParsedEntry) -> list[Fault]:
    assert p.entry is not None
    text = p.entry.spoken_answer
    line = p.line("spoken_answer")
    faults = []
    count = spoken_word_count(text)
    if count > MAX_SPOKEN_WORDS:
        faults.append(Fault(p.source, line, f"spoken answer has {count} words (max {MAX_SPOKEN_WORDS})"))
    if _URL.search(text):
        faults.append(Fault(p.source, line, "URL in the spoken answer: say where to go in words"))
    for acronym in sorted(set(_ACRONYM.findall(text))):
        faults.append(Fault(p.source, line, f"abbreviation '{acronym}' in the spoken answer: write "
                                            "the words, or the letters apart ('R S A')"))
    for found in sorted({m.group(0) for m in _ABBREVIATION.finditer(text)}):
        faults.append(Fault(p.source, line, f"'{found}' in the spoken answer is misread by "
                                            "text-to-speech: write it in words"))
    for number in sorted(set(_PHONE.findall(text))):
        faults.append(Fault(p.source, line, f"number '{number}' in the spoken answer: write phone "
                                            "numbers in pairs of digits ('32 30')"))
    return faults


def _duplicate_examples(parsed: Sequence[ParsedEntry]) -> list[Fault]:
    faults = []
    seen: dict[str, tuple[ParsedEntry, int]] = {}
    for p in parsed:
        if p.entry is None:
            continue
        for i, example in enumerate(p.entry.examples):
            key = " ".join(analyse(example))
            if not key:
                faults.append(Fault(p.source, p.line("examples", i),
                                    f"example {example!r} has no searchable word"))
                continue
            first = seen.setdefault(key, (p, i))
            if first != (p, i):
                other, j = first
                where = "this entry" if other is p else f"{other.source}:{other.line('examples', j)}"
                faults.append(Fault(p.source, p.line("examples", i),
                                    f"duplicate example {example!r} (same as in {where})"))
        # Synonyms that normalise alike are kept on purpose ("rsa", "r s a": what recognisers
        # write); only the same text twice is a slip.
        synonyms: dict[str, int] = {}
        for i, synonym in enumerate(p.entry.synonyms):
            key = " ".join(fold(synonym).split())
            if synonyms.setdefault(key, i) != i:
                faults.append(Fault(p.source, p.line("synonyms", i), f"duplicate synonym {synonym!r}"))
    return faults


def duplicate_ids(parsed: Sequence[ParsedEntry]) -> list[Fault]:
    """Two files with the same id: the second one is at fault, pointing at the first."""
    seen: dict[str, ParsedEntry] = {}
    faults = []
    for p in parsed:
        if p.entry is None:
            continue
        first = seen.setdefault(p.entry.id, p)
        if first is not p:
            faults.append(Fault(p.source, p.line("id"), f"duplicate id '{p.entry.id}' "
                                f"(also in {first.source}:{first.line('id')})"))
    return faults


def _official(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in OFFICIAL_DOMAINS)


def _entry_faults(p: ParsedEntry, today: dt.date | None) -> list[Fault]:
    entry = p.entry
    assert entry is not None
    faults = _spoken_faults(p)
    if p.relative:
        expected = p.relative.rsplit(".", 1)[0].replace("/", ".")
        if expected != entry.id:
            faults.append(Fault(p.source, p.line("id"),
                                f"id '{entry.id}' does not match the file name (expected '{expected}')"))
    if not entry.legal_references:
        faults.append(Fault(p.source, p.line("legal_references"), "missing legal references"))
    if not _official(entry.link):
        faults.append(Fault(p.source, p.line("link"), f"link {entry.link} is not an official site"))
    if today is not None and entry.checked_on > today:
        faults.append(Fault(p.source, p.line("checked_on"),
                            f"checked_on {entry.checked_on} is in the future"))
    sms = len(entry.written_answer) + 1 + len(entry.link)
    if sms > MAX_SMS_CHARS:
        faults.append(Fault(p.source, p.line("written_answer"),
                            f"written answer and link make {sms} characters, over the "
                            f"{MAX_SMS_CHARS} an SMS can carry"))
    if _URL.search(entry.title):
        faults.append(Fault(p.source, p.line("title"), "URL in the title"))
    if entry.online is not None:
        # Like the claims' sources: the page a caller is sent to must be the administration's own.
        if not _official(entry.online.url):
            faults.append(Fault(p.source, p.line("online", "url"), f"online: {entry.online.url} is not an "
                                "official site"))
        elif is_home_page(entry.online.url):
            faults.append(Fault(p.source, p.line("online", "url"), f"online: {entry.online.url} is a home "
                                "page: give the page of the procedure itself"))
    return faults


def online_sms_text(label: str, url: str) -> str:
    """The SMS the IVR sends for an entry's online procedure (callcenter.ivr.wording.online_sms)."""
    from callcenter.ivr.wording import online_sms  # the IVR owns the wording; imported late (no cycle)
    return online_sms(label, url)


def sms_texts(p: ParsedEntry) -> list[tuple[tuple[str | int, ...], str, str, int]]:
    """Every SMS an entry makes the IVR send: (field path, what it is, text, most segments wanted).

    The link to the online procedure must fit ``MAX_SEGMENTS``; the details a caller asks for
    (written answer, references, link) are a long SMS by nature: up to Twilio's 1600 characters,
    reported in segments by ``kb check --sms``, not warned about.
    """
    entry = p.entry
    assert entry is not None
    out: list[tuple[tuple[str | int, ...], str, str, int]] = []
    if entry.online is not None:
        out.append((("online", "label"), "online link SMS", online_sms_text(entry.online.label, entry.online.url),
                    MAX_SEGMENTS))
    return out


def sms_warnings(parsed: Sequence[ParsedEntry]) -> list[Fault]:
    """An SMS over two segments costs more and reaches old handsets cut: plain words (GSM-7) and
    a short label keep it within two."""
    out = []
    for p in parsed:
        if p.entry is None:
            continue
        for path, what, text, most in sms_texts(p):
            why = too_long(text, most)
            if why is not None:
                out.append(Fault(p.source, p.line(*path), f"{WARNING}{what}: {why}"))
    return out


def detail_sms_segments(p: ParsedEntry) -> int:
    """Segments of the details SMS (key 2 after an answer), as the IVR builds it."""
    from callcenter.ivr.wording import sms_body
    entry = p.entry
    assert entry is not None
    body = sms_body(entry.title, entry.written_answer, entry.link, [str(r) for r in entry.legal_references],
                    entry.checked_on.strftime("%d/%m/%Y"))
    return count_segments(body).segments


def spec_faults(parsed: Sequence[ParsedEntry], spec: Iterable[SpecTopic], spec_source: str) -> list[Fault]:
    """Every id of the spec must have an entry with exactly that id."""
    ids = {p.entry.id for p in parsed if p.entry is not None}
    return [Fault(spec_source, t.line, f"topic '{t.id}' has no entry in the knowledge base")
            for t in spec if t.id not in ids]


def holdout_faults(parsed: Sequence[ParsedEntry], holdout: Iterable[str]) -> list[Fault]:
    """Examples or long synonyms that copy a sentence of an evaluation set (which would void it).

    Short synonyms ("mot de passe") are the names of things, which any caller may say alone.
    """
    held = [k for k in (" ".join(analyse(t)) for t in holdout) if len(k) >= 8]
    faults = []
    for p in parsed:
        if p.entry is None:
            continue
        for name, texts in (("examples", p.entry.examples), ("synonyms", p.entry.synonyms)):
            for i, text in enumerate(texts):
                words = analyse(text)
                key = " ".join(words)
                if len(key) < 8 or (name == "synonyms" and len(words) < 4):
                    continue
                if any(fuzz.ratio(key, h) >= HOLDOUT_SIMILARITY for h in held):
                    faults.append(Fault(p.source, p.line(name, i),
                                        f"{name[:-1]} {text!r} copies a sentence of the evaluation set"))
    return faults


def lint(
    parsed: Sequence[ParsedEntry],
    *,
    spec: Sequence[SpecTopic] | None = None,
    spec_source: str = "kb_topics.yaml",
    today: dt.date | None = None,
    holdout: Sequence[str] = (),
    claims: ClaimRules | None = None,
) -> list[Fault]:
    """All faults of a parsed knowledge base, schema faults included, sorted by file and line.

    ``claims`` are the rules on entries' claims (``callcenter kb check`` passes its settings);
    without them, claims are not required but those present are checked all the same.
    """
    rules = claims if claims is not None else ClaimRules(require_claims=False)
    faults = [f for p in parsed for f in p.faults]
    valid = [p for p in parsed if p.entry is not None]
    for p in valid:
        faults.extend(_entry_faults(p, today))
        faults.extend(claim_faults(p, rules, today, OFFICIAL_DOMAINS))
    faults.extend(duplicate_ids(valid))
    faults.extend(_duplicate_examples(valid))
    if spec is not None:
        faults.extend(spec_faults(valid, spec, spec_source))
    if holdout:
        faults.extend(holdout_faults(valid, holdout))
    return sorted(set(faults))


def lint_warnings(parsed: Sequence[ParsedEntry], today: dt.date,
                  claims: ClaimRules | None = None) -> list[Fault]:
    """What to re-check soon (``file:line: warning: reason``); never a reason to fail the check."""
    rules = claims if claims is not None else ClaimRules(require_claims=False)
    out = [w for p in parsed if p.entry is not None for w in claim_warnings(p, rules, today)]
    out += sms_warnings(parsed)
    return sorted(set(out))
