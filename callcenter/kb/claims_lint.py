"""Rules for an entry's claims: every fact sourced on a specific official page, and checked recently.

Pure, like the rest of the linter. Faults fail ``callcenter kb check``; warnings (reasons starting
with ``warning:``) are printed but do not: they say a claim should be re-checked soon because rules
usually change on set dates (1 January, 1 April, 1 July, 1 October, and when a budget law is
published), not that the claim is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import yaml

from callcenter.kb.claim_numbers import numbers
from callcenter.kb.entry import Claim
from callcenter.kb.errors import Fault
from callcenter.kb.parse import ParsedEntry

WARNING = "warning: "
# Month and day on which French rules usually change: the budget laws and most decrees take
# effect on 1 January, benefits are revalued on 1 April, many reforms start on 1 July, pensions
# and some allowances move on 1 October.
SEASONAL_CHANGES: tuple[tuple[int, int], ...] = ((1, 1), (4, 1), (7, 1), (10, 1))
# A check made this many days or fewer before a change date may not have seen what changes then.
SOON_DAYS = 30
# Path segments that name a section of a site, not a page about a point.
_GENERIC_SEGMENTS = frozenset({
    "", "fr", "en", "accueil", "home", "index", "index.html", "index.php", "particuliers",
    "particulier", "professionnels", "associations", "allocataires", "assure", "assures",
    "candidat", "portail", "vosdroits", "services-en-ligne-et-formulaires",
})
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


@dataclass(frozen=True)
class ClaimRules:
    """What ``kb check`` asks of claims (settings ``CALLCENTER_KB_*``, or its options)."""

    require_claims: bool = True
    max_age_days: int = 365
    # Dates rules changed besides the seasonal ones, e.g. the day a budget law was published.
    change_dates: tuple[dt.date, ...] = ()


def is_home_page(url: str) -> bool:
    """A site's home or a section's front page: no path, or one generic segment ("/particuliers")."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.lower().split("/") if s]
    if not segments:
        return True
    return len(segments) == 1 and segments[0] in _GENERIC_SEGMENTS


def change_dates_between(start: dt.date, end: dt.date, extra: Sequence[dt.date] = ()) -> list[dt.date]:
    """Dates rules usually change that fall after ``start`` and on or before ``end``, in order."""
    out = [d for d in extra if start < d <= end]
    for year in range(start.year, end.year + 1):
        out.extend(d for m, day in SEASONAL_CHANGES if start < (d := dt.date(year, m, day)) <= end)
    return sorted(set(out))


def next_change_date(after: dt.date, extra: Sequence[dt.date] = ()) -> dt.date:
    candidates = [d for d in extra if d > after]
    for year in (after.year, after.year + 1):
        candidates.extend(d for m, day in SEASONAL_CHANGES if (d := dt.date(year, m, day)) > after)
    return min(candidates)


