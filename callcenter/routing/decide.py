"""Pure routing decisions: order the waiting callers, match them with agents (waits: estimate.py)."""

from __future__ import annotations

from collections.abc import Sequence

from callcenter.routing.model import GENERAL_SKILL, Agent, Assignment, Place, RoutingPolicy, WaitingCall


def score(call: WaitingCall | Place, now: float, policy: RoutingPolicy) -> float:
    waited = max(0.0, now - call.enqueued_at)
    return policy.tier_weight.get(call.tier, 0.0) + 10.0 * call.priority + policy.ageing_per_second * waited


def order_key(call: WaitingCall | Place, now: float, policy: RoutingPolicy) -> tuple[float, float, str]:
    """What the waiting callers are ordered by: highest score first; at equal score, who came
    first goes first (and the call's id, so that no two callers tie)."""
    return -score(call, now, policy), call.enqueued_at, call.call_sid


def ordered(calls: Sequence[WaitingCall], now: float, policy: RoutingPolicy) -> list[WaitingCall]:
    """Highest score first; at equal score, who came first goes first."""
    return sorted(calls, key=lambda c: order_key(c, now, policy))


def relaxation(call: WaitingCall, now: float, policy: RoutingPolicy) -> str:
    """"expert", "skill" or "anyone": which agents may take this caller at this point.

    With the default policy an urgent caller takes anyone free at once, and everyone else any
    agent of their skill; after ``relax_to_anyone_after`` anyone free. An expert is preferred
    among the agents free now (``decide``), never waited for: holding fragile callers for an
    expert is what made them wait longer than ordinary callers. "expert" only happens with a
    positive ``relax_to_skill_after`` or ``urgent_relax_after`` (the old rule, for comparisons).
    """
    # A caller stamped a little in the future (an estimate) has waited nothing, not less.
    waited = max(0.0, now - call.enqueued_at)
    if waited >= policy.relax_to_anyone_after or (call.tier == "urgent" and waited >= policy.urgent_relax_after):
        return "anyone"
    if call.tier != "normal" and waited < policy.relax_to_skill_after:
        return "expert"
    return "skill"


def speaks(agent: Agent, call: WaitingCall) -> bool:
    """Whether ``agent`` speaks the caller's language (every agent speaks the service's own)."""
    return not call.language or call.language in agent.languages


def language_window(call: WaitingCall, policy: RoutingPolicy) -> float:
    """How long a caller may be held for an agent who speaks their language: the expert window."""
    return policy.urgent_relax_after if call.tier == "urgent" else policy.relax_to_skill_after


def skill_level(agent: Agent, skill: str | None) -> int:
    if skill is None or skill == GENERAL_SKILL:
        # Every agent can take a general call; a declared general level still ranks them.
        return max(1, agent.skills.get(GENERAL_SKILL, 1))
    return agent.skills.get(skill, 0)


def eligible(call: WaitingCall, agent: Agent, now: float, policy: RoutingPolicy) -> bool:
    if agent.state != "available":
        return False
    if agent.id in call.declined_by and now - call.enqueued_at < policy.relax_to_anyone_after:
        # An agent who declined or let the offer pass is asked again only once anyone will do:
        # with a single agent on duty, one missed offer must not strand the caller.
        return False
    level = skill_level(agent, call.skill)
    relaxed = relaxation(call, now, policy)
    if relaxed != "anyone" and not speaks(agent, call) and max(0.0, now - call.enqueued_at) < language_window(call,
                                                                                                            policy):
        return False
    match relaxed:
        case "expert":
            return level >= policy.expert_level
        case "skill":
            return level >= 1
        case _:
            return True


def anyone_free(agents: Sequence[Agent]) -> bool:
    """Whether any agent could be offered a caller now (without one, ``decide`` offers nothing)."""
    return any(a.state == "available" for a in agents)


