// The agent's live caller-context screen: offers with a countdown, the call laid out for work,
// keyboard shortcuts, live state, warm transfer by name. Server push via SSE; words from data.
"use strict";
let me = null;
let offered = null;   // call sid offered to me
let current = null;   // call sid I am on
let countdown = null; // interval of the offer's countdown
let ended = false;    // the current call ended; its card stays for the note

const $ = (id) => document.getElementById(id);
const L = (kind, id) => {
  const words = (me && me.labels) || {};
  return ((words[kind] || {})[id]) || ((words._fallback || {})[kind]) || "—";
};

function announce(text) { $("announcer").textContent = text; }
function status(text) { $("call-status").textContent = text; }

function card(title, ...children) {
  const section = el("section", null, { class: "card" });
  section.append(el("h3", title), ...children);
  return section;
}

function showState(state) {
  $("presence-state").textContent = L("states", state);
  $("presence-state").dataset.state = state;
}

function triageControls(ctx) {
  const form = el("form", null, { "aria-label": "Confirmer ou corriger l'évaluation" });
  const fs = el("fieldset");
  fs.append(el("legend", "Votre avis sur l'évaluation"));
  const t = ctx.triage;
  const box = (id, label, checked) => {
    const p = el("p", null, { class: "check" });
    const input = el("input", null, { type: "checkbox", id });
    input.checked = !!checked;
    p.append(input, el("label", label, { for: id }));
    return p;
  };
  fs.append(box("fix-fragile", "Fragile", t.fragile), box("fix-urgent", "Urgent", t.urgent));
  const select = el("select", null, { id: "fix-reasons", multiple: "", size: "4" });
  const have = new Set((t.reasons || []).map((r) => r.id));
  for (const id of (me && me.triage_reasons) || []) {
    const o = el("option", L("reasons", id), { value: id }); o.selected = have.has(id); select.append(o);
  }
  fs.append(el("label", "Raisons", { for: "fix-reasons" }), select);
  const confirm = el("button", "Confirmer l'évaluation", { type: "button", id: "triage-confirm" });
  const correct = el("button", "Enregistrer la correction", { type: "submit", class: "secondary" });
  confirm.addEventListener("click", () => sendTriage(ctx.call_sid, { confirm: true }));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    sendTriage(ctx.call_sid, { fragile: $("fix-fragile").checked, urgent: $("fix-urgent").checked,
      reasons: Array.from(select.selectedOptions).map((o) => o.value) });
  });
  const buttons = el("p", null, { class: "actions" });
  buttons.append(confirm, correct);
  fs.append(buttons);
  form.append(fs);
  return form;
}

async function sendTriage(callSid, body) {
  try { await api("POST", `/api/calls/${callSid}/triage`, body); status("Évaluation enregistrée."); }
  catch (e) { status(e.message); }
}

const DANGER_ANSWER = { yes: "oui, en danger", no: "non", none: "pas de réponse claire" };
const SEMANTIC_DECIDED = { urgent: "urgence", ask: "doute, question posée", fragile: "fragilité" };

function summaryCard(ctx) {
  const fr = ctx.fr;
  const head = el("p", null, { class: "caller" });
  head.append(el("strong", ctx.caller || "numéro masqué"), " ");
  const tier = (ctx.queue && ctx.queue.tier) || (ctx.triage && (ctx.triage.urgent ? "urgent" : ctx.triage.fragile ? "fragile" : "normal")) || "normal";
  head.append(el("span", fr.tier, { class: `badge ${tier}` }));
  if (fr.language) head.append(" ", el("span", `parle ${fr.language}`, { class: "badge language", lang: "fr" }));
  const items = [head];
  // A callback: said first, before anything else about the caller.
  if (fr.callback) items.unshift(el("p", fr.callback, { class: "callback-note" }));
  if (ctx.queue) items.push(el("p", `File ${fr.queue} — attente ${minutes(ctx.queue.waited_seconds)}`));
  items.push(el("p", `Appel commencé ${fr.started}`, { class: "muted" }));
  if (fr.identity.length) {
    const dl = el("dl", null, { class: "identity" });
    for (const item of fr.identity) dl.append(el("dt", item.label), el("dd", item.value));
    items.push(dl);
  }
  return card("Appelant", ...items);
}