def say_date(day: dt.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _official(url: str, domains: Sequence[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def claim_faults(p: ParsedEntry, rules: ClaimRules, today: dt.date | None,
                 official_domains: Sequence[str]) -> list[Fault]:
    entry = p.entry
    assert entry is not None
    faults: list[Fault] = []
    if not entry.claims:
        if rules.require_claims:
            faults.append(Fault(p.source, p.line("id"), "no claims: list the facts of the answers with "
                                "their official source (claims:)"))
        return faults
    seen: dict[str, int] = {}
    for i, claim in enumerate(entry.claims):
        first = seen.setdefault(claim.id, i)
        if first != i:
            faults.append(Fault(p.source, p.line("claims", i, "id"), f"duplicate claim id '{claim.id}' "
                                f"(also at line {p.line('claims', first, 'id')})"))
        source_line = p.line("claims", i, "source")
        if not _official(claim.source, official_domains):
            faults.append(Fault(p.source, source_line, f"claim '{claim.id}': source {claim.source} "
                                "is not an official site"))
        elif is_home_page(claim.source):
            faults.append(Fault(p.source, source_line, f"claim '{claim.id}': source {claim.source} is "
                                "a home page: give the fiche or article that says it"))
        date_line = p.line("claims", i, "checked_on")
        if today is not None:
            age = (today - claim.checked_on).days
            if age < 0:
                faults.append(Fault(p.source, date_line, f"claim '{claim.id}': checked_on "
                                    f"{claim.checked_on} is in the future"))
            elif age > rules.max_age_days:
                faults.append(Fault(p.source, date_line, f"claim '{claim.id}': checked {age} days ago "
                                    f"({claim.checked_on}), more than {rules.max_age_days}: check it again"))
    # An entry that went through the claims check links to the fiche itself, not to a front page,
    # and lists the pages it was checked against.
    if _official(entry.link, official_domains) and is_home_page(entry.link):
        faults.append(Fault(p.source, p.line("link"), f"link {entry.link} is a home page: give the "
                            "official fiche about this topic"))
    for i, url in _sources(p):
        if is_home_page(url):
            faults.append(Fault(p.source, p.line("sources", i), f"source {url} is a home page: give "
                                "the page the facts were checked on"))
    oldest = min(c.checked_on for c in entry.claims)
    if entry.checked_on > oldest:
        faults.append(Fault(p.source, p.line("checked_on"), f"checked_on {entry.checked_on} is later "
                            f"than the oldest claim check ({oldest}): an entry is only as fresh as "
                            "its oldest claim"))
    faults.extend(_number_faults(p, entry.claims))
    return faults


def _number_faults(p: ParsedEntry, claims: Sequence[Claim]) -> list[Fault]:
    """Every number the answers state must be in some claim's ``says``."""
    entry = p.entry
    assert entry is not None
    backed: set[str] = set()
    for claim in claims:
        backed.update(numbers(claim.says))
    faults = []
    for field, text in (("spoken_answer", entry.spoken_answer), ("written_answer", entry.written_answer)):
        missing = sorted({n for n in numbers(text) if n not in backed}, key=lambda n: (len(n), n))
        if missing:
            label = field.replace("_", " ")
            faults.append(Fault(p.source, p.line(field), f"{label} states {', '.join(missing)}, "
                                "found in no claim: add the claim, or say it without the number"))
    return faults


def _sources(p: ParsedEntry) -> list[tuple[int, str]]:
    """The entry's ``sources`` list (kept in the YAML only: nothing at run time reads it)."""
    root = p.root
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "sources" and isinstance(value, yaml.SequenceNode):
            return [(i, str(v.value)) for i, v in enumerate(value.value) if isinstance(v, yaml.ScalarNode)]
    return []


def claim_warnings(p: ParsedEntry, rules: ClaimRules, today: dt.date) -> list[Fault]:
    """Claims to re-check: a change date passed since their check, or one came soon after it.

    One warning per entry and change date, at the first claim concerned: a pass checks many claims
    on one day, and 400 lines saying the same thing would hide the faults.
    """
    entry = p.entry
    assert entry is not None
    passed: dict[dt.date, list[int]] = {}
    soon: dict[dt.date, list[int]] = {}
    for i, claim in enumerate(entry.claims):
        if claim.checked_on > today:
            continue
        missed = change_dates_between(claim.checked_on, today, rules.change_dates)
        if missed:
            passed.setdefault(missed[0], []).append(i)
            continue
        upcoming = next_change_date(claim.checked_on, rules.change_dates)
        if (upcoming - claim.checked_on).days <= SOON_DAYS:
            soon.setdefault(upcoming, []).append(i)
    warnings = []
    for day, indexes in sorted(passed.items()):
        warnings.append(Fault(p.source, p.line("claims", indexes[0], "checked_on"),
                              f"{WARNING}{_which(entry.claims, indexes)}, rules often change on "
                              f"{say_date(day)}: re-check"))
    for day, indexes in sorted(soon.items()):
        days = min((day - entry.claims[i].checked_on).days for i in indexes)
        warnings.append(Fault(p.source, p.line("claims", indexes[0], "checked_on"),
                              f"{WARNING}{_which(entry.claims, indexes)}, {days} days before "
                              f"{say_date(day)} when rules often change: re-check after it"))
    return warnings


def _which(claims: Sequence[Claim], indexes: Sequence[int]) -> str:
    """"claim 'a' checked 2026-06-20" or "claims 'a', 'b' checked 2026-06-01 to 2026-06-20"."""
    names = ", ".join(f"'{claims[i].id}'" for i in indexes)
    dates = sorted({claims[i].checked_on for i in indexes})
    when = str(dates[0]) if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    return f"claim{'s' if len(indexes) > 1 else ''} {names} checked {when}"
