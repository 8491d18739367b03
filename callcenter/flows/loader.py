"""Read a flow file, check it against the JSON Schema and the graph rules, and build the IR.

Every fault is reported as ``file:line: reason``; a file with any fault yields no flow at all, so
a broken file can never reach the engine.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from callcenter.errors import CallCenterError, FileFault
from callcenter.flows.graph import check_graph
from callcenter.flows.languages import localise
from callcenter.flows.model import (
    Answer,
    Appointment,
    Ask,
    Branch,
    Callback,
    Condition,
    Flow,
    FlowSettings,
    Goto,
    Hangup,
    InputMode,
    InputSettings,
    Menu,
    MenuOption,
    Node,
    OnlineLink,
    Retry,
    Say,
    Survey,
    Transfer,
)
from callcenter.parsed_texts import ParsedTexts
from callcenter.yamlfile import LinedDocument, YamlSyntaxError, load_with_lines

SCHEMA_PATH = Path(__file__).with_name("flow.schema.json")

DEFAULTS: dict[str, Any] = {
    "timeout": 6,
    "retries": 2,
    "input": "both",
    "human_key": "0",
    "human_words": ["conseiller", "conseillère", "un humain", "une personne", "quelqu'un",
                    "un agent", "opérateur", "opératrice"],
    "min_confidence": 0.4,
    "callback_after": 600,
    "no_input_prompt": "Je ne vous ai pas entendu.",
    "no_match_prompt": "Je n'ai pas bien compris.",
    "apology": "Veuillez nous excuser, un incident technique est survenu. "
               "Nous vous mettons en relation avec un conseiller.",
    "reassurance": "Je comprends. Je vous passe en priorité un conseiller qui va prendre le temps "
                   "de vous aider. Restez en ligne.",
}
ANSWER_DEFAULTS = {
    "prompt": "Posez votre question en quelques mots.",
    "followup": "Pour réécouter, tapez 1. Pour recevoir le détail par SMS, tapez 2. Pour une autre "
                "question, tapez 3. Si c'est tout, tapez 4. Pour parler à un conseiller, tapez 0.",
    "sms_sent": "C'est envoyé. Vous allez recevoir un SMS avec le détail et le lien officiel.",
    "no_sms": "Je ne peux pas envoyer de SMS à ce numéro.",
}
APPOINTMENT_PROMPT = ("Pour prendre un rendez-vous, tapez 1. Pour déplacer un rendez-vous, tapez 2. "
                      "Pour annuler un rendez-vous, tapez 3.")
SURVEY_DEFAULTS: dict[str, Any] = {
    "consent": "Acceptez-vous de répondre à une question sur cet appel ? Tapez 1 pour oui.",
    "question": "Votre question a-t-elle reçu une réponse ? Tapez une note de 1 à 5 : 1, pas du tout, "
                "5, tout à fait.",
    "comment": "Merci. Si vous le souhaitez, dites en quelques mots ce que nous pourrions améliorer. "
               "Sinon, ne dites rien.",
    "thanks": "Merci pour votre réponse.",
    "comment_max": 200,
}
ONLINE_LINK_DEFAULTS = {
    "offer": "Cette démarche peut se faire en ligne. Voulez-vous recevoir par SMS le lien pour la faire ? "
             "Tapez 1. Sinon, tapez 2.",
    "confirm": "Le SMS sera envoyé au numéro qui finit par {digits}. Pour confirmer, tapez 1.",
    "sent": "C'est envoyé. Si vous avez besoin d'aide pour la démarche, un conseiller reste joignable : "
            "tapez 0.",
    "declined": "D'accord, pas de SMS.",
}


# The built-in defaults above in the other languages a flow may speak (flows/languages.py).
BUILTIN_TRANSLATIONS: dict[str, dict[str, str]] = {
    DEFAULTS["no_input_prompt"]: {"en": "I did not hear you."},
    DEFAULTS["no_match_prompt"]: {"en": "I did not quite understand."},
    DEFAULTS["apology"]: {"en": "We are sorry, a technical problem occurred. We are putting you through to an "
                                "adviser."},
    DEFAULTS["reassurance"]: {"en": "I understand. I am putting you through first to an adviser who will take the "
                                    "time to help you. Please stay on the line."},
    ANSWER_DEFAULTS["prompt"]: {"en": "Ask your question in a few words."},
    ANSWER_DEFAULTS["followup"]: {"en": "To hear it again, press 1. To get the details by text message, press 2. "
                                        "For another question, press 3. If that is all, press 4. To speak to an "
                                        "adviser, press 0."},
    ANSWER_DEFAULTS["sms_sent"]: {"en": "It is sent. You will receive a text message with the details and the "
                                        "official link."},
    ANSWER_DEFAULTS["no_sms"]: {"en": "I cannot send a text message to this number."},
    APPOINTMENT_PROMPT: {"en": "To book an appointment, press 1. To move an appointment, press 2. To cancel an "
                               "appointment, press 3."},
    SURVEY_DEFAULTS["consent"]: {"en": "Would you answer one question about this call? Press 1 for yes."},
    SURVEY_DEFAULTS["question"]: {"en": "Did your question get an answer? Key in a score from 1 to 5: 1, not at "
                                        "all, 5, completely."},
    SURVEY_DEFAULTS["comment"]: {"en": "Thank you. If you wish, say in a few words what we could do better. "
                                       "Otherwise, say nothing."},
    SURVEY_DEFAULTS["thanks"]: {"en": "Thank you for your answer."},
    ONLINE_LINK_DEFAULTS["offer"]: {"en": "This can be done online. Would you like the link by text message? "
                                          "Press 1. Otherwise, press 2."},
    ONLINE_LINK_DEFAULTS["confirm"]: {"en": "The text message will go to the number ending in {digits}. To "
                                            "confirm, press 1."},
    ONLINE_LINK_DEFAULTS["sent"]: {"en": "It is sent. If you need help with it, an adviser is still there: "
                                         "press 0."},
    ONLINE_LINK_DEFAULTS["declined"]: {"en": "All right, no text message."},
}

FlowProblem = FileFault  # one fault type for every data file


class FlowError(CallCenterError):
    """A flow file is refused; ``problems`` lists every fault found."""

    code = "flow"

    def __init__(self, problems: list[FlowProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _schema_problems(name: str, doc: LinedDocument) -> list[FlowProblem]:
    problems = []
    for err in _validator().iter_errors(doc.data):
        path = tuple(err.absolute_path)
        where = ".".join(str(p) for p in path) or "flow"
        message = err.message
        if err.validator == "additionalProperties" and path:
            # Point at the unexpected key itself rather than at the mapping that holds it.
            extra = [k for k in (err.instance or {}) if k not in err.schema.get("properties", {})]
            if extra:
                path = (*path, str(extra[0]))
        if err.validator == "oneOf" and str(err.schema.get("description", "")).startswith("Spoken text"):
            message = "a text is a string, or a mapping of two-letter language codes to strings ({fr: ..., en: ...})"
        problems.append(FlowProblem(name, doc.line_of(path), f"{where}: {message}"))
    problems.sort(key=lambda p: p.line)
    return problems


def _modes(value: Any) -> tuple[InputMode, ...]:
    if value == "both":
        return ("dtmf", "speech")
    if isinstance(value, str):
        return (value,)  # type: ignore[return-value]
    return tuple(value)


def _input(raw: dict[str, Any], defaults: dict[str, Any], human: str) -> InputSettings:
    def retry(key: str) -> Retry:
        spec = raw.get(key, {})
        return Retry(
            retries=int(spec.get("retries", defaults["retries"])),
            prompt=str(spec.get("prompt", defaults[f"{key}_prompt"])),
            next=str(spec.get("next", human)),
        )

    return InputSettings(
        prompt=str(raw["prompt"]),
        modes=_modes(raw.get("input", defaults["input"])),
        timeout=int(raw.get("timeout", defaults["timeout"])),
        no_input=retry("no_input"),
        no_match=retry("no_match"),
        hints=tuple(str(h) for h in raw.get("hints", ())),
    )


def _node(node_id: str, raw: dict[str, Any], defaults: dict[str, Any], human: str) -> Node:
    match raw["kind"]:
        case "say":
            return Say(id=node_id, text=raw["text"], next=raw["next"])
        case "menu":
            options = tuple(
                MenuOption(
                    next=o["next"],
                    key=None if o.get("key") is None else str(o["key"]),
                    words=tuple(o.get("words", ())),
                    label=o.get("label"),
                    language=o.get("language"),
                    offer=o.get("offer"),
                )
                for o in raw["options"]
            )
            return Menu(id=node_id, input=_input(raw, defaults, human), options=options,
                        knowledge=raw.get("knowledge"))
        case "answer":
            texts = {k: str(raw.get(k, v)) for k, v in ANSWER_DEFAULTS.items()}
            return Answer(id=node_id, input=_input({**raw, "prompt": texts["prompt"]}, defaults, human),
                          followup=texts["followup"], next=raw["next"], sms_sent=texts["sms_sent"],
                          no_sms=texts["no_sms"])
        case "ask":
            return Ask(
                id=node_id,
                input=_input(raw, defaults, human),
                variable=raw["into"],
                next=raw["next"],
                max_digits=raw.get("max_digits"),
                finish_on_key=raw.get("finish_on_key", "#"),
                pattern=raw.get("pattern"),
                stored=raw.get("stored", "masked"),
            )
        case "transfer":
            return Transfer(id=node_id, queue=raw["queue"], skill=raw.get("skill"),
                            priority=int(raw.get("priority", 0)), text=raw.get("text"))
        case "callback":
            return Callback(id=node_id, queue=raw["queue"], skill=raw.get("skill"),
                            priority=int(raw.get("priority", 0)), text=raw.get("text"))
        case "goto":
            branches = tuple(
                Branch(
                    when=Condition(
                        variable=b["when"]["variable"],
                        equals=None if "equals" not in b["when"] else str(b["when"]["equals"]),
                        one_of=tuple(str(v) for v in b["when"].get("one_of", ())),
                        present=b["when"].get("present"),
                    ),
                    next=b["next"],
                )
                for b in raw.get("branches", ())
            )
            return Goto(id=node_id, next=raw["next"], branches=branches)
        case "hangup":
            return Hangup(id=node_id, text=raw.get("text"))
        case "appointment":
            return Appointment(id=node_id,
                               input=_input({**raw, "prompt": raw.get("prompt", APPOINTMENT_PROMPT)}, defaults, human),
                               service=raw["service"], next=raw["next"], channel=raw.get("channel"))
        case "survey":
            texts = {k: raw.get(k, v) for k, v in SURVEY_DEFAULTS.items()}
            return Survey(id=node_id, consent=str(texts["consent"]), question=str(texts["question"]),
                          comment="" if texts["comment"] is False else str(texts["comment"]),
                          thanks=str(texts["thanks"]), next=raw["next"],
                          timeout=int(raw.get("timeout", defaults["timeout"])),
                          comment_max=int(texts["comment_max"]))
        case "online_link":
            words = {k: str(raw.get(k, v)) for k, v in ONLINE_LINK_DEFAULTS.items()}
            return OnlineLink(id=node_id, offer=words["offer"], confirm=words["confirm"], sent=words["sent"],
                              declined=words["declined"], next=raw["next"],
                              timeout=int(raw.get("timeout", defaults["timeout"])))
    raise AssertionError(f"schema let through unknown kind {raw['kind']!r}")


def _local_problems(name: str, doc: LinedDocument, expected_id: str | None) -> list[FlowProblem]:
    """Checks a JSON Schema cannot express: id vs file name, regexes, duplicate keys and words."""
    data = doc.data
    problems = []
    if expected_id is not None and data["flow"] != expected_id:
        problems.append(FlowProblem(name, doc.line_of(("flow",)),
                                    f"flow id {data['flow']!r} does not match the file name "
                                    f"{expected_id!r}"))
    human_key = str(data.get("defaults", {}).get("human_key", DEFAULTS["human_key"]))
    # A value an ask node masks or drops cannot be compared later: the branch would never match.
    not_kept = {raw["into"]: node_id for node_id, raw in data["nodes"].items()
                if raw["kind"] == "ask" and raw.get("stored", "masked") != "kept"}
    for node_id, raw in data["nodes"].items():
        for i, branch in enumerate(raw.get("branches", ()) if raw["kind"] == "goto" else ()):
            when = branch["when"]
            if when["variable"] in not_kept and ("equals" in when or "one_of" in when):
                asker = not_kept[when["variable"]]
                problems.append(FlowProblem(
                    name, doc.line_of(("nodes", node_id, "branches", i, "when")),
                    f"node {node_id!r}: compares {when['variable']!r}, which node {asker!r} does not keep "
                    "(add stored: kept there, or test only present)"))
        if raw["kind"] == "ask" and "pattern" in raw:
            try:
                re.compile(raw["pattern"])
            except re.error as exc:
                problems.append(FlowProblem(name, doc.line_of(("nodes", node_id, "pattern")),
                                            f"node {node_id!r}: invalid pattern: {exc}"))
        if raw["kind"] != "menu":
            continue
        seen_keys: dict[str, int] = {}
        for i, option in enumerate(raw["options"]):
            key = option.get("key")
            if key is None:
                continue
            key = str(key)
            where = doc.line_of(("nodes", node_id, "options", i, "key"))
            if key == human_key:
                problems.append(FlowProblem(name, where, f"node {node_id!r}: key {key} is reserved "
                                            "for the way out to a person"))
            elif key in seen_keys:
                problems.append(FlowProblem(name, where, f"node {node_id!r}: key {key} is used "
                                            f"twice (also line {seen_keys[key]})"))
            seen_keys[key] = where
    return problems


def _language_options(name: str, doc: LinedDocument, languages: tuple[str, ...]) -> list[FlowProblem]:
    """A menu option may switch the caller to a language only if the flow speaks it."""
    problems = []
    for node_id, raw in doc.data["nodes"].items():
        for i, option in enumerate(raw.get("options", ()) if raw["kind"] == "menu" else ()):
            lang = option.get("language")
            if lang is not None and lang not in languages:
                problems.append(FlowProblem(name, doc.line_of(("nodes", node_id, "options", i, "language")),
                                            f"node {node_id!r}: language {lang!r} is not among the flow's "
                                            f"languages ({', '.join(languages)})"))
            elif "offer" in option and lang is None:
                problems.append(FlowProblem(name, doc.line_of(("nodes", node_id, "options", i, "offer")),
                                            f"node {node_id!r}: an offer is said in the option's language: "
                                            "give the option a language"))
    return problems


def _with_builtins(translations: dict[str, dict[str, str]],
                   languages: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """The flow's translations, plus those of the built-in default texts it may use."""
    if len(languages) == 1:
        return translations
    out = {text: dict(others) for text, others in BUILTIN_TRANSLATIONS.items()}
    for text, others in translations.items():
        out.setdefault(text, {}).update(others)
    return out


