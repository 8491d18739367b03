// The supervisors' queue board: waiting callers with priority and reasons, agents, service level.
"use strict";
const TIERS = { urgent: "Urgent", fragile: "Fragile", normal: "Standard" };
const STATES = { available: "Disponible", busy: "En appel", wrapup: "Clôture", offline: "Hors ligne" };

async function refresh() {
  const board = await api("GET", "/api/board");
  const sl = board.service_level;
  document.getElementById("service-level").textContent = sl.needed_a_person
    ? `${sl.answered} appels pris par un agent sur ${sl.needed_a_person} (${Math.round(100 * sl.answer_rate)} %), ` +
      `${sl.answered_in_time} en moins de ${sl.threshold_seconds} s, ${sl.abandoned} abandons.`
    : "Aucun appel transféré aujourd'hui.";
  const rows = board.waiting.map((w) => {
    const tr = el("tr");
    const tier = el("span", TIERS[w.tier] || w.tier, { class: `badge ${w.tier}` });
    const cell = el("td"); cell.append(tier, ` (score ${w.score})`);
    tr.append(el("td", w.call_sid.slice(-6)), el("td", w.queue), cell, el("td", w.reasons.join(", ") || "—"),
              el("td", minutes(w.waited)), el("td", w.offered_to ?? "—"));
    return tr;
  });
  document.getElementById("waiting").replaceChildren(...rows);
  const agents = board.agents.map((a) => {
    const tr = el("tr");
    tr.append(el("td", `${a.name} (n° ${a.id})`), el("td", STATES[a.state] || a.state), el("td", minutes(a.since)),
              el("td", Object.entries(a.skills).map(([k, v]) => `${k}:${v}`).join(", ")));
    return tr;
  });
  document.getElementById("agents").replaceChildren(...agents);
}

document.addEventListener("DOMContentLoaded", () => {
  refresh();
  const source = new EventSource("/api/events");
  let pending = null;
  const soon = () => { if (!pending) pending = setTimeout(() => { pending = null; refresh(); }, 200); };
  for (const topic of ["desk.queue", "desk.offer", "desk.offer_withdrawn", "desk.connected", "desk.agent", "call.updated"]) {
    source.addEventListener(topic, soon);
  }
  setInterval(refresh, 10000);
});
