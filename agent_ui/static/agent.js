// The agent's live caller-context screen: offers, context, transcript, controls. Server push via SSE.
"use strict";
let me = null;
let offered = null;   // call sid offered to me
let current = null;   // call sid I am on

const $ = (id) => document.getElementById(id);
const TIER = { urgent: "Urgent", fragile: "Fragile", normal: "Standard" };
const STATES = { available: "disponible", busy: "en appel", wrapup: "en clôture", offline: "hors ligne" };

function announce(text) { $("announcer").textContent = text; }

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
  fs.append(box("fix-fragile", " Fragile", t.fragile), box("fix-urgent", " Urgent", t.urgent));
  const select = el("select", null, { id: "fix-reasons", multiple: "", size: "5" });
  const have = new Set((t.reasons || []).map((r) => r.id));
  for (const id of (me && me.triage_reasons) || []) {
    const o = el("option", id, { value: id }); o.selected = have.has(id); select.append(o);
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
  fs.append(el("p"), confirm, correct);
  form.append(fs);
  return form;
}

async function sendTriage(callSid, body) {
  try { await api("POST", `/api/calls/${callSid}/triage`, body); $("call-status").textContent = "Évaluation enregistrée."; }
  catch (e) { $("call-status").textContent = e.message; }
}

const DANGER_ANSWER = { yes: "oui, en danger", no: "non", none: "pas de réponse claire" };
const SEMANTIC_DECIDED = { urgent: "urgence", ask: "doute, question posée", fragile: "fragilité" };

function contextView(ctx, withControls) {
  const box = el("div");
  const head = el("p");
  head.append(el("strong", "Appelant : "), ctx.caller + " ");
  if (ctx.queue) head.append(el("span", TIER[ctx.queue.tier] || ctx.queue.tier, { class: `badge ${ctx.queue.tier}` }));
  box.append(head);
  if (ctx.queue) box.append(el("p", `File ${ctx.queue.queue} — attente ${minutes(ctx.queue.waited_seconds)}`));
  const ids = Object.entries(ctx.identity || {});
  if (ids.length) {
    const dl = el("dl");
    for (const [k, v] of ids) { dl.append(el("dt", k), el("dd", v)); }
    box.append(el("h3", "Identité connue"), dl);
  }
  if (ctx.triage) {
    box.append(el("h3", "Évaluation de fragilité"));
    const t = ctx.triage;
    box.append(el("p", `${t.urgent ? "Urgent" : t.fragile ? "Fragile" : "Non fragile"} (score ${t.score}, règles ${t.rules_version})`));
    const ul = el("ul");
    for (const r of t.reasons || []) ul.append(el("li", `${r.id} : « ${(r.evidence || []).join(" », « ")} »`));
    box.append(ul);
    const answer = DANGER_ANSWER[ctx.danger_answer];
    if (answer) box.append(el("p", `Question « êtes-vous en danger en ce moment ? » : ${answer}`, { class: "danger-answer" }));
    else if (t.check_danger) box.append(el("p", "Doute sur un danger : l'appelant n'a pas encore répondu à la question.", { class: "danger-answer" }));
    const sem = t.semantic;
    if (sem && sem.decided !== "none" && (sem.neighbours || []).length) {
      // Why the semantic layer raised the alarm: the closest situations written for it.
      const near = el("details", null, { class: "semantic" });
      near.append(el("summary", `Détecteur sémantique : ${SEMANTIC_DECIDED[sem.decided] || sem.decided} — lu dans « ${sem.window} »`));
      const list = el("ul");
      for (const n of sem.neighbours) list.append(el("li", `proche (${Math.round(100 * n.similarity)} %) de « ${n.text} »`));
      near.append(list);
      box.append(near);
    }
    if (withControls) box.append(triageControls(ctx));
  }
  box.append(el("h3", "Parcours dans le serveur vocal"), el("p", (ctx.path || []).join(" → ")));
  box.append(el("h3", "Ce que l'appelant a dit"));
  const ol = el("ol", null, { class: "transcript", "aria-live": withControls ? "polite" : "off" });
  for (const u of ctx.utterances || []) ol.append(el("li", u.text));
  if (!(ctx.utterances || []).length) ol.append(el("li", "(rien pour l'instant)"));
  box.append(ol);
  if ((ctx.suggestions || []).length) {
    box.append(el("h3", "Fiches suggérées pour ce que dit l'appelant"));
    const ul = el("ul", null, { class: "suggestions" });
    for (const s of ctx.suggestions) {
      const li = el("li");
      const details = el("details");
      details.append(el("summary", `${s.title} (${s.kb_id}, ${Math.round(100 * s.score)} %)`), el("p", s.written_answer));
      if (s.link) details.append(el("a", "Fiche officielle", { href: s.link, target: "_blank", rel: "noopener" }));
      li.append(details); ul.append(li);
    }
    box.append(ul);
  }
  if ((ctx.answers || []).length) {
    box.append(el("h3", "Réponses déjà données"));
    const ul = el("ul");
    for (const a of ctx.answers) ul.append(el("li", `${a.kb_id} (score ${a.score})`));
    box.append(ul);
  }
  box.append(el("h3", "Historique de l'appelant"));
  const hist = el("ul");
  for (const h of ctx.history || []) {
    const li = el("li", `${h.started_at} — ${h.status}${h.transfer ? " — file " + h.transfer : ""}`);
    for (const n of h.notes || []) li.append(el("div", `Note : ${n.text}${n.wrapup_code ? " [" + n.wrapup_code + "]" : ""}`, { class: "muted" }));
    hist.append(li);
  }
  if (!(ctx.history || []).length) hist.append(el("li", "Premier appel connu"));
  box.append(hist);
  if ((ctx.notes || []).length) {
    box.append(el("h3", "Notes de cet appel"));
    const ul = el("ul");
    for (const n of ctx.notes) ul.append(el("li", n.text + (n.wrapup_code ? ` [${n.wrapup_code}]` : "")));
    box.append(ul);
  }
  return box;
}