function triageCard(ctx, live) {
  const t = ctx.triage;
  if (!t) return card("Évaluation de fragilité", el("p", "Pas d'évaluation pour cet appel.", { class: "muted" }));
  const items = [el("p", `${t.urgent ? "Urgent" : t.fragile ? "Fragile" : "Non fragile"} (score ${t.score}, règles ${t.rules_version})`)];
  const ul = el("ul", null, { class: "evidence" });
  (t.reasons || []).forEach((r, i) => {
    const li = el("li");
    li.append(el("strong", ctx.fr.reasons[i]), ` : « ${(r.evidence || []).join(" », « ")} »`);
    ul.append(li);
  });
  if ((t.reasons || []).length) items.push(ul);
  const answer = DANGER_ANSWER[ctx.danger_answer];
  if (answer) items.push(el("p", `Question « êtes-vous en danger en ce moment ? » : ${answer}`, { class: "danger-answer" }));
  else if (t.check_danger) items.push(el("p", "Doute sur un danger : l'appelant n'a pas encore répondu à la question.", { class: "danger-answer" }));
  const sem = t.semantic;
  if (sem && sem.decided !== "none" && (sem.neighbours || []).length) {
    // Why the semantic layer raised the alarm: the closest situations written for it.
    const near = el("details", null, { class: "semantic" });
    near.append(el("summary", `Détecteur sémantique : ${SEMANTIC_DECIDED[sem.decided] || "alerte"} — lu dans « ${sem.window} »`));
    const list = el("ul");
    for (const n of sem.neighbours) list.append(el("li", `proche (${Math.round(100 * n.similarity)} %) de « ${n.text} »`));
    near.append(list);
    items.push(near);
  }
  if (live) items.push(triageControls(ctx));
  return card("Évaluation de fragilité", ...items);
}

function transcriptCard(ctx, live) {
  const ol = el("ol", null, { class: "transcript", "aria-live": live ? "polite" : "off" });
  for (const u of ctx.utterances || []) ol.append(el("li", u.text));
  if (!(ctx.utterances || []).length) ol.append(el("li", "(rien pour l'instant)", { class: "muted" }));
  return card("Ce que l'appelant a dit", ol);
}

function suggestionsCard(ctx) {
  const ul = el("ul", null, { class: "suggestions" });
  for (const s of ctx.suggestions || []) {
    const li = el("li");
    const details = el("details");
    details.append(el("summary", `${s.title} (pertinence ${Math.round(100 * s.score)} %)`), el("p", s.written_answer));
    if (s.link) details.append(el("a", "Fiche officielle (nouvel onglet)", { href: s.link, target: "_blank", rel: "noopener" }));
    li.append(details); ul.append(li);
  }
  if (!(ctx.suggestions || []).length) ul.append(el("li", "Aucune fiche pour ce qui a été dit.", { class: "muted" }));
  return card("Fiches suggérées", ul);
}

function pathCard(ctx) {
  const items = [el("p", ctx.fr.path.join(" → ") || "—")];
  if (ctx.fr.answers.length) {
    items.push(el("h4", "Réponses déjà données"));
    const ul = el("ul");
    for (const title of ctx.fr.answers) ul.append(el("li", title));
    items.push(ul);
  }
  return card("Parcours dans le serveur vocal", ...items);
}

function historyCard(ctx) {
  const ul = el("ul", null, { class: "history" });
  for (const h of ctx.fr.history) {
    const li = el("li");
    const when = el("time", h.when, { datetime: h.at || "" });
    li.append(when, ` — ${h.outcome}`);
    for (const n of h.notes) li.append(el("div", `Note : ${n}`, { class: "muted" }));
    ul.append(li);
  }
  if (!ctx.fr.history.length) ul.append(el("li", "Premier appel connu", { class: "muted" }));
  const items = [ul];
  if (ctx.fr.notes.length) {
    items.push(el("h4", "Notes de cet appel"));
    const notes = el("ul");
    for (const n of ctx.fr.notes) notes.append(el("li", n.text + (n.code ? ` (${n.code})` : "")));
    items.push(notes);
  }
  return card("Historique de l'appelant", ...items);
}

function contextView(ctx, live) {
  const box = el("div", null, { class: "context" });
  const top = el("div", null, { class: "row top-row" });
  top.append(summaryCard(ctx), triageCard(ctx, live));
  const middle = el("div", null, { class: "row" });
  middle.append(transcriptCard(ctx, live), suggestionsCard(ctx));
  const bottom = el("div", null, { class: "row" });
  bottom.append(pathCard(ctx), historyCard(ctx));
  box.append(top, middle, bottom);
  return box;
}