def decide(calls: Sequence[WaitingCall], agents: Sequence[Agent], now: float,
           policy: RoutingPolicy) -> list[Assignment]:
    """New offers to make now: each waiting caller not yet offered gets the best free agent."""
    free = [a for a in agents if a.state == "available"]
    if not free:
        return []
    taken: set[int] = {c.offered_to for c in calls if c.offered_to is not None}
    out: list[Assignment] = []
    pending = ordered([c for c in calls if c.offered_to is None], now, policy)
    for call in pending:
        candidates = [a for a in free if a.id not in taken and eligible(call, a, now, policy)]
        if not candidates:
            continue
        # Languages callers still waiting in this pass need: an agent who speaks one is kept for
        # them when someone else can take this caller as well.
        needed = {c.language for c in pending if c.language and c is not call}
        # Who speaks the caller's language first, then the most skilled, then whoever has been
        # free the longest (fair spread of work). A caller who struggles with French goes first to
        # an agent who speaks another language too.
        multilingual = "langue" in call.reasons
        best = min(candidates, key=lambda a: (a.id in call.declined_by, not speaks(a, call),
                                              -(multilingual and len(a.languages) > 1),
                                              -skill_level(a, call.skill),
                                              not call.language and bool(needed & set(a.languages)),
                                              a.since, a.id))
        taken.add(best.id)
        s = score(call, now, policy)
        waited = int(now - call.enqueued_at)
        why = ", ".join(call.reasons) if call.reasons else "aucune"
        out.append(Assignment(call.call_sid, best.id, s, (
            f"{TIER_WORDS.get(call.tier, call.tier)} (raisons : {why}), attente {waited} s, score {s:.0f} ; "
            f"agent {best.name} niveau {skill_level(best, call.skill)} en {call.skill or GENERAL_SKILL} ; "
            f"{_why_this_agent(call, best, candidates, now, policy)}")))
    return out


# How tiers are named to supervisors (as in the equity report).
TIER_WORDS = {"urgent": "urgent", "fragile": "fragile", "normal": "non fragile"}


def _why_this_agent(call: WaitingCall, best: Agent, candidates: Sequence[Agent], now: float,
                    policy: RoutingPolicy) -> str:
    """The rule that made ``best`` eligible and preferred, in French, for the audit trail."""
    waited = max(0.0, now - call.enqueued_at)
    level = skill_level(best, call.skill)
    parts: list[str] = []
    match relaxation(call, now, policy):
        case "anyone" if call.tier == "urgent" and waited < policy.relax_to_anyone_after:
            parts.append("urgence : premier agent libre")
        case "anyone":
            parts.append(f"attente de {int(policy.relax_to_anyone_after)} s dépassée : tout agent libre")
        case "expert":
            parts.append("expert réservé pendant les "
                         f"{int(policy.urgent_relax_after if call.tier == 'urgent' else policy.relax_to_skill_after)}"
                         " premières secondes")
        case _:
            parts.append("agent de la compétence")
    if call.tier != "normal":
        if level >= policy.expert_level:
            parts.append("expert libre choisi")
        elif not any(skill_level(a, call.skill) >= policy.expert_level for a in candidates):
            # The point of the rule: the caller does not wait for an expert who is busy.
            parts.append("aucun expert libre : pas d'attente pour un expert")
    if best.id in call.declined_by:
        parts.append("appel déjà refusé ou laissé passer par cet agent, seul agent libre : proposé à nouveau")
    if level == 0:
        parts.append("hors de sa compétence")
    if call.language:
        if speaks(best, call):
            parts.append(f"parle la langue de l'appelant ({call.language})")
        else:
            # The point of the window: nobody waits beyond it for an agent who speaks their language.
            parts.append(f"aucun agent libre ne parle {call.language} : pas d'attente au-delà de "
                         f"{int(language_window(call, policy))} s")
    if "langue" in call.reasons and len(best.languages) > 1:
        parts.append(f"parle aussi {', '.join(x for x in best.languages if x != 'fr')}")
    return ", ".join(parts)


def expired_offers(calls: Sequence[WaitingCall], now: float, policy: RoutingPolicy) -> list[WaitingCall]:
    """Offers nobody accepted in time: they go to the next agent."""
    return [c for c in calls if c.offered_at is not None and now - c.offered_at >= policy.offer_timeout]
