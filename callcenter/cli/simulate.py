"""``callcenter simulate [SCENARIO]``: a day of traffic through the real routing core, for what-if
staffing; ``--check-erlang`` cross-checks the simulator against the Erlang C formula."""

from __future__ import annotations

import argparse
import json
import math
import random
import re
from pathlib import Path

from callcenter.config import PROJECT_ROOT
from callcenter.errors import CallCenterError
from callcenter.routing import RoutingPolicy
from callcenter.routing.scenario import AgentSpec, Scenario, ScenarioError, parse_scenario
from callcenter.routing.simulate import (
    LIGHT_LOAD_BUSY_SHARE,
    EquityCheck,
    ErlangCheck,
    FlagEffect,
    Summary,
    check_erlang,
    equity_check,
    flag_effect,
    simulate,
)

DEFAULT_SCENARIO = PROJECT_ROOT / "scenarios" / "readme.yaml"
# The rule before issue 9: fragile callers held 60 s for an expert, urgent callers 15 s.
OLD_POLICY = {"relax_to_skill_after": 60.0, "urgent_relax_after": 15.0}
# (agents, load in erlangs): light to busy, one agent to eight.
ERLANG_PAIRS = ((1, 0.5), (2, 1.2), (4, 2.6), (8, 5.2))
TIER_LABELS = {"urgent": "urgent", "fragile": "fragile", "normal": "non fragile"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("simulate", help="simulate a day of calls through the routing (what-if staffing)")
    parser.add_argument("scenario", nargs="?", type=Path, default=DEFAULT_SCENARIO,
                        help="scenario file (default: scenarios/readme.yaml, the README's example staffing)")
    parser.add_argument("--replications", type=int, default=20, help="days simulated (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="random seed: same seed, same days (default 1)")
    parser.add_argument("--old-policy", action="store_true",
                        help="the rule before issue 9: fragile callers held 60 s for an expert, urgent ones 15 s")
    parser.add_argument("--relax-skill-after", type=float, help="seconds a fragile caller is held for an expert")
    parser.add_argument("--urgent-relax-after", type=float, help="seconds an urgent caller is held for an expert")
    parser.add_argument("--fragile-share", type=float, help="share of fragile callers (0..1)")
    parser.add_argument("--urgent-share", type=float, help="share of urgent callers (0..1)")
    parser.add_argument("--arrivals-factor", type=float, default=1.0, help="what if this many times the callers")
    parser.add_argument("--add-agent", action="append", default=[], metavar="SKILLS@START-END",
                        help="what if one more agent, e.g. caf:3,general:2@8.5-12.5 (repeatable)")
    parser.add_argument("--json", action="store_true", help="figures as JSON")
    parser.add_argument("--check-erlang", action="store_true",
                        help="compare the simulator with Erlang C (one skill, one tier) and exit")
    parser.add_argument("--calls", type=int, default=40_000, help="callers per Erlang C comparison")
    parser.set_defaults(func=run)


_AGENT = re.compile(r"^(?P<skills>[a-z_]+:[123](,[a-z_]+:[123])*)@(?P<start>\d+(\.\d+)?)-(?P<end>\d+(\.\d+)?)$")


def parse_agent(text: str, number: int) -> AgentSpec:
    match = _AGENT.match(text.strip())
    if match is None:
        raise CallCenterError(f"--add-agent {text!r}: expected SKILL:LEVEL[,SKILL:LEVEL...]@START-END, "
                              "e.g. caf:3,general:2@8.5-12.5")
    skills = {k: int(v) for k, v in (part.split(":") for part in match["skills"].split(","))}
    start, end = float(match["start"]), float(match["end"])
    if not start < end <= 24:
        raise CallCenterError(f"--add-agent {text!r}: a shift starts before it ends, within the day")
    return AgentSpec(f"renfort-{number}", skills, start, end)


def load_scenario(args: argparse.Namespace) -> Scenario:
    try:
        text = Path(args.scenario).read_text(encoding="utf-8")
    except OSError as exc:
        raise CallCenterError(f"{args.scenario}: {exc.strerror}") from None
    scenario = parse_scenario(text, str(args.scenario))
    try:
        scenario = scenario.with_shares(args.fragile_share, args.urgent_share).scaled(args.arrivals_factor)
    except ScenarioError as exc:
        raise CallCenterError(exc.message) from None
    extra = tuple(parse_agent(a, i + 1) for i, a in enumerate(args.add_agent))
    return Scenario(**{**scenario.__dict__, "agents": scenario.agents + extra})


def policy_of(args: argparse.Namespace) -> RoutingPolicy:
    values: dict[str, float] = dict(OLD_POLICY) if args.old_policy else {}
    if args.relax_skill_after is not None:
        values["relax_to_skill_after"] = args.relax_skill_after
    if args.urgent_relax_after is not None:
        values["urgent_relax_after"] = args.urgent_relax_after
    try:
        return RoutingPolicy(**values)  # type: ignore[arg-type]
    except ValueError as exc:
        raise CallCenterError(f"routing policy: {exc}") from None


def run(args: argparse.Namespace) -> int:
    if args.check_erlang:
        return run_erlang(args)
    if args.replications < 1:
        raise CallCenterError("--replications: at least one day")
    scenario = load_scenario(args)
    policy = policy_of(args)
    rng = random.Random(args.seed)
    state = rng.getstate()
    summary, days = simulate(scenario, policy, rng, args.replications, args.seed)
    equity = equity_check([r for d in days for r in d.callers])
    rng.setstate(state)
    effect = flag_effect(scenario, policy, rng, flagged=days)
    if args.json:
        print(json.dumps({**summary.to_dict(), "equity": equity.to_dict() if equity else None,
                          "flag_effect": effect.to_dict() if effect else None},
                         ensure_ascii=False, indent=2))
    else:
        print(render(scenario, summary, policy, equity, effect), end="")
    return 0


def secs(value: float | None) -> str:
    if value is None:
        return "—"
    return "jamais" if math.isinf(value) else f"{value:.0f} s"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def describe_policy(policy: RoutingPolicy) -> str:
    if policy.relax_to_skill_after == 0 and policy.urgent_relax_after == 0:
        return ("règle actuelle : urgences au premier agent libre, fragiles jamais retenus pour un expert "
                "(expert préféré parmi les agents libres)")
    return (f"fragiles retenus {policy.relax_to_skill_after:.0f} s pour un expert, urgences "
            f"{policy.urgent_relax_after:.0f} s (ancienne règle si 60 et 15)")


def render(scenario: Scenario, summary: Summary, policy: RoutingPolicy, equity: EquityCheck | None,
           effect: FlagEffect | None) -> str:
    head = (f"{'niveau':12} {'appelants':>9} {'servis':>7} {'abandons':>8} {'non servis':>10} {'méd.':>7} "
            f"{'p90':>7} {'moy.':>7} {'≤ 60 s':>7} {'expert':>7}")
    lines = [f"Simulation : {scenario.name}",
             f"{summary.replications} journée(s) simulée(s), graine {summary.seed} ; "
             f"{scenario.calls_per_day():.0f} appels attendus par jour ; {len(scenario.agents)} agents",
             f"Routage : {describe_policy(policy)}", "", head, "-" * len(head)]
    for t in summary.tiers:
        lines.append(f"{TIER_LABELS[t.tier]:12} {t.callers:>9} {pct(t.answered_share):>7} {pct(t.abandonment):>8} "
                     f"{t.unserved:>10} {secs(t.median_wait):>7} {secs(t.p90_wait):>7} {secs(t.mean_wait):>7} "
                     f"{pct(t.within_60s):>7} {pct(t.expert_share):>7}")
    lines += ["",
              "Attente : de l'arrivée dans la file à la prise de l'appel par l'agent, pour les appelants servis ; "
              "les abandons comptent",
              "dans leur colonne, pas dans les attentes. « ≤ 60 s » : servis en moins d'une minute, sur tous les "
              "appelants. « expert » : servis par un agent",
              "de niveau 3 dans la compétence demandée.",
              f"Occupation des agents : {pct(summary.occupancy)} (communication et clôture / temps de présence)."]
    if equity is not None:
        lines += ["", *equity_lines(equity, effect)]
    return "\n".join(lines) + "\n"


def _q(value: float, share: str) -> str:
    """A percentile of waits where callers never served count as infinite waits."""
    return f"jamais servi (plus {share})" if math.isinf(value) else f"{value:.0f} s"


def equity_lines(e: EquityCheck, effect: FlagEffect | None) -> list[str]:
    """The equity promise, in plain French, with the figures it rests on."""
    def med(v: float) -> str:
        return _q(v, "de la moitié")

    def p90(v: float) -> str:
        return _q(v, "d'un sur dix")

    lines = ["Équité (attente due au routage : de l'arrivée à l'offre acceptée, sans le temps de lecture de "
             "l'agent ;", "un appelant jamais servi compte comme une attente infinie) :",
             f"- fragiles : médiane {med(e.fragile_median)}, 90e centile {p90(e.fragile_p90)} ; "
             f"non fragiles : médiane {med(e.ordinary_median)}, 90e centile {p90(e.ordinary_p90)}."]
    if effect is not None:
        verdict = "oui" if effect.never_longer else "NON"
        lines.append(f"- À conditions égales (les mêmes appelants, s'ils n'avaient pas été signalés fragiles) : "
                     f"médiane {med(effect.unflagged_median)}, 90e centile {p90(effect.unflagged_p90)}.")
        lines.append(f"  Être signalé fragile ne fait pas attendre plus longtemps : {verdict}.")
    held = "tenu" if e.literal else "non tenu"
    lines.append(f"- « Le 90e centile des fragiles ne dépasse pas la médiane des non fragiles » : {held}.")
    busy = pct(e.fragile_found_all_busy)
    if e.light_load:
        lines.append(f"  Faible charge ({busy} des fragiles ont trouvé tous les agents de leur compétence occupés, "
                     f"au plus {pct(LIGHT_LOAD_BUSY_SHARE)}) : l'engagement doit y être tenu.")
    elif not e.attainable:
        lines.append(f"  {busy} des fragiles ont trouvé tous les agents de leur compétence occupés ; le temps qu'un "
                     f"agent se libère atteint {p90(e.fragile_unavoidable_p90)} au 90e centile,")
        lines.append(f"  au-delà de la médiane des non fragiles ({med(e.ordinary_median)}) : aucune règle de routage "
                     "ne pourrait le tenir sur ces journées sans interrompre un appel.")
    else:
        lines.append(f"  {busy} des fragiles ont trouvé tous les agents de leur compétence occupés ; le temps qu'un "
                     f"agent se libère atteint {p90(e.fragile_unavoidable_p90)} au 90e centile.")
    return lines


def run_erlang(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    checks = [check_erlang(n, a, rng, calls=args.calls, mean_tolerance=0.15, p_tolerance=0.03)
              for n, a in ERLANG_PAIRS]
    if args.json:
        print(json.dumps([c.to_dict() for c in checks], ensure_ascii=False, indent=2))
    else:
        print(render_erlang(checks), end="")
    return 0 if all(c.ok for c in checks) else 1


def render_erlang(checks: list[ErlangCheck]) -> str:
    head = (f"{'agents':>6} {'charge':>7} {'appels':>7} {'attente moy.':>12} {'Erlang C':>9} {'écart':>7} "
            f"{'P(attente)':>10} {'Erlang C':>9} {'écart':>7}  verdict")
    lines = ["Contrôle du simulateur par la formule d'Erlang C : une compétence, un niveau, arrivées de Poisson,",
             "durées exponentielles (moyenne 300 s), ni abandon, ni temps de lecture, ni clôture.", "",
             head, "-" * len(head)]
    for c in checks:
        rel = c.simulated_mean_wait / c.erlang_mean_wait - 1
        lines.append(f"{c.agents:>6} {c.load:>7.2f} {c.calls:>7} {c.simulated_mean_wait:>10.1f} s "
                     f"{c.erlang_mean_wait:>7.1f} s {100 * rel:>+6.1f}% {c.simulated_p_wait:>10.3f} "
                     f"{c.erlang_p_wait:>9.3f} {c.simulated_p_wait - c.erlang_p_wait:>+7.3f}  "
                     f"{'accord' if c.ok else 'DÉSACCORD'}")
    first = checks[0]
    lines += ["", f"Tolérances : attente moyenne à {100 * first.mean_tolerance:.0f} % près, probabilité d'attendre à "
              f"{first.p_tolerance:.2f} près (les {100 * 0.1:.0f} premiers % des appels, file vide au départ, "
              "sont écartés)."]
    return "\n".join(lines) + "\n"

