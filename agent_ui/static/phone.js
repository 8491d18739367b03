// The browser phone: microphone to the server's recogniser, prompts read by speech synthesis, keypad.
"use strict";
let socket = null;
let turn = 0;
let audio = null;
let silenceTimer = null;
let expect = { keys: 1, finish: "" };
let typed = "";
const $ = (id) => document.getElementById(id);
// Whether the server has a recogniser: read from the script tag (the CSP allows no inline script).
const PHONE_SPEECH = document.currentScript ? document.currentScript.dataset.speech === "true" : false;

function setStatus(text) { $("phone-status").textContent = text; }
function heard(text) { $("heard").append(el("li", text)); }
function speak(text, lang) {
  heard(text);
  if (window.speechSynthesis) {
    // The flow's language codes ("en") are valid BCP 47 tags; French when none is given.
    const u = new SpeechSynthesisUtterance(text); u.lang = lang || "fr-FR"; window.speechSynthesis.speak(u);
  }
}
function enable(on) {
  for (const b of document.querySelectorAll("#keypad button")) b.disabled = !on;
  $("say-text").disabled = !on; $("say-send").disabled = !on;
  $("call-hangup").disabled = !on; $("call-start").disabled = on;
}
function send(message) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(message)); }

function onCommands(commands) {
  clearTimeout(silenceTimer);
  for (const c of commands) {
    if (c.say) speak(c.say, c.language);
    if (c.listen) {
      turn = c.listen; expect = { keys: c.keys, finish: c.finish_on_key }; typed = "";
      for (const part of c.lead || []) speak(part.say, part.language);
      speak(c.prompt, c.language);
      if (!PHONE_SPEECH) {
        // No recogniser listens: after the question's timeout, silence counts as no answer.
        silenceTimer = setTimeout(() => send({ type: "silence", turn }), (c.timeout + 8) * 1000);
      }
    }
    if (c.transfer) setStatus(`Transfert vers un conseiller (file ${c.transfer}). En attente…`);
    if (c.hangup) { setStatus("Le serveur vocal a raccroché."); stop(); }
  }
}

async function startAudio() {
  if (!PHONE_SPEECH || !navigator.mediaDevices) return;
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const context = new AudioContext();
  await context.audioWorklet.addModule("/static/phone-worklet.js");
  const node = new AudioWorkletNode(context, "downsampler");
  node.port.onmessage = (ev) => {
    const bytes = new Uint8Array(ev.data.buffer);
    let bin = ""; for (const b of bytes) bin += String.fromCharCode(b);
    send({ type: "audio", pcm: btoa(bin) });
  };
  context.createMediaStreamSource(stream).connect(node);
  audio = { stream, context };
}

function stop() {
  enable(false);
  clearTimeout(silenceTimer);
  if (audio) { audio.stream.getTracks().forEach((t) => t.stop()); audio.context.close(); audio = null; }
  if (socket) { send({ type: "hangup" }); socket.close(); socket = null; }
}

function call() {
  $("heard").replaceChildren();
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/phone/ws`);
  socket.onopen = async () => {
    enable(true); setStatus("En communication.");
    try { await startAudio(); } catch (e) { setStatus("Micro indisponible : utilisez le clavier ou le texte."); }
  };
  socket.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === "commands") onCommands(m.commands);
    if (m.type === "listening" && window.speechSynthesis) window.speechSynthesis.cancel();
    if (m.type === "connected") setStatus("Un conseiller a pris votre appel.");
    if (m.type === "ended") { setStatus("Appel terminé."); stop(); }
  };
  socket.onclose = () => { if (socket) { setStatus("Appel terminé."); stop(); } };
}

document.addEventListener("DOMContentLoaded", () => {
  $("call-start").addEventListener("click", call);
  $("call-hangup").addEventListener("click", () => { setStatus("Vous avez raccroché."); stop(); });
  for (const b of document.querySelectorAll("#keypad button")) {
    b.addEventListener("click", () => {
      clearTimeout(silenceTimer); heard(`(touche ${b.dataset.key})`);
      // Like Twilio's <Gather>: keys are sent once enough are typed, or on the finishing key.
      if (expect.finish && b.dataset.key === expect.finish) { send({ type: "digits", digits: typed, turn }); typed = ""; return; }
      typed += b.dataset.key;
      if (typed.length >= expect.keys || typed === "0") { send({ type: "digits", digits: typed, turn }); typed = ""; }
    });
  }
  $("say-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("say-text").value.trim();
    if (!text) return;
    clearTimeout(silenceTimer); heard(`(vous) ${text}`);
    send({ type: "text", text, turn }); $("say-text").value = "";
  });
});
