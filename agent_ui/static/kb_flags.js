// Agent screen: flag a knowledge-base answer given in the current call as wrong or outdated.
// Self-contained (no inline script, strict CSP): it finds the agent's call through /api/me and
// the answers through /api/calls/{id}, and posts to /api/calls/{id}/kb-flags.
"use strict";
(() => {
  const POLL_MS = 3000;
  const $ = (id) => document.getElementById(id);
  let callSid = null;
  let reasons = {};

  function entriesOf(ctx) {
    // The answers the voice server gave, then the entries suggested to the agent, once each.
    const seen = new Map();
    (ctx.answers || []).forEach((a, i) => {
      // The entry's title as the API names it (ctx.fr.answers), never its id.
      const title = (ctx.fr && ctx.fr.answers && ctx.fr.answers[i]) || "fiche de la base de connaissances";
      if (!seen.has(a.kb_id)) seen.set(a.kb_id, { kb_id: a.kb_id, title, given: true });
    });
    for (const s of ctx.suggestions || []) {
      const known = seen.get(s.kb_id);
      if (known) known.title = s.title;
      else seen.set(s.kb_id, { kb_id: s.kb_id, title: s.title, given: false });
    }
    return [...seen.values()];
  }

  function openForm(entry) {
    $("kb-flag-entry").value = entry.kb_id;
    $("kb-flag-legend").textContent = `Signaler la réponse « ${entry.title} »`;
    $("kb-flag-comment").value = "";
    $("kb-flag-form").hidden = false;
    $("kb-flag-reason").focus();
  }

  function render(entries, flags) {
    const flagged = new Set(flags.map((f) => f.kb_id));
    const list = $("kb-flags-answers");
    list.replaceChildren();
    if (!entries.length) list.append(el("li", "Aucune réponse de la base pour l'instant.", { class: "muted" }));
    for (const entry of entries) {
      const li = el("li", null, { "data-kb-id": entry.kb_id });
      const how = entry.given ? "donnée par le serveur vocal" : "suggérée";
      li.append(el("span", `${entry.title} (${how}) `));
      if (flagged.has(entry.kb_id)) li.append(el("span", "— signalée", { class: "badge" }));
      const button = el("button", "Signaler", { type: "button", class: "secondary kb-flag-open",
                                                "aria-label": `Signaler la réponse ${entry.title}` });
      button.addEventListener("click", () => openForm(entry));
      li.append(button);
      list.append(li);
    }
  }

  async function refresh() {
    let me;
    try { me = await api("GET", "/api/me"); } catch { return; }
    // After the call ends the agent may still flag its answers (in wrap-up): the last call stays
    // until the next one.
    const current = (me.calls || [])[0] || null;
    const sid = current || callSid;
    $("kb-flags-title").textContent = current || !sid ? "Réponses de la base pour cet appel"
                                                      : "Réponses de la base pour l'appel terminé";
    if (sid !== callSid) {
      callSid = sid;
      $("kb-flag-form").hidden = true;
      $("kb-flag-status").textContent = "";
    }
    if (!sid) { $("kb-flags").hidden = true; return; }
    try {
      const [ctx, mine] = await Promise.all([api("GET", `/api/calls/${sid}`), api("GET", `/api/calls/${sid}/kb-flags`)]);
      if (sid !== callSid) return;
      if (!Object.keys(reasons).length) {
        reasons = mine.reasons;
        const select = $("kb-flag-reason");
        for (const [id, label] of Object.entries(reasons)) select.append(el("option", label, { value: id }));
      }
      render(entriesOf(ctx), mine.flags);
      $("kb-flags").hidden = false;
    } catch { /* the call ended meanwhile: the next poll hides the section */ }
  }

  $("kb-flag-cancel").addEventListener("click", () => { $("kb-flag-form").hidden = true; });
  $("kb-flag-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!callSid) return;
    const body = { kb_id: $("kb-flag-entry").value, reason: $("kb-flag-reason").value,
                   comment: $("kb-flag-comment").value };
    try {
      await api("POST", `/api/calls/${callSid}/kb-flags`, body);
      $("kb-flag-form").hidden = true;
      $("kb-flag-status").textContent = "Signalement envoyé. Merci : un superviseur va vérifier cette réponse.";
      await refresh();
    } catch (error) {
      $("kb-flag-status").textContent = `Signalement non envoyé : ${error.message}`;
    }
  });
  refresh();
  setInterval(refresh, POLL_MS);
})();
