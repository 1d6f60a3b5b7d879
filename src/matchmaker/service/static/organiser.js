// The organiser's screens: the list of events, creating one, and one event with its tabs.

import { encode, getJson, sendJson } from "./api.js";
import { busy, clear, field, fill, h, messageSlot, newId, showError, slug } from "./dom.js";
import { participantsPanel } from "./participants.js";
import { roomsPanel } from "./room-editor.js";
import { breakoutsPanel } from "./breakouts.js";
import { meetingsPanel } from "./meetings.js";
import { eventActions, takeNotice } from "./event-housekeeping.js";

export async function renderEvents(view) {
  const heading = h("h1", { tabindex: "-1", id: "events-title" }, "Your events");
  const listSlot = h("div", {}, h("p", { class: "hint" }, "Loading your events…"));
  const notice = takeNotice();
  fill(view,
    h("section", { class: "panel", "aria-labelledby": "events-title" }, heading,
      notice ? h("p", { class: "message note", role: "status" }, notice) : null, listSlot),
    createEventSection(),
  );
  heading.focus();
  try {
    const { data } = await getJson("/api/events");
    const items = data?.items ?? [];
    fill(listSlot, items.length ? eventsTable(items) : h("p", {}, "No events yet. Create one below."));
  } catch (error) {
    showError(clear(listSlot), error);
  }
}

function eventsTable(items) {
  const headers = ["Event", "Date", "Participants", "Rooms", "Rounds"];
  const t = h(
    "table",
    { class: "events" },
    h("caption", { class: "visually-hidden" }, "Your events"),
    h("thead", {}, h("tr", {}, headers.map((title) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, items.map((ev) => h("tr", { "data-event": ev.id },
      h("td", {}, h("a", { href: `#/event/${encode(ev.id)}/participants` }, ev.name || ev.id)),
      h("td", {}, ev.date ?? ""),
      h("td", {}, String(ev.participants ?? 0)),
      h("td", {}, String(ev.rooms ?? 0)),
      h("td", {}, String(ev.rounds ?? 0))))),
  );
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Your events" }, t);
}

function createEventSection() {
  const name = h("input", { name: "name", type: "text", required: true, maxlength: "300", autocomplete: "off" });
  const id = h("input", {
    name: "id", type: "text", maxlength: "64", autocomplete: "off", spellcheck: "false",
    pattern: "[A-Za-z0-9._:@\\-]+",
  });
  const date = h("input", { name: "date", type: "date" });
  const file = h("input", { name: "file", type: "file", accept: ".json,application/json" });
  const slot = messageSlot();
  const submit = h("button", { type: "submit" }, "Create the event");
  const titleId = newId("create");
  const form = h("form", { class: "stack", novalidate: true },
    h("div", { class: "grid-2" },
      field("Name", name),
      field("Identifier (optional)", id, "Letters, digits and - . _ : @; made from the name when left empty."),
      field("Date (optional)", date),
      field("Start from an event file (optional, JSON)", file,
        "An event file as the command line reads it (rooms, rounds, rules…); the fields above override its name, identifier and date."),
    ),
    slot,
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(slot);
    await busy(submit, async () => {
      try {
        let doc = {};
        if (file.files?.length) doc = await readEventFile(file.files[0]);
        const nameValue = name.value.trim() || doc.name || "";
        if (!nameValue) {
          showError(slot, plainError("Give the event a name."));
          name.focus();
          return;
        }
        const idValue = id.value.trim() || doc.id || slug(nameValue, "event");
        if (!/^[A-Za-z0-9._:@-]+$/.test(idValue)) {
          showError(slot, plainError(`The identifier "${idValue}" may hold only letters, digits and - . _ : @.`));
          id.focus();
          return;
        }
        doc = { ...doc, id: idValue, name: nameValue };
        if (date.value) doc.date = date.value;
        await sendJson("POST", "/api/events", { json: doc });
        location.hash = `#/event/${encode(idValue)}/participants`;
      } catch (error) {
        showError(slot, error);
      }
    });
  });
  return h("section", { class: "panel", "aria-labelledby": titleId },
    h("h2", { id: titleId }, "Create an event"), form);
}

function plainError(message) {
  const e = new Error(message);
  e.name = "ApiError";
  e.problems = [];
  return e;
}

async function readEventFile(file) {
  const text = await file.text();
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw plainError(`The file "${file.name}" is not JSON; an event file is the JSON the command line reads.`);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw plainError(`The file "${file.name}" holds no event (an object with "id", "name", rooms, rounds…).`);
  }
  return doc;
}