async function showOffer(callSid, reason) {
  offered = callSid;
  const ctx = await api("GET", `/api/calls/${callSid}`);
  // Accepted, declined or withdrawn while the context was loading: nothing to show any more.
  if (offered !== callSid) return;
  if (reason !== undefined) $("offer-reason").textContent = reason;
  $("offer-context").replaceChildren(contextView(ctx));
  $("offer").hidden = false;
  announce("Appel entrant. Lisez le contexte puis acceptez ou refusez.");
  $("accept").focus();
}

function hideOffer() { offered = null; $("offer").hidden = true; $("offer-context").replaceChildren(); }

async function showCall(callSid) {
  current = callSid;
  const ctx = await api("GET", `/api/calls/${callSid}`);
  $("call-context").replaceChildren(contextView(ctx, true));
  $("call").hidden = false;
}

async function refreshMe() {
  me = await api("GET", "/api/me");
  $("presence-state").textContent = STATES[me.state] || me.state;
  $("presence-state").dataset.state = me.state;
  const select = $("wrapup");
  if (select.options.length === 1) for (const c of me.wrapup_codes) select.append(el("option", c, { value: c }));
  if (me.offers.length && !offered) await showOffer(me.offers[0]);
  if (me.calls.length && !current) await showCall(me.calls[0]);
}

async function setState(state) {
  try { await api("POST", "/api/presence", { state }); await refreshMe(); }
  catch (e) { $("call-status").textContent = e.message; }
}

function listen() {
  const source = new EventSource("/api/events");
  source.addEventListener("desk.offer", (e) => {
    const d = JSON.parse(e.data);
    if (d.agent_id === me.user_id) showOffer(d.call_sid, d.reason);
  });
  source.addEventListener("desk.offer_withdrawn", (e) => {
    const d = JSON.parse(e.data);
    if (d.call_sid === offered) { hideOffer(); announce("L'appel proposé a été retiré."); }
  });
  source.addEventListener("desk.connected", (e) => {
    const d = JSON.parse(e.data);
    if (d.agent_id === me.user_id) { if (d.call_sid === offered) hideOffer(); showCall(d.call_sid); }
  });
  source.addEventListener("call.updated", (e) => {
    const d = JSON.parse(e.data);
    if (d.call_sid === current) showCall(current);
    else if (d.call_sid === offered) showOffer(offered);
    if (d.call_sid === current && d.status === "ended") $("call-status").textContent = "L'appel est terminé.";
  });
  source.addEventListener("desk.agent", () => refreshMe());
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
  return api("POST", `/api/calls/${current}/${action}`, body)
    .then(() => { $("call-status").textContent = "Fait."; })
    .catch((e) => { $("call-status").textContent = e.message; });
}

document.addEventListener("DOMContentLoaded", async () => {
  $("go-available").addEventListener("click", () => setState("available"));
  $("go-offline").addEventListener("click", () => setState("offline"));
  $("accept").addEventListener("click", async () => {
    const sid = offered;
    hideOffer();
    try { await api("POST", `/api/offers/${sid}/accept`); await showCall(sid); announce("Appel accepté."); }
    catch (e) { await showOffer(sid, e.message); }
  });
  $("decline").addEventListener("click", async () => {
    const sid = offered;
    hideOffer();
    await api("POST", `/api/offers/${sid}/decline`).catch(() => {});
  });
  $("hold").addEventListener("click", () => control("hold"));
  $("resume").addEventListener("click", () => control("resume"));
  $("end").addEventListener("click", () => control("end"));
  $("complete-transfer").addEventListener("click", () => control("complete-transfer"));
  $("transfer-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const agent = $("transfer-agent").value.trim();
    const queue = $("transfer-queue").value.trim();
    control("transfer", agent ? { agent_id: Number(agent) } : { queue });
  });
  $("note-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const code = $("wrapup").value || null;
    try {
      await api("POST", `/api/calls/${current}/notes`, { text: $("note-text").value, wrapup_code: code });
      $("note-text").value = ""; $("call-status").textContent = "Note enregistrée.";
    } catch (e) { $("call-status").textContent = e.message; }
  });
  await refreshMe();
  listen();
});
