// Building the page: elements (text only, never HTML from the service), messages, tables,
// labels for codes, and the live region that screen readers follow.

import { encode, getJson, sendJson } from "./api.js";

/**
 * h("button", {class: "x", onclick: fn, disabled: true}, "text", child, [more])
 * Attributes starting with "on" are listeners; `true`/`false` add or leave out an attribute;
 * null and undefined children are skipped; strings become text nodes.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "text") {
      el.textContent = value;
    } else if (name === "value") {
      el.value = value;
    } else if (name === "checked" || name === "selected") {
      el[name] = Boolean(value);
      if (value) el.setAttribute(name, "");
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Append children (nodes, strings, arrays; null and false skipped) to `el`. */
export function add(el, ...children) {
  append(el, children);
  return el;
}

/** Replace the children of `el` (null and false skipped). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
/** A fresh id for pairing labels and controls. */
export function newId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled control: `field("Capacity", input, "hint")`; the input gets an id if it has none. */
export function field(labelText, control, hint) {
  if (!control.id) control.id = newId("field");
  const parts = [h("label", { for: control.id }, labelText)];
  let hintEl = null;
  if (hint) {
    hintEl = h("p", { class: "hint", id: `${control.id}-hint` }, hint);
    const described = control.getAttribute("aria-describedby");
    control.setAttribute("aria-describedby", [described, hintEl.id].filter(Boolean).join(" "));
  }
  const wrapperClass = control.type === "checkbox" ? "field checkbox" : "field";
  return control.type === "checkbox"
    ? h("div", { class: wrapperClass }, control, parts, hintEl)
    : h("div", { class: wrapperClass }, parts, control, hintEl);
}

/** A slot that shows errors and notes next to the control that caused them. */
export function messageSlot() {
  return h("div", { class: "message-slot", role: "alert" });
}

export function showMessage(slot, text, kind = "note") {
  clear(slot).append(h("p", { class: `message ${kind}` }, text));
}

export function clearMessage(slot) {
  clear(slot);
}

const PROBLEM_COLUMNS = [
  ["Row", (p) => p.row ?? p.item ?? ""],
  ["Column", (p) => p.column ?? p.field ?? p.loc ?? ""],
  ["Value", (p) => displayValue(p.value)],
  ["What to fix", (p) => p.message ?? p.msg ?? ""],
];

function displayValue(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return Array.isArray(value) ? value.join(", ") : "";
  return String(value);
}

/** The rows to fix, as a table (row, column, value, what to fix). */
export function problemsTable(problems, caption = "Rows to fix") {
  return table(
    PROBLEM_COLUMNS.map(([title]) => title),
    problems.map((p) => PROBLEM_COLUMNS.map(([, get]) => get(p))),
    { caption, class: "problems" },
  );
}

/**
 * Show an error in a slot: its sentence, and the rows to fix when there are any. `extra` nodes
 * (a Reload button) follow the sentence.
 */
export function showError(slot, error, ...extra) {
  const message = error?.message && error.name === "ApiError"
    ? error.message
    : "Something went wrong on this page. Reload it and try again.";
  if (error && error.name !== "ApiError") console.error(error);
  const parts = [h("p", { class: "message error" }, message, extra.length ? " " : null, extra)];
  const problems = error?.problems ?? [];
  if (problems.some((p) => p.row !== undefined && p.row !== null)) {
    // Rows of a file or a table: where each one is, and what to fix.
    const count = problems.length;
    parts.push(problemsTable(problems, count === 1 ? "1 problem to fix" : `${count} problems to fix`));
  } else if (problems.length) {
    parts.push(h("ul", { class: "problem-list" }, problems.map((p) => h("li", {}, problemSentence(p)))));
  }
  clear(slot).append(...parts);
  announce(message);
}

function problemSentence(p) {
  const text = String(p.message ?? p.msg ?? "").trim();
  if (!text) return `${fieldPath(p.field ?? p.column)}: ${displayValue(p.value)}`;
  return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".");
}

/** "body.rooms.1.capacity" or "rooms[1].capacity" -> "rooms[1].capacity"; "query.sector" -> "sector". */
export function fieldPath(path) {
  return String(path ?? "")
    .replace(/^(body|query|path)\./, "")
    .replace(/\.(\d+)(?=\.|$)/g, "[$1]");
}

/**
 * Mark the controls of `form` that problems name (by `data-path`, else by `name`), with the
 * problem's words under the control; returns how many were marked.
 */
export function markFields(form, problems) {
  clearFields(form);
  let marked = 0;
  for (const p of problems ?? []) {
    const path = fieldPath(p.field ?? p.column);
    if (!path) continue;
    const last = path.split(/[.[\]]+/).filter(Boolean).pop();
    const control = form.querySelector(`[data-path="${CSS.escape(path)}"]`)
      ?? (last ? form.querySelector(`[name="${CSS.escape(last)}"]`) : null);
    if (!control) continue;
    const note = h("p", { class: "field-error", id: newId("field-error") }, problemSentence(p));
    control.setAttribute("aria-invalid", "true");
    const described = control.getAttribute("aria-describedby");
    control.dataset.describedBefore = described ?? "";
    control.setAttribute("aria-describedby", [described, note.id].filter(Boolean).join(" "));
    control.insertAdjacentElement("afterend", note);
    marked += 1;
  }
  return marked;
}

export function clearFields(form) {
  for (const note of form.querySelectorAll(".field-error")) note.remove();
  for (const control of form.querySelectorAll("[aria-invalid=true]")) {
    control.removeAttribute("aria-invalid");
    const before = control.dataset.describedBefore;
    if (before) control.setAttribute("aria-describedby", before);
    else control.removeAttribute("aria-describedby");
    delete control.dataset.describedBefore;
  }
}

