// The supervisors' board: the server renders it in French; this only fetches the fresh part when
// the desk changes (and every 10 s), so the page follows the day without a reload.
"use strict";

async function refresh() {
  const response = await fetch("/board/live", { headers: { Accept: "text/html" } });
  if (!response.ok) return;
  const html = await response.text();
  const box = document.getElementById("board-live");
  // Our own server's template, escaped by Jinja: parsed as a document fragment, never run.
  const doc = new DOMParser().parseFromString(`<div>${html}</div>`, "text/html");
  box.replaceChildren(...doc.body.firstChild.childNodes);
}

document.addEventListener("DOMContentLoaded", () => {
  const source = new EventSource("/api/events");
  let pending = null;
  const soon = () => { if (!pending) pending = setTimeout(() => { pending = null; refresh(); }, 200); };
  for (const topic of ["desk.queue", "desk.offer", "desk.offer_withdrawn", "desk.connected", "desk.agent", "call.updated", "call.ended"]) {
    source.addEventListener(topic, soon);
  }
  setInterval(refresh, 10000);
});