function startCountdown(seconds) {
  clearInterval(countdown);
  let left = Math.max(0, Math.round(seconds));
  const tick = () => {
    $("offer-countdown").textContent = left > 0 ? `${left} s pour accepter` : "Délai dépassé : l'appel passe au conseiller suivant.";
    $("offer-countdown").dataset.left = String(left);
    if (left === 10 || left === 5) announce(`Encore ${left} secondes pour accepter l'appel.`);
    if (left <= 0) clearInterval(countdown);
    left -= 1;
  };
  tick();
  countdown = setInterval(tick, 1000);
}

async function showOffer(callSid, secondsLeft) {
  offered = callSid;
  const ctx = await api("GET", `/api/calls/${callSid}`);
  // Accepted, declined or withdrawn while the context was loading: nothing to show any more.
  if (offered !== callSid) return;
  $("offer-context").replaceChildren(contextView(ctx, false));
  $("offer-title").textContent = ctx.fr.callback ? "Rappel à passer" : "Appel entrant";
  const wasHidden = $("offer").hidden;
  $("offer").hidden = false;
  $("idle").hidden = true;
  if (wasHidden) {
    startCountdown(secondsLeft ?? (me && me.offer_timeout) ?? 20);
    announce("Appel entrant. Lisez le contexte puis acceptez ou refusez.");
    $("accept").focus();
  }
}

function hideOffer() {
  offered = null; clearInterval(countdown);
  $("offer").hidden = true; $("offer-context").replaceChildren();
  $("idle").hidden = !!current;
}

async function showCall(callSid) {
  const fresh = current !== callSid;
  current = callSid;
  const ctx = await api("GET", `/api/calls/${callSid}`);
  if (fresh) { ended = false; setEnded(ctx.status === "ended"); }
  // Keep what the agent is typing or choosing: only the context is redrawn.
  $("call-context").replaceChildren(contextView(ctx, true));
  $("call").hidden = false;
  $("idle").hidden = true;
}

function setEnded(isEnded) {
  ended = isEnded;
  for (const id of ["hold", "resume", "open-transfer", "end"]) $(id).disabled = isEnded;
  $("close-call").hidden = !isEnded;
  if (isEnded) { $("transfer-form").hidden = true; status("L'appel est terminé. Ajoutez une note puis fermez la fiche."); }
}

function closeCall() {
  current = null; ended = false;
  $("call").hidden = true; $("call-context").replaceChildren(); status("");
  $("idle").hidden = !!offered;
  refreshMe();
}

async function refreshMe() {
  me = await api("GET", "/api/me");
  showState(me.state);
  const select = $("wrapup");
  if (select.options.length === 1) for (const c of me.wrapup_codes) select.append(el("option", L("wrapup_codes", c), { value: c }));
  const queues = $("transfer-queue");
  if (queues.options.length === 1) {
    for (const id of me.queues) queues.append(el("option", L("queues", id), { value: id }));
  }
  if (me.offers.length && !offered) await showOffer(me.offers[0], me.offer_seconds_left);
  if (me.calls.length && !current) await showCall(me.calls[0]);
}

async function setState(state) {
  try { await api("POST", "/api/presence", { state }); await refreshMe(); }
  catch (e) { status(e.message); }
}

async function loadColleagues() {
  const box = $("colleagues");
  try {
    const { agents } = await api("GET", "/api/agents/available");
    const items = agents.map((a) => {
      const p = el("p", null, { class: "check colleague" });
      const input = el("input", null, { type: "radio", name: "colleague", id: `colleague-${a.id}`, value: String(a.id) });
      const skills = a.skills.map((s) => `${s.label} (niveau ${s.level})`).join(", ") || "sans compétence déclarée";
      const langs = a.languages.length ? ` — parle aussi ${a.languages.join(", ")}` : "";
      p.append(input, el("label", `${a.name} — ${skills}${langs}`, { for: `colleague-${a.id}` }));
      return p;
    });
    box.replaceChildren(...(items.length ? items : [el("p", "Aucun collègue disponible pour l'instant.", { class: "muted" })]));
  } catch (e) { box.replaceChildren(el("p", e.message, { class: "error" })); }
}