/** A table inside a scroll box that the keyboard can reach on narrow screens. */
export function table(headers, rows, { caption, class: cls } = {}) {
  const t = h(
    "table",
    { class: cls },
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, headers.map((title) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell))))),
  );
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption ?? "Table" }, t);
}

/** Say something through the page's polite live region. */
export function announce(text) {
  const region = document.getElementById("status");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick, so that the same words are read again.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/** Run `work` with the button disabled and marked busy. */
export async function busy(button, work) {
  const wasDisabled = button.disabled;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = wasDisabled;
    button.removeAttribute("aria-busy");
  }
}

const TYPE_LABELS = {
  cluster: "Cluster",
  sme: "SME",
  large_company: "Large company",
  university: "University",
  research_organisation: "Research organisation",
  public_authority: "Public authority",
  agency: "Agency",
  network: "Network",
  other: "Other",
};

export const ORG_TYPES = Object.keys(TYPE_LABELS);

/** The scorer's presets, as the service lists them (GET /api/presets): what makes two
 * organisations a good match. Asked once; [[name, label], ...], in the order to offer. */
let presetList = null;
export function loadPresets() {
  presetList ??= getJson("/api/presets")
    .then(({ data }) => (data?.items ?? []).map((p) => [p.name, p.label]))
    .catch(() => {
      presetList = null; // asked again next time
      return [];
    });
  return presetList;
}

/** A select of the presets; the first option leaves the choice to the service. */
export function presetSelect(defaultLabel) {
  const select = h("select", { name: "preset" },
    defaultLabel ? h("option", { value: "" }, defaultLabel) : null);
  loadPresets().then((presets) => {
    select.append(...presets.map(([value, label]) => h("option", { value }, label)));
  });
  return select;
}

export function typeLabel(type) {
  return TYPE_LABELS[type] ?? (type ? String(type) : "");
}

let regionNames = null;
try {
  regionNames = new Intl.DisplayNames(["en"], { type: "region" });
} catch {
  regionNames = null;
}

/** "Belgium (BE)"; NUTS writes Greece EL and the United Kingdom UK. */
export function countryLabel(code) {
  if (!code) return "";
  const iso = { EL: "GR", UK: "GB" }[code] ?? code;
  let name = "";
  try {
    name = regionNames?.of(iso) ?? "";
  } catch {
    name = "";
  }
  return name && name !== iso ? `${name} (${code})` : String(code);
}

/** A moment as the page writes every date and time: "2026-12-08 14:05" in the viewer's clock. */
export function when(value) {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value ?? "");
  const two = (x) => String(x).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

export function number(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "–";
  return Number(value).toLocaleString("en", { maximumFractionDigits: digits });
}

export function percent(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "–";
  return `${Math.round(Number(value) * 100)} %`;
}

/** A URL-safe id made from a name: "Room A (left)" -> "room-a-left". */
export function slug(text, fallback = "item") {
  const s = String(text ?? "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return s || fallback;
}

/**
 * A progress bar with its words, inside a live region, and a Cancel button while the job is
 * queued or running (POST /api/jobs/{id}/cancel; the job then reads "cancelled").
 */
export function progressBar(label) {
  const bar = h("progress", { max: "1", value: "0", "aria-label": label });
  const words = h("span", { class: "progress-words" }, "Waiting to start…");
  let jobId = null;
  const cancel = h("button", { type: "button", class: "secondary progress-cancel" }, "Cancel run");
  cancel.hidden = true;
  cancel.addEventListener("click", async () => {
    if (jobId === null) return;
    cancel.disabled = true;
    cancel.setAttribute("aria-busy", "true");
    try {
      await sendJson("POST", `/api/jobs/${encode(jobId)}/cancel`);
      words.textContent = "Cancelling…";
    } catch (error) {
      words.textContent = `Could not cancel: ${error.message}`;
      cancel.disabled = false;
    } finally {
      cancel.removeAttribute("aria-busy");
    }
  });
  const status = h("div", { role: "status", "aria-live": "polite", class: "progress-status" }, bar, words);
  const box = h("div", { class: "progress" }, status, cancel);
  box.hidden = true;
  const open = (s) => s === "queued" || s === "running";
  return {
    element: box,
    start() {
      box.hidden = false;
      bar.value = 0;
      bar.removeAttribute("value");
      words.textContent = "Starting…";
      jobId = null;
      cancel.hidden = true;
      cancel.disabled = false;
    },
    update(job) {
      box.hidden = false;
      jobId = job.id ?? null;
      cancel.hidden = jobId === null || !open(job.status);
      const p = Number(job.progress);
      if (Number.isFinite(p) && p > 0) bar.value = Math.min(1, p);
      const state = { queued: "Waiting for a free worker", running: "Running", succeeded: "Done", failed: "Failed", cancelled: "Cancelled" }[job.status] ?? "Running";
      // Words in steps of 10 %, so that a screen reader is not flooded with every poll.
      const pct = Number.isFinite(p) ? ` ${Math.round(p * 10) * 10} %` : "";
      const text = `${state}${job.status === "running" ? pct : ""}${job.message ? `: ${job.message}` : ""}`;
      if (words.textContent !== text) words.textContent = text;
    },
    done(text) {
      bar.value = 1;
      words.textContent = text;
      cancel.hidden = true;
    },
    fail(text) {
      words.textContent = text;
      cancel.hidden = true;
    },
    hide() {
      box.hidden = true;
    },
  };
}
