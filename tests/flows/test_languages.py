"""Prompts in several languages: the format, its faults with their lines, lints, the bundled flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.flows import FlowError, load_flow, parse_flow
from callcenter.flows.diagram import flow_svg
from callcenter.flows.languages import text_fields
from callcenter.flows.lints import lint_flow
from callcenter.flows.model import Menu
from tests.conftest import PROJECT_ROOT

TWO = """flow: bilingue
start: bonjour
human: conseiller
languages: [fr, en]
defaults:
  no_input_prompt: {fr: "Je ne vous ai pas entendu.", en: "I did not hear you."}
nodes:
  bonjour:
    kind: say
    text:
      fr: "Bonjour."
      en: "Hello."
    next: menu
  menu:
    kind: menu
    prompt: {fr: "Tapez 1 pour finir.", en: "Press 1 to finish."}
    options:
      - {key: 1, next: fin}
      - {key: 9, language: en, offer: "For English, press 9.", next: menu}
  fin:
    kind: hangup
    text: {fr: "Au revoir.", en: "Goodbye."}
  conseiller: {kind: transfer, queue: accueil, text: {fr: "Un conseiller.", en: "An adviser."}}
"""


def faults(text: str) -> list[str]:
    with pytest.raises(FlowError) as caught:
        parse_flow(text, "bilingue.yaml", expected_id="bilingue")
    return [str(p) for p in caught.value.problems]


def test_a_flow_in_two_languages_keeps_the_first_as_written_and_the_others_by_it() -> None:
    flow = parse_flow(TWO, "bilingue.yaml", expected_id="bilingue")
    assert flow.languages == ("fr", "en")
    assert flow.node("bonjour").text == "Bonjour."  # type: ignore[union-attr]
    assert flow.text_in("Bonjour.", "en") == "Hello."
    assert flow.text_in("Bonjour.", "fr") == flow.text_in("Bonjour.", "") == "Bonjour."
    assert flow.text_in("I did not hear you.", "en") is None   # keys are first-language texts
    # A default the file does not give comes with the built-in English version.
    assert flow.text_in("Je n'ai pas bien compris.", "en") == "I did not quite understand."
    menu = flow.node("menu")
    assert isinstance(menu, Menu)
    assert (menu.options[1].language, menu.options[1].offer) == ("en", "For English, press 9.")


def test_a_flow_without_languages_is_read_as_before() -> None:
    flow = load_flow(PROJECT_ROOT / "tests" / "fixtures" / "flows" / "lints" / "lints.yaml")
    assert flow.languages == ("fr",)
    assert flow.translations == {}


def test_a_text_missing_a_declared_language_is_a_fault_at_its_line() -> None:
    plain = TWO.replace('''    text:
      fr: "Bonjour."
      en: "Hello."''', '''    text: "Bonjour."''')
    assert faults(plain) == ["bilingue.yaml:10: nodes.bonjour.text: a text in fr only; the flow speaks fr, en "
                             "(give {fr: ..., en: ...})"]
    half = TWO.replace('    prompt: {fr: "Tapez 1 pour finir.", en: "Press 1 to finish."}',
                       '    prompt: {fr: "Tapez 1 pour finir."}')
    assert faults(half) == ["bilingue.yaml:16: nodes.menu.prompt: no en text (the flow speaks fr, en)"]
    retry = TWO.replace('    prompt: {fr: "Tapez 1 pour finir.", en: "Press 1 to finish."}',
                        '    prompt: {fr: "Tapez 1 pour finir.", en: "Press 1 to finish."}\n'
                        '    no_match: {prompt: "Pardon ?"}')
    assert faults(retry) == ["bilingue.yaml:17: nodes.menu.no_match.prompt: a text in fr only; the flow speaks "
                             "fr, en (give {fr: ..., en: ...})"]


def test_language_faults() -> None:
    assert faults(TWO.replace("languages: [fr, en]", "languages: [fr, en, de]"))[0] == (
        "bilingue.yaml:4: languages: 'de' is not available: the system wording (waits, errors, transfers) "
        "exists in fr, en")
    only_fr = TWO.replace("languages: [fr, en]", "languages: [fr]")
    assert "bilingue.yaml:19: node 'menu': language 'en' is not among the flow's languages (fr)" in faults(only_fr)
    no_lang = TWO.replace("{key: 9, language: en, offer:", "{key: 9, offer:")
    assert faults(no_lang) == ["bilingue.yaml:19: node 'menu': an offer is said in the option's language: "
                               "give the option a language"]
    twice = TWO.replace('text: {fr: "Au revoir.", en: "Goodbye."}', 'text: {fr: "Bonjour.", en: "Good day."}')
    assert faults(twice) == ["bilingue.yaml:22: nodes.fin.text: the same fr text is translated differently at "
                             "nodes.bonjour.text"]
    # The schema: a language is two letters.
    assert faults(TWO.replace('en: "Hello."', 'english: "Hello."')) == [
        "bilingue.yaml:10: nodes.bonjour.text: a text is a string, or a mapping of two-letter language codes "
        "to strings ({fr: ..., en: ...})"]


def test_a_text_in_an_undeclared_language_is_a_warning() -> None:
    flow = parse_flow(TWO.replace('en: "Goodbye."', 'en: "Goodbye.", es: "Adiós."'), "bilingue.yaml")
    assert [str(w) for w in lint_flow(flow)] == [
        "bilingue.yaml:22: warning: nodes.fin.text: text in es, which the flow does not declare in languages: "
        "never heard"]


def test_long_texts_are_linted_in_every_language() -> None:
    long_en = " ".join(["word"] * 70)
    flow = parse_flow(TWO.replace('en: "Hello."', f'en: "{long_en}"'), "bilingue.yaml")
    assert [str(w) for w in lint_flow(flow)] == [
        "bilingue.yaml:8: warning: node 'bonjour': text (en) lasts about 28 s when spoken (70 words; more than 25 s)"]


def test_every_spoken_field_of_the_schema_may_be_multilingual() -> None:
    # Read from the schema, so a node kind added with `$ref: text` fields inherits languages.
    assert {"text", "prompt", "followup", "sms_sent", "no_sms", "apology", "reassurance", "no_input_prompt",
            "no_match_prompt"} <= text_fields()
    # "offer" is a text of the online link; a menu option's offer is said in the option's own
    # language and is never asked for in the others (test_language_faults).
    assert "title" not in text_fields()


def test_the_bundled_flow_speaks_french_and_english_and_still_draws() -> None:
    flow = load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml")
    assert flow.languages == ("fr", "en")
    svg = flow_svg(flow)
    assert svg.startswith("<svg") and 'data-from="accueil" data-to="objet"' in svg
    # The language option is not one more choice: the only warning is the six services and the
    # appointments.
    assert [w.reason for w in lint_flow(flow)] == [
        "warning: menu 'objet' has 7 options (more than 5: callers forget the first ones)"]


def test_flow_analytics_recognise_a_no_match_retry_in_every_language() -> None:
    from callcenter.reports.flow_analytics import no_match_prompts
    prompts = no_match_prompts(load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml"))
    assert prompts["objet"] == ("Je n'ai pas bien compris. ", "I did not quite understand. ")
    assert prompts["reponse"] == ("Je ne suis pas sûr d'avoir compris. Pouvez-vous reformuler ? ",
                                  "I am not sure I understood. Could you say it another way? ")


def test_a_node_named_like_a_spoken_field_is_still_a_node(tmp_path: Path) -> None:
    # "question" and "comment" are spoken texts of the survey node: as node ids they stay nodes.
    path = tmp_path / "ids.yaml"
    path.write_text(
        "flow: ids\nlanguages: [fr, en]\nstart: question\nhuman: conseiller\nnodes:\n"
        "  question:\n    kind: menu\n    prompt: {fr: Tapez 1., en: Press 1.}\n"
        "    options:\n      - key: 1\n        next: comment\n"
        "  comment:\n    kind: hangup\n    text: {fr: Au revoir., en: Goodbye.}\n"
        "  conseiller:\n    kind: transfer\n    queue: accueil\n", encoding="utf-8")
    flow = load_flow(path)
    assert set(flow.nodes) == {"question", "comment", "conseiller"}
