// The flow editor: faults (file:line: reason) and warnings shown while the supervisor types.
"use strict";
(function () {
  const form = document.getElementById("publish-form");
  const box = document.getElementById("content");
  const out = document.getElementById("live-checks");
  if (!form || !box || !out) return;
  const url = `/flows/${encodeURIComponent(form.dataset.flow)}/check`;
  let timer = null;
  let asked = 0;

  function show(faults, warnings) {
    const list = el("ul");
    for (const f of faults) list.appendChild(el("li", f, { class: "error" }));
    for (const w of warnings) list.appendChild(el("li", w, { class: "muted" }));
    out.replaceChildren(
      el("p", faults.length ? `${faults.length} erreur(s) : la publication serait refusée.` : "Aucune erreur.",
         { id: "live-status", "data-faults": String(faults.length) }),
      list);
  }

  async function check() {
    const mine = ++asked;
    try {
      const data = await api("POST", url, { content: box.value });
      if (mine === asked) show(data.faults || [], data.warnings || []);
    } catch (err) {
      if (mine === asked) out.replaceChildren(el("p", `Vérification impossible : ${err.message}`, { class: "error" }));
    }
  }

  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });
})();