// ---------------------------------------------------------------------------------------------
// One event

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

const TABS = [
  ["participants", "Participants", participantsPanel],
  ["rooms", "Rooms and rounds", roomsPanel],
  ["breakouts", "Breakouts", breakoutsPanel],
  ["meetings", "Meetings", meetingsPanel],
];

let screen = null;

/** The event shared by the tabs: its document, its ETag, and who to tell when it changes. */
class EventState {
  constructor(id) {
    this.id = id;
    this.path = `/api/events/${encode(id)}`;
    this.event = null;
    this.etag = null;
    this.listeners = new Set();
  }

  async reload() {
    const { data, etag } = await getJson(this.path);
    this.set(data, etag);
    return data;
  }

  set(event, etag) {
    this.event = event;
    this.etag = etag ?? (event?.version !== undefined ? `"${event.version}"` : this.etag);
    for (const listener of this.listeners) listener(event);
  }

  onChange(listener) {
    this.listeners.add(listener);
  }
}

export async function renderEvent(view, me, id, tab) {
  const wanted = TABS.some(([key]) => key === tab) ? tab : "participants";
  if (screen && screen.id === id && view.contains(screen.element)) {
    screen.select(wanted, false);
    return;
  }
  const state = new EventState(id);
  const title = h("h1", { tabindex: "-1" }, "Loading the event…");
  const meta = h("p", { class: "meta" });
  const slot = messageSlot();
  const header = h("div", { class: "event-head" },
    h("nav", { "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "← All events")),
    title, meta, slot);
  fill(view, header);
  title.focus();
  try {
    await state.reload();
  } catch (error) {
    title.textContent = "This event could not be opened";
    showError(slot, error);
    screen = null;
    return;
  }
  const describe = (ev) => {
    title.textContent = ev.name || ev.id;
    const bits = [
      ev.date ? `Date ${ev.date}` : null,
      plural((ev.participants ?? []).length, "participant"),
      plural((ev.rooms ?? []).length, "room"),
      plural((ev.rounds ?? []).length, "round"),
      plural((ev.slots ?? []).length, "time slot"),
    ].filter(Boolean);
    meta.textContent = bits.join(" · ");
  };
  describe(state.event);
  state.onChange(describe);
  header.append(eventActions(state));

  const tablist = h("div", { class: "tabs", role: "tablist", "aria-label": "Event sections" });
  const panels = [];
  const buttons = [];
  for (const [key, label, make] of TABS) {
    const tabId = `tab-${key}`;
    const panelId = `panel-${key}`;
    const button = h("button", {
      type: "button", role: "tab", id: tabId, "aria-controls": panelId,
      "aria-selected": "false", tabindex: "-1", "data-tab": key,
    }, label);
    const panel = make(state, me);
    const element = h("section", {
      class: "tabpanel", role: "tabpanel", id: panelId, "aria-labelledby": tabId, tabindex: "-1",
    }, panel.element);
    element.hidden = true;
    buttons.push(button);
    panels.push({ key, element, panel, loaded: false });
    tablist.append(button);
  }

  const select = (key, focusTab) => {
    panels.forEach((p, i) => {
      const on = p.key === key;
      buttons[i].setAttribute("aria-selected", String(on));
      buttons[i].tabIndex = on ? 0 : -1;
      p.element.hidden = !on;
      if (on) {
        if (focusTab) buttons[i].focus();
        p.panel.show?.();
      }
    });
  };

  tablist.addEventListener("click", (event) => {
    const button = event.target.closest("[role=tab]");
    if (!button) return;
    const target = `#/event/${encode(id)}/${button.dataset.tab}`;
    if (location.hash !== target) location.hash = target;
  });
  tablist.addEventListener("keydown", (event) => {
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    let next = null;
    if (event.key === "ArrowRight") next = (i + 1) % buttons.length;
    else if (event.key === "ArrowLeft") next = (i - 1 + buttons.length) % buttons.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = buttons.length - 1;
    if (next === null) return;
    event.preventDefault();
    buttons[next].focus();
    buttons[next].click();
  });

  view.append(tablist, ...panels.map((p) => p.element));
  screen = { id, element: header, select };
  select(wanted, false);
}
