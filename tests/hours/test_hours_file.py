"""The opening-hours file: its format, every fault as ``file:line: reason``, the bundled file."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from callcenter.cli.main import main
from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow
from callcenter.flows import model as flow_model
from callcenter.hours import HoursError, TimeRange, load_hours, parse_hours

GOOD = """\
timezone: Europe/Paris
holidays:
  alsace_moselle: true
  worked: [whit_monday]
closures:
  - date: 2026-12-31
    reason: Inventaire
queues:
  default:
    week: &office
      monday-friday: 8:30-12:00 13:30-16:30
  caf:
    week:
      monday: 13:30-16:30, 8:30-12:00
      tuesday-thursday: "9:00-17:00"
      friday: closed
      saturday: 9:00-12:00
    closures:
      - from: 2026-08-10
        to: 2026-08-14
        reason: Fermeture d'été
    openings:
      - date: 2026-12-05
        hours: 9:00-12:00
        reason: Samedi de permanence
  retraite:
    week: *office
  nuit:
    week:
      monday-sunday: 0:00-24:00
"""


def parse(text: str) -> list[str]:
    """The faults of ``text``, as printed."""
    with pytest.raises(HoursError) as caught:
        parse_hours(textwrap.dedent(text), "hours.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_good_file() -> None:
    schedule = parse_hours(GOOD, "hours.yaml")
    assert schedule.timezone == "Europe/Paris"
    assert schedule.holidays.alsace_moselle and schedule.holidays.worked == {"whit_monday"}
    caf = schedule.queues["caf"]
    # ranges are sorted, a day span fills every day, unlisted days are closed
    assert caf.week[0] == (TimeRange(510, 720), TimeRange(810, 990))
    assert caf.week[1] == caf.week[3] == (TimeRange(540, 1020),)
    assert caf.week[4] == () and caf.week[6] == ()
    assert [(c.first, c.last, c.reason) for c in caf.closures] == [
        (date(2026, 8, 10), date(2026, 8, 14), "Fermeture d'été"),
        (date(2026, 12, 31), date(2026, 12, 31), "Inventaire")]          # the shared closure too
    assert caf.openings[0].day == date(2026, 12, 5) and caf.openings[0].reason == "Samedi de permanence"
    assert schedule.queues["retraite"].week == schedule.default.week     # a YAML alias  # type: ignore[union-attr]
    assert schedule.queues["nuit"].week[6] == (TimeRange(0, 1440),)
    assert schedule.hours_of("impots") is schedule.default
    assert schedule.lines["caf"] == 12


@pytest.mark.parametrize(("text", "expected"), [
    ("timezone: Europe/Pariss\nqueues:\n  caf:\n    week: {monday: 8:00-12:00}\n",
     ["hours.yaml:1: unknown time zone 'Europe/Pariss' (e.g. Europe/Paris)"]),
    ("queues:\n  caf:\n    week: {monday: 8:00-12:00}\n",
     ["hours.yaml:1: timezone is required, e.g. Europe/Paris"]),
    ("timezone: Europe/Paris\nqueues:\n  caf:\n    week:\n      monday: 8:00-12:00 11:00-14:00\n",
     ["hours.yaml:5: queue 'caf': monday: 8:00-12:00 and 11:00-14:00 overlap"]),
    ("timezone: Europe/Paris\nqueues:\n  caf:\n    week:\n      monday: 14:00-12:00\n",
     ["hours.yaml:5: queue 'caf': monday: 14:00-12:00 ends before it starts (a range cannot cross midnight)"]),
    ("timezone: Europe/Paris\nqueues:\n  caf:\n    week:\n      monday: 8h30-12:00\n",
     ["hours.yaml:5: queue 'caf': monday: '8h30' is not a time like 8:30"]),
    ("timezone: Europe/Paris\nqueues:\n  caf:\n    week:\n      monday: 8:30-25:00\n",
     ["hours.yaml:5: queue 'caf': monday: '25:00' is not a time of day"]),
    ("timezone: Europe/Paris\nqueues:\n  caf:\n    week:\n      monday: 8:30\n",
     ["hours.yaml:5: queue 'caf': monday: expected ranges like \"8:30-12:00 13:30-16:30\" or closed, got 510 "
      "(write the ranges between quotes if YAML reads them as numbers)"]),
    ("timezone: Europe/Paris\nqueues:\n  caf:\n    week:\n      monday-friday: 8:00-12:00\n"
     "      tuesday: 9:00-10:00\n",
     ["hours.yaml:6: queue 'caf': tuesday is given twice (also line 5)"]),
    ("timezone: Europe/Paris\nqueues:\n  caf:\n    week:\n      friday-monday: 8:00-12:00\n",
     ["hours.yaml:5: queue 'caf': 'friday-monday' goes backwards (write monday-friday)"]),
    ("timezone: Europe/Paris\nqueues:\n  caf:\n    week:\n      lundi: 8:00-12:00\n",
     ["hours.yaml:5: queue 'caf': 'lundi' is not a day (monday ... sunday) or a span of days like monday-friday"]),
    ("timezone: Europe/Paris\nqueues:\n  caf:\n    hours: {monday: 8:00-12:00}\n",
     ["hours.yaml:3: queue 'caf': week is required (the usual hours, monday ... sunday)",
      "hours.yaml:4: queue 'caf': unknown key 'hours' (expected week, closures, openings)"]),
    ("timezone: Europe/Paris\nqueues:\n  Caf:\n    week: {}\n",
     ["hours.yaml:3: queue id 'Caf' must be lower case letters, digits and _"]),
    ("timezone: Europe/Paris\nqueues: {}\n",
     ["hours.yaml:2: queues is required: the hours of at least one queue (or default)"]),
    ("timezone: Europe/Paris\nholiday: {}\nqueues:\n  caf: {week: {}}\n",
     ["hours.yaml:2: the file: unknown key 'holiday' (expected timezone, holidays, closures, queues)"]),
    ("timezone: Europe/Paris\nholidays:\n  alsace_moselle: oui\n  worked: [pentecote]\nqueues:\n"
     "  caf: {week: {}}\n",
     ["hours.yaml:3: holidays: alsace_moselle must be true or false",
      "hours.yaml:4: holidays: unknown holiday 'pentecote' (one of new_year, good_friday, easter_monday, "
      "labour_day, victory_1945, ascension, whit_monday, bastille_day, assumption, all_saints, armistice, "
      "christmas, st_stephen)"]),
    ("timezone: Europe/Paris\nclosures:\n  - date: 2026-12-31\n  - from: 2026-08-14\n    to: 2026-08-10\n"
     "    reason: Été\n  - date: '2026-02-30'\n    reason: Jamais\nqueues:\n  caf: {week: {}}\n",
     ["hours.yaml:3: every queue: closure: a reason is required (a short text)",
      "hours.yaml:5: every queue: closure ends (2026-08-10) before it starts (2026-08-14)",
      "hours.yaml:7: every queue: closure: '2026-02-30' is not a date like 2026-12-24"]),
    ("timezone: Europe/Paris\nclosures:\n  - date: 2026-02-30\n    reason: Jamais\nqueues:\n  caf: {week: {}}\n",
     ["hours.yaml:3: invalid value '2026-02-30': day is out of range for month"]),
    ("timezone: Europe/Paris\nqueues:\n  caf:\n    week: {}\n    openings:\n      - date: 2026-12-05\n"
     "        hours: closed\n      - date: 2026-12-06\n        hours: 9:00-12:00\n"
     "      - date: 2026-12-06\n        hours: 14:00-16:00\n",
     ["hours.yaml:7: queue 'caf': an opening needs hours (for a closed day, write a closure)",
      "hours.yaml:10: queue 'caf': 2026-12-06 has two openings (also line 8)"]),
    ("timezone: Europe/Paris\nqueues:\n  caf:\n    week: {}\n  caf:\n    week: {}\n",
     ["hours.yaml:5: duplicate key 'caf'"]),
])
def test_faults_name_their_line(text: str, expected: list[str]) -> None:
    assert parse(text) == expected


def test_bad_yaml_names_its_line() -> None:
    [fault] = parse("timezone: Europe/Paris\nqueues: [caf\n")
    assert fault.startswith("hours.yaml:3: invalid YAML: while parsing a flow sequence (line 2)")


def test_every_fault_of_a_file_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "hours.yaml"
    path.write_text("timezone: Mars/Olympus\nqueues:\n  caf:\n    week:\n      monday: 9:00-8:00\n",
                    encoding="utf-8")
    with pytest.raises(HoursError) as caught:
        load_hours(path)
    assert [p.line for p in caught.value.problems] == [1, 5]
    assert str(caught.value.problems[0]).startswith(f"{path}:1: unknown time zone")


def test_bundled_hours_cover_every_queue_of_the_bundled_flows() -> None:
    schedule = load_hours(PROJECT_ROOT / "ivr_flows" / "hours.yaml")
    flow = load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml")
    queues = {n.queue for n in flow.nodes.values() if isinstance(n, flow_model.Transfer)}
    assert queues <= set(schedule.queues)
    assert all(any(schedule.queues[q].week) for q in queues)
    assert schedule.timezone == "Europe/Paris"


def test_flows_validate_checks_the_hours_file_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "validate"]) == 0
    assert "hours.yaml: ok (opening hours of 7 queues and a default)" in capsys.readouterr().err
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "main.yaml").write_text((PROJECT_ROOT / "ivr_flows" / "main.yaml").read_text(encoding="utf-8"),
                                      encoding="utf-8")
    (folder / "hours.yaml").write_text("timezone: Europe/Paris\nqueues:\n  caf:\n    week: {mon: 8:00-9:00}\n",
                                       encoding="utf-8")
    assert main(["flows", "validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"{folder / 'hours.yaml'}:4: queue 'caf': 'mon' is not a day" in out
