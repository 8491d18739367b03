// Small helpers shared by the pages: CSRF-aware JSON calls and safe text rendering.
"use strict";
const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

async function api(method, url, body) {
  const options = { method, headers: { "X-CSRF-Token": CSRF, "Accept": "application/json" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  const data = await response.json().catch(() => ({}));
  // "message" is the French word for people; "error" stays for tools and logs.
  if (!response.ok) throw new Error(data.message || "L'action n'a pas pu être faite.");
  return data;
}

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

function minutes(seconds) {
  if (seconds === null || seconds === undefined) return "";
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