# Flows parsed in this process, by text, name and expected id (30-80 ms a flow; parsed_texts.py).
_PARSED: ParsedTexts[tuple[str, str, str | None], Flow] = ParsedTexts(256)


def parse_flow(text: str, name: str, expected_id: str | None = None) -> Flow:
    """Parse and check flow text; ``name`` is used in messages. Raises :class:`FlowError`."""
    return _PARSED.get((text, name, expected_id), lambda: _parse_flow(text, name, expected_id))


def _parse_flow(text: str, name: str, expected_id: str | None) -> Flow:
    try:
        doc = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise FlowError([FlowProblem(name, exc.line, exc.reason)]) from None
    if not isinstance(doc.data, dict):
        raise FlowError([FlowProblem(name, 1, "a flow file must be a mapping with flow, start, nodes")])
    problems = _schema_problems(name, doc)
    if problems:
        raise FlowError(problems)
    problems = _local_problems(name, doc, expected_id)
    spoken = localise(doc.data)
    problems += [FlowProblem(name, doc.line_of(path), reason) for path, reason in spoken.faults]
    problems += _language_options(name, doc, spoken.languages)

    data = spoken.data
    defaults = {**DEFAULTS, **data.get("defaults", {})}
    human = data.get("human", "")
    nodes = {node_id: _node(node_id, raw, defaults, human) for node_id, raw in data["nodes"].items()}
    flow = Flow(
        id=data["flow"],
        title=str(data.get("title", data["flow"])),
        start=data["start"],
        settings=FlowSettings(
            human=human,
            human_key=str(defaults["human_key"]),
            human_words=tuple(defaults["human_words"]),
            min_confidence=float(defaults["min_confidence"]),
            apology=str(defaults["apology"]),
            urgent=data.get("urgent", ""),
            fragile=data.get("fragile", ""),
            reassurance=str(defaults["reassurance"]),
            callback_after=int(defaults["callback_after"]),
            survey=data.get("survey", ""),
        ),
        nodes=nodes,
        source_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        path=name,
        lines={node_id: doc.line_of(("nodes", node_id)) for node_id in nodes},
        titles={node_id: str(raw["title"]) for node_id, raw in data["nodes"].items() if raw.get("title")},
        languages=spoken.languages,
        translations=_with_builtins(spoken.translations, spoken.languages),
        language_notes=tuple((doc.line_of(path), reason) for path, reason in spoken.notes),
    )
    problems += [FlowProblem(name, doc.line_of(path), reason) for path, reason in check_graph(flow, data)]
    if problems:
        raise FlowError(sorted(problems, key=lambda p: p.line))
    return flow


def load_flow(path: Path) -> Flow:
    """Read and check one flow file; its id must match the file name."""
    return parse_flow(read_flow_text(path), str(path), expected_id=path.stem)


def read_flow_text(path: Path) -> str:
    """The text of a flow file, or a :class:`FlowError` saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError([FlowProblem(str(path), 1, f"cannot read: {exc}")]) from None