function listen() {
  const source = new EventSource("/api/events");
  source.addEventListener("desk.offer", (e) => {
    const d = JSON.parse(e.data);
    if (d.agent_id === me.user_id) showOffer(d.call_sid, me.offer_timeout);
  });
  source.addEventListener("desk.offer_withdrawn", (e) => {
    const d = JSON.parse(e.data);
    if (d.call_sid === offered) { hideOffer(); announce("L'appel proposé a été retiré."); }
  });
  source.addEventListener("desk.connected", (e) => {
    const d = JSON.parse(e.data);
    if (d.agent_id === me.user_id) {
      if (d.call_sid === offered) hideOffer();
      showState("busy");
      showCall(d.call_sid);
    }
  });
  source.addEventListener("call.updated", (e) => {
    const d = JSON.parse(e.data);
    if (d.call_sid === current) {
      showCall(current);
      if (d.status === "ended" && !ended) { setEnded(true); announce("L'appel est terminé."); }
    } else if (d.call_sid === offered) showOffer(offered);
  });
  source.addEventListener("call.ended", (e) => {
    const d = JSON.parse(e.data);
    if (d.call_sid === current && !ended) { setEnded(true); announce("L'appel est terminé."); }
    if (d.call_sid === offered) hideOffer();
  });
  // The agent's own state follows the call: busy on connect, wrap-up after, available again.
  source.addEventListener("desk.agent", (e) => {
    const d = JSON.parse(e.data);
    // The news is the truth of this moment: the stored presence may be written a step later.
    refreshMe().then(() => { if (d.agent_id === me.user_id && d.state) showState(d.state); });
  });
  // Live transcript while the caller speaks (self-hosted speech): the words so far, then the final.
  source.addEventListener("call.partial", (e) => {
    const d = JSON.parse(e.data);
    if (d.call_sid !== current) return;
    const list = document.querySelector("#call-context .transcript");
    if (!list) return;
    let live = list.querySelector(".live");
    if (!live) { live = el("li", null, { class: "live muted" }); list.append(live); }
    live.textContent = `… ${d.text}`;
  });
}

function control(action, body) {
  if (!current) return Promise.resolve();
  return api("POST", `/api/calls/${current}/${action}`, body)
    .then(() => { status({ hold: "Appelant en attente.", resume: "Appelant repris.", end: "Fin de l'appel demandée.",
      transfer: "Transfert demandé.", "complete-transfer": "Transfert terminé." }[action] || "Fait."); })
    .catch((e) => { status(e.message); });
}

async function accept() {
  const sid = offered;
  if (!sid) return;
  hideOffer();
  try { await api("POST", `/api/offers/${sid}/accept`); await showCall(sid); showState("busy"); announce("Appel accepté."); $("call-title").focus(); }
  catch (e) { await showOffer(sid); status(e.message); }
}

async function decline() {
  const sid = offered;
  if (!sid) return;
  hideOffer();
  await api("POST", `/api/offers/${sid}/decline`).catch(() => {});
  announce("Appel refusé.");
}

let held = false;
function toggleHold() {
  if (!current || ended) return;
  held = !held;
  control(held ? "hold" : "resume");
}

function shortcuts(ev) {
  if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
  const key = ev.key.toLowerCase();
  const act = { a: () => !$("offer").hidden && accept(), r: () => !$("offer").hidden && decline(),
                p: toggleHold, t: () => current && !ended && control("end") }[key];
  if (act) { ev.preventDefault(); act(); }
}

document.addEventListener("DOMContentLoaded", async () => {
  $("call-title").setAttribute("tabindex", "-1");
  $("go-available").addEventListener("click", () => setState("available"));
  $("go-offline").addEventListener("click", () => setState("offline"));
  $("accept").addEventListener("click", accept);
  $("decline").addEventListener("click", decline);
  $("hold").addEventListener("click", () => { held = true; control("hold"); });
  $("resume").addEventListener("click", () => { held = false; control("resume"); });
  $("end").addEventListener("click", () => control("end"));
  $("close-call").addEventListener("click", closeCall);
  $("open-transfer").addEventListener("click", () => {
    const form = $("transfer-form");
    form.hidden = !form.hidden;
    $("open-transfer").setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) loadColleagues();
  });
  $("refresh-colleagues").addEventListener("click", loadColleagues);
  $("complete-transfer").addEventListener("click", () => control("complete-transfer"));
  $("transfer-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const chosen = document.querySelector('input[name="colleague"]:checked');
    const queue = $("transfer-queue").value;
    if (chosen) control("transfer", { agent_id: Number(chosen.value) });
    else if (queue) control("transfer", { queue });
    else status("Choisissez un collègue ou une file.");
  });
  $("note-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const code = $("wrapup").value || null;
    try {
      await api("POST", `/api/calls/${current}/notes`, { text: $("note-text").value, wrapup_code: code });
      $("note-text").value = ""; status("Note enregistrée.");
    } catch (e) { status(e.message); }
  });
  document.addEventListener("keydown", shortcuts);
  await refreshMe();
  listen();
});
