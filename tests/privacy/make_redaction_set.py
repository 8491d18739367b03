"""Writes fixtures/redaction.jsonl: personal numbers and addresses as callers key, write and say
them (the recogniser writes numbers in words), and ordinary sentences that must stay as they are.

Run once: ``python tests/privacy/make_redaction_set.py``. The numbers are random (fixed seed) and
spelled by the small speller below, which shares no code with the redaction it tests. Lines
written by hand (the end of this file) are kept as they are.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).parent / "fixtures" / "redaction.jsonl"
UNITS = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze",
         "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"]
TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def spell(n: int, hyphen: bool = True) -> str:
    """A number below 1000 in French words, with or without hyphens (recognisers differ)."""
    if n >= 100:
        h, rest = divmod(n, 100)
        head = "cent" if h == 1 else f"{UNITS[h]} cent"
        return head if rest == 0 else f"{head} {spell(rest, hyphen)}"
    if n < 20:
        words = UNITS[n]
    elif n < 70:
        t, u = divmod(n, 10)
        words = TENS[t] + ("" if u == 0 else " et un" if u == 1 else f"-{UNITS[u]}")
    elif n < 80:
        words = "soixante" + (" et onze" if n == 71 else f"-{UNITS[n - 60]}")
    else:
        words = "quatre-vingt" + ("s" if n == 80 else f"-{UNITS[n - 80]}")
    return words if hyphen else words.replace("-", " ")


def pairs(digits: str) -> list[str]:
    return [digits[i:i + 2] for i in range(0, len(digits), 2)]


def say_pairs(digits: str, hyphen: bool) -> str:
    # "06" is said "zéro six"; "12" is "douze".
    out = []
    for p in pairs(digits):
        out.append(f"zéro {spell(int(p[1]))}" if p[0] == "0" else spell(int(p), hyphen))
    return " ".join(out)


def say_digits(digits: str) -> str:
    return " ".join(UNITS[int(d)] for d in digits)


def luhn_complete(body: str) -> str:
    for check in "0123456789":
        total = 0
        for i, ch in enumerate(reversed(body + check)):
            d = int(ch)
            if i % 2:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        if total % 10 == 0:
            return body + check
    raise AssertionError


PHONE_FRAMES = ["rappelez-moi au {}", "mon numéro c'est le {} merci", "vous pouvez me joindre au {}",
                "{}", "alors c'est le {} voilà", "mon portable {} ou sinon le fixe", "le numéro de ma fille {}"]
NIR_FRAMES = ["mon numéro de sécurité sociale c'est {}", "ma sécu {}", "le numéro {} c'est ma carte vitale",
              "{}"]
CARD_FRAMES = ["j'ai payé avec la carte {}", "ma carte bleue {} elle a été débitée deux fois", "{}"]
EMAIL_FRAMES = ["mon mail c'est {}", "envoyez-le à {} s'il vous plaît", "{}", "mon adresse {} voilà"]


def phones(rng: random.Random) -> list[dict[str, str]]:
    out = []
    for i in range(14):
        first = rng.choice("1234567") if i % 3 else rng.choice("67")
        national = first + "".join(rng.choice("0123456789") for _ in range(8))
        d = "0" + national
        forms = [
            " ".join(pairs(d)), ".".join(pairs(d)), "-".join(pairs(d)), d,
            "+33 " + national[0] + " " + " ".join(pairs(national[1:])), "+33" + national,
            "0033 " + national[0] + " " + " ".join(pairs(national[1:])),
            "+33 (0)" + national[0] + " " + " ".join(pairs(national[1:])),
            say_pairs(d, True), say_pairs(d, False), say_digits(d),
            "plus trente-trois " + spell(int(national[0])) + " " + say_pairs(national[1:], True),
            "zéro zéro trente-trois " + spell(int(national[0])) + " " + say_pairs(national[1:], False),
            say_digits(d[:2]) + " " + say_pairs(d[2:], True),
        ]
        form = forms[i % len(forms)]
        extra = forms[(i * 5 + 3) % len(forms)]
        for f in (form, extra):
            voice = "spoken" if any(c.isalpha() for c in f.replace("plus", "")) else "keyed"
            out.append({"text": rng.choice(PHONE_FRAMES).format(f), "kind": "phone", "secret": f, "form": voice})
    return out


def nirs(rng: random.Random) -> list[dict[str, str]]:
    out = []
    for i in range(10):
        body = (rng.choice("12") + f"{rng.randint(40, 99):02d}" + f"{rng.randint(1, 12):02d}"
                + f"{rng.randint(1, 95):02d}" + f"{rng.randint(1, 999):03d}" + f"{rng.randint(1, 999):03d}")
        key = f"{97 - int(body) % 97:02d}"
        groups = [body[0], body[1:3], body[3:5], body[5:7], body[7:10], body[10:13], key]
        forms = [" ".join(groups), body + key, body,
                 " ".join(spell(int(g)) if not g.startswith("0") or g == "0" else
                          " ".join("zéro" for _ in range(len(g) - len(g.lstrip("0")))) + " "
                          + spell(int(g.lstrip("0") or "0")) for g in groups),
                 say_digits(body + key)]
        f = forms[i % len(forms)]
        voice = "spoken" if any(c.isalpha() for c in f) else "keyed"
        out.append({"text": rng.choice(NIR_FRAMES).format(f), "kind": "nir", "secret": f, "form": voice})
    return out


def cards(rng: random.Random) -> list[dict[str, str]]:
    out = []
    for i in range(8):
        number = luhn_complete(rng.choice(["4", "51", "52", "53"]) + "".join(
            rng.choice("0123456789") for _ in range(15 - (1 if i % 2 == 0 else 2) + (1 if i % 2 == 0 else 2) - 1)))
        number = number[:16] if len(number) > 16 else number
        number = luhn_complete(number[:15])
        forms = [" ".join(number[k:k + 4] for k in range(0, 16, 4)), number,
                 "-".join(number[k:k + 4] for k in range(0, 16, 4)), say_digits(number)]
        f = forms[i % len(forms)]
        voice = "spoken" if any(c.isalpha() for c in f) else "keyed"
        out.append({"text": rng.choice(CARD_FRAMES).format(f), "kind": "card", "secret": f, "form": voice})
    return out


def ibans() -> list[dict[str, str]]:
    forms = ["FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189", "fr76 1027 8060 6100 0102 0480 163",
             "FR14-2004-1010-0505-0001-3M02-606", "DE89 3704 0044 0532 0130 00", "BE68539007547034"]
    return [{"text": f"mon iban c'est le {f} pour le virement", "kind": "iban", "secret": f, "form": "keyed"}
            for f in forms]


def emails() -> list[dict[str, str]]:
    written = ["jean.dupont@example.fr", "m.benali92@orange.fr", "sophie_martin@laposte.net",
               "nguyen-thi.lan@gmail.com", "contact+caf@free.fr"]
    spoken = ["jean point dupont arobase gmail point com", "marie arobase orange point fr",
              "pierre tiret martin arobase laposte point net", "sophie underscore martin arobase hotmail point fr",
              "karim quatre-vingt-douze arobase gmail point com", "lucie point bernard arrobase yahoo point fr",
              "jean.dupont arobase gmail.com", "nadia arobase free point fr",
              "paul point durand arobase wanadoo point fr", "fatou tiret du bas diallo arobase outlook point fr"]
    out = [{"text": frame.format(e), "kind": "email", "secret": e, "form": "keyed"}
           for frame, e in zip(EMAIL_FRAMES * 3, written, strict=False)]
    out += [{"text": frame.format(e), "kind": "email", "secret": e, "form": "spoken"}
            for frame, e in zip(EMAIL_FRAMES * 3, spoken, strict=False)]
    return out


NEGATIVES = [
    "je touche 635 euros par mois depuis 2024",
    "je touche six cent trente-cinq euros par mois depuis deux mille vingt-quatre",
    "mon loyer est de 1 250 euros charges comprises",
    "j'ai reçu un trop-perçu de mille deux cent quarante euros",
    "le rendez-vous était le 12/03/2024 à 14 h 30",
    "le rendez-vous était le douze mars deux mille vingt-quatre à quatorze heures trente",
    "je suis né le 3 janvier 1985",
    "je suis née le trois janvier mille neuf cent quatre-vingt-cinq",
    "mon code postal est 75011",
    "j'habite au soixante-quinze zéro onze",
    "j'ai trois enfants de 2 4 et 7 ans",
    "j'ai trois enfants de deux quatre et sept ans",
    "mon numéro d'allocataire 1234567",
    "mon numéro d'allocataire c'est un deux trois quatre cinq six sept",
    "j'ai appelé le 3949 trois fois cette semaine",
    "j'ai appelé le trente-neuf quarante-neuf hier",
    "j'ai attendu vingt minutes au téléphone",
    "j'ai fait la demande le 02 01 2025",
    "ça fait 2 ans et 6 mois que j'attends",
    "je voudrais un rendez-vous à l'agence du 15e",
    "je paie 45,50 € par mois",
    "mon dossier numéro 2024 00123",
    "j'ai 58 ans et je suis au chômage depuis 18 mois",
    "le courrier du 28 février 2025 dit que je dois 312 euros",
    "la référence du courrier c'est 2025 CAF 0456",
    "mon fils a dix-sept ans et ma fille quinze",
    "je suis au RSA depuis deux mille dix-neuf",
    "c'est au troisième étage porte 12",
    "il me reste 80 euros pour finir le mois",
    "mon identifiant France Travail 1234567A",
    "je voudrais parler à un conseiller",
    "j'ai perdu ma carte vitale",
    "c'est pour la prime d'activité",
    "mon adresse mail a changé",
    "je vous appelle au sujet du point sur mon dossier",
    "on m'a dit d'envoyer un mail à la caf",
    "j'ai reçu un sms du 36 46",
    "entre 9 h et 12 h ou 14 h et 17 h",
    "mes revenus de 2023 étaient de 18 400 euros",
    "le montant est passé de 412,30 à 389,10 euros",
]


# Not personal, yet shaped like personal numbers: a SIRET (14 digits, Luhn-valid by design), a tax
# number (13 digits starting with 1, like a NIR), a 10-digit file reference starting with 0 (like a
# phone number). They are redacted (the safe side) and count against the precision reported.
HARD_NEGATIVES = [
    "le siret de mon employeur c'est 732 829 320 00074",
    "mon numéro fiscal 1 23 45 678 901 23",
    "la référence du dossier est 0 123 456 789",
]


def main() -> None:
    rng = random.Random(14)
    rows = phones(rng) + nirs(rng) + cards(rng) + ibans() + emails()
    rows += [{"text": t, "kind": "none", "form": "spoken" if not any(c.isdigit() for c in t) else "keyed"}
             for t in NEGATIVES]
    rows += [{"text": t, "kind": "none", "form": "keyed", "hard": True} for t in HARD_NEGATIVES]
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} lines written to {OUT}")


if __name__ == "__main__":
    main()
