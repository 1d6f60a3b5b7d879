// The meeting grid of the Meetings tab: one row per time slot, one column per table, every
// meeting with the two people and their organisations. The organiser moves a meeting by drag
// and drop or by keyboard (Enter picks it up, the arrow keys choose a place, Enter puts it
// there, Escape stops), swaps two by dropping one on the other, chooses a place from a "Move
// to" menu, cancels and adds meetings, and undoes the last changes. The service checks every
// change against the rules of the schedule and says in words why it refuses one; that reason
// is shown next to the grid.

import { etagOf, sendJson } from "./api.js";
import { announce, busy, clear, field, h, messageSlot, showError, showMessage } from "./dom.js";
import { personLabel, personPicker } from "./person-picker.js";

const WALL = /^\d{4}-(\d\d)-(\d\d)T(\d\d:\d\d)/;
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];

/** "10:20", or "10:20 on 18 March" when the schedule spans several days. */
function timeLabel(slot, manyDays) {
  const m = WALL.exec(String(slot?.start ?? ""));
  if (!m) return String(slot?.id ?? "");
  return manyDays ? `${m[3]} on ${Number(m[2])} ${MONTHS[Number(m[1]) - 1]}` : m[3];
}

/** A schedule's agenda entry as the person picker reads a participant. */
function asPerson(agenda) {
  if (!agenda) return null;
  return { id: agenda.participant, person: agenda.person || agenda.participant, organisation_name: agenda.organisation_name || agenda.organisation || "" };
}

/** "Ana Silva (Inova Lisboa)": how the grid and the reasons name a participant. */
function agendaLabel(agenda) {
  return personLabel(asPerson(agenda));
}

/**
 * The grid of `schedule` (a stored schedule document). `base` is the schedule's address;
 * `onUpdate(doc, etag, note)` is told each new version (note: {text, focus: {slot, table}});
 * `onReload()` loads the latest schedule again (after someone else's change).
 */
export function meetingGrid(schedule, { base, onUpdate, onReload }) {
  const slots = schedule.slots ?? [];
  const tables = Number(schedule.tables) || 0;
  const agendas = new Map((schedule.agendas ?? []).map((a) => [String(a.participant), a]));
  const days = new Set(slots.map((s) => String(s.start ?? "").slice(0, 10)));
  const when = (slotId) => timeLabel(slots.find((s) => s.id === slotId), days.size > 1);
  const at = new Map();
  for (const m of schedule.meetings ?? []) at.set(`${m.slot}\t${m.table}`, m);
  const meetingAt = (cell) => at.get(`${cell.slot}\t${cell.table}`) ?? null;
  const names = (m) => m.participants.map((p) => agendaLabel(agendas.get(p)) || p).join(" and ");
  const place = (cell) => `${when(cell.slot)}, table ${cell.table}`;

  const message = messageSlot();
  message.classList.add("grid-message");
  const live = h("p", { class: "visually-hidden", "aria-live": "polite" });
  let selected = null;  // {slot, table} of the meeting picked up
  let target = null;  // where it would go
  let sending = false;

  // --- sending a change ---------------------------------------------------------------------
  async function send(path, body, note, button) {
    if (sending) return false;
    sending = true;
    clear(message);
    const work = async () => {
      try {
        const answer = await sendJson("POST", `${base}/${path}`, { json: body, ifMatch: etagOf(schedule.version) });
        announce(note.text);
        onUpdate(answer.data, answer.etag, note);
        return true;
      } catch (error) {
        if (error.isConflict) {
          showError(message, error, h("button", { type: "button", class: "secondary", onclick: () => onReload() }, "Reload the schedule"));
        } else {
          showError(message, error);
        }
        return false;
      } finally {
        sending = false;
      }
    };
    return button ? busy(button, work) : work();
  }

  function placeMeeting(source, dest, button) {
    if (!source || !dest || (source.slot === dest.slot && source.table === dest.table)) return Promise.resolve(false);
    const moving = meetingAt(source);
    const other = meetingAt(dest);
    if (!moving) return Promise.resolve(false);
    if (other) {
      return send("meetings/swap", { first: source, second: dest },
        { text: `Swapped: ${names(moving)} now meet at ${place(dest)}; ${names(other)} at ${place(source)}.`, focus: dest }, button);
    }
    return send("meetings/move", { slot: source.slot, table: source.table, to_slot: dest.slot, to_table: dest.table },
      { text: `Moved: ${names(moving)} now meet at ${place(dest)}.`, focus: dest }, button);
  }

  // --- the grid -----------------------------------------------------------------------------
  const cells = new Map();
  const cellOf = (cell) => cells.get(`${cell.slot}\t${cell.table}`);
  const markTarget = () => {
    for (const td of cells.values()) td.classList.remove("drop-target");
    if (target) cellOf(target)?.classList.add("drop-target");
  };

  function describeTarget() {
    if (!target || !selected) return;
    const other = meetingAt(target);
    const same = target.slot === selected.slot && target.table === selected.table;
    live.textContent = same
      ? `${place(target)}: where the meeting is now.`
      : other
        ? `${place(target)}: taken by ${names(other)}. Enter swaps the two meetings.`
        : `${place(target)}: free. Enter moves the meeting here.`;
  }

  function select(cell) {
    selected = cell;
    target = cell ? { ...cell } : null;
    for (const card of grid.querySelectorAll(".meeting-card")) {
      const on = cell && card.dataset.slot === cell.slot && Number(card.dataset.table) === cell.table;
      card.setAttribute("aria-pressed", on ? "true" : "false");
    }
    markTarget();
    renderSelection();
    if (cell) {
      const m = meetingAt(cell);
      live.textContent = `Picked up the meeting of ${names(m)} at ${place(cell)}. The arrow keys choose a place, Enter puts it there, Escape stops.`;
    }
  }

  function step(key) {
    const k = slots.findIndex((s) => s.id === target.slot);
    let slotIndex = k;
    let table = target.table;
    if (key === "ArrowUp") slotIndex = Math.max(0, k - 1);
    if (key === "ArrowDown") slotIndex = Math.min(slots.length - 1, k + 1);
    if (key === "ArrowLeft") table = Math.max(1, table - 1);
    if (key === "ArrowRight") table = Math.min(tables, table + 1);
    target = { slot: slots[slotIndex].id, table };
    markTarget();
    cellOf(target)?.scrollIntoView({ block: "nearest", inline: "nearest" });
    describeTarget();
  }

  /** The nearest meeting from `cell` in the direction of an arrow key, or null. */
  function neighbour(cell, key) {
    const k = slots.findIndex((s) => s.id === cell.slot);
    if (key === "ArrowLeft" || key === "ArrowRight") {
      const dir = key === "ArrowRight" ? 1 : -1;
      for (let t = cell.table + dir; t >= 1 && t <= tables; t += dir) {
        const found = cellOf({ slot: cell.slot, table: t })?.querySelector(".meeting-card");
        if (found) return found;
      }
      return null;
    }
    const dir = key === "ArrowDown" ? 1 : -1;
    for (let i = k + dir; i >= 0 && i < slots.length; i += dir) {
      // The meeting of that slot nearest to this table.
      let best = null;
      for (let t = 1; t <= tables; t += 1) {
        const found = cellOf({ slot: slots[i].id, table: t })?.querySelector(".meeting-card");
        if (found && (!best || Math.abs(t - cell.table) < best.d)) best = { el: found, d: Math.abs(t - cell.table) };
      }
      if (best) return best.el;
    }
    return null;
  }

  function card(m) {
    const cell = { slot: m.slot, table: Number(m.table) };
    const [a, b] = m.participants.map((p) => agendas.get(p) ?? { participant: p });
    const person = (x) => h("span", { class: "who" },
      h("span", { class: "who-name" }, x.person || x.participant),
      h("span", { class: "who-org" }, x.organisation_name || x.organisation || ""));
    const button = h("button", {
      type: "button", class: `meeting-card${m.manual ? " manual" : ""}`, draggable: "true", tabindex: "-1",
      "aria-pressed": "false", "data-slot": m.slot, "data-table": String(m.table),
      "aria-label": `${names(m)}, ${place(cell)}${m.manual ? ", placed by hand" : ""}`,
    }, person(a), person(b), m.manual ? h("span", { class: "badge manual-badge" }, "by hand") : null);
    button.addEventListener("click", (event) => {
      if (event.detail === 0) return;  // a key press: handled on keydown
      if (selected && selected.slot === cell.slot && selected.table === cell.table) select(null);
      else if (selected) placeMeeting(selected, cell);
      else select(cell);
    });
    button.addEventListener("keydown", (event) => {
      const mine = selected && selected.slot === cell.slot && selected.table === cell.table;
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        if (!mine) select(cell);
        else if (target && (target.slot !== cell.slot || target.table !== cell.table)) placeMeeting(selected, target);
        else select(null);
      } else if (mine && event.key.startsWith("Arrow")) {
        event.preventDefault();
        step(event.key);
      } else if (!selected && event.key.startsWith("Arrow")) {
        // One tab stop for the grid: the arrow keys go from meeting to meeting.
        const next = neighbour(cell, event.key);
        if (next) {
          event.preventDefault();
          next.focus();
        }
      } else if (mine && event.key === "Escape") {
        event.preventDefault();
        select(null);
        live.textContent = "Put back; nothing changed.";
      }
    });
    button.addEventListener("focus", () => {
      for (const other of grid.querySelectorAll(".meeting-card[tabindex='0']")) other.tabIndex = -1;
      button.tabIndex = 0;
    });
    button.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData("text/plain", `${m.slot}\t${m.table}`);
      event.dataTransfer.effectAllowed = "move";
      button.classList.add("dragging");
    });
    button.addEventListener("dragend", () => button.classList.remove("dragging"));
    return button;
  }

  const head = h("tr", {}, h("th", { scope: "col" }, "Time"),
    Array.from({ length: tables }, (_, t) => h("th", { scope: "col" }, `Table ${t + 1}`)));
  const body = h("tbody", {}, slots.map((s) => h("tr", {},
    h("th", { scope: "row" }, when(s.id)),
    Array.from({ length: tables }, (_, t) => {
      const cell = { slot: s.id, table: t + 1 };
      const m = meetingAt(cell);
      const td = h("td", { "data-slot": s.id, "data-table": String(t + 1), class: m ? "taken" : "free" },
        m ? card(m) : h("span", { class: "free-place" }, h("span", { class: "visually-hidden" }, `${place(cell)}: `), "free"));
      td.addEventListener("dragover", (event) => {
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        td.classList.add("drop-target");
      });
      td.addEventListener("dragleave", () => td.classList.remove("drop-target"));
      td.addEventListener("drop", (event) => {
        event.preventDefault();
        td.classList.remove("drop-target");
        const [slot, table] = String(event.dataTransfer.getData("text/plain")).split("\t");
        if (slot && table) placeMeeting({ slot, table: Number(table) }, cell);
      });
      if (!m) {
        td.addEventListener("click", () => {
          if (selected) placeMeeting(selected, cell);
          else addForm.prefill(cell);
        });
      }
      cells.set(`${cell.slot}\t${cell.table}`, td);
      return td;
    }))));
  const grid = h("table", { class: "meeting-grid" },
    h("caption", { class: "visually-hidden" }, "The meetings by time (rows) and table (columns)"), h("thead", {}, head), body);
  const firstCard = grid.querySelector(".meeting-card");
  if (firstCard) firstCard.tabIndex = 0;

  // --- the selected meeting: "Move to", cancel ------------------------------------------------
  const selection = h("div", { class: "grid-selection", hidden: true });
  function renderSelection() {
    if (!selected) {
      selection.hidden = true;
      clear(selection);
      return;
    }
    const m = meetingAt(selected);
    const menu = h("select", { name: "move-to" },
      slots.flatMap((s) => Array.from({ length: tables }, (_, t) => {
        const cell = { slot: s.id, table: t + 1 };
        if (cell.slot === selected.slot && cell.table === selected.table) return null;
        const other = meetingAt(cell);
        return h("option", { value: `${cell.slot}\t${cell.table}` },
          `${place(cell)}${other ? ` (swap with ${names(other)})` : " (free)"}`);
      }).filter(Boolean)));
    const moveButton = h("button", { type: "button" }, "Move");
    moveButton.addEventListener("click", () => {
      const [slot, table] = menu.value.split("\t");
      placeMeeting(selected, { slot, table: Number(table) }, moveButton);
    });
    const cancelButton = h("button", { type: "button", class: "secondary danger" }, "Cancel this meeting");
    cancelButton.addEventListener("click", () => send("meetings/cancel", { ...selected },
      { text: `Cancelled the meeting of ${names(m)} at ${place(selected)}.`, focus: selected }, cancelButton));
    const putBack = h("button", { type: "button", class: "secondary" }, "Put back");
    putBack.addEventListener("click", () => select(null));
    selection.hidden = false;
    selection.replaceChildren(
      h("p", {}, h("strong", {}, "Selected: "), `${names(m)}, ${place(selected)}.`),
      h("div", { class: "actions" }, field("Move to", menu), moveButton, cancelButton, putBack),
    );
  }

  // --- adding a meeting -----------------------------------------------------------------------
  const people = [...agendas.values()].map(asPerson);
  const first = personPicker({ participants: people, label: "First person", single: true });
  const second = personPicker({ participants: people, label: "Second person", single: true });
  const slotMenu = h("select", { name: "add-slot" }, slots.map((s) => h("option", { value: s.id }, when(s.id))));
  const tableMenu = h("select", { name: "add-table" });
  const fillTables = (wanted) => {
    const free = Array.from({ length: tables }, (_, t) => t + 1).filter((t) => !meetingAt({ slot: slotMenu.value, table: t }));
    tableMenu.replaceChildren(...free.map((t) => h("option", { value: String(t) }, `Table ${t}`)));
    if (!free.length) tableMenu.append(h("option", { value: "" }, "No free table"));
    if (wanted && free.includes(wanted)) tableMenu.value = String(wanted);
  };
  slotMenu.addEventListener("change", () => fillTables());
  fillTables();
  const addButton = h("button", { type: "submit" }, "Add the meeting");
  const addSlot = messageSlot();
  const addForm = h("form", { class: "stack add-meeting", novalidate: true },
    h("h4", {}, "Add a meeting"),
    h("div", { class: "grid-2" }, first, second),
    h("div", { class: "grid-2" }, field("Time", slotMenu), field("Table", tableMenu)),
    addSlot,
    h("div", { class: "actions" }, addButton));
  addForm.prefill = (cell) => {
    slotMenu.value = cell.slot;
    fillTables(cell.table);
    first.input.focus();
  };
  addForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(addSlot);
    const a = first.chosen;
    const b = second.chosen;
    if (!a || !b) {
      showMessage(addSlot, "Choose both people from the lists: type part of a name or an organisation.", "error");
      (a ? second : first).input.focus();
      return;
    }
    if (!tableMenu.value) {
      showMessage(addSlot, "Every table is taken at this time; choose another time.", "error");
      return;
    }
    const cell = { slot: slotMenu.value, table: Number(tableMenu.value) };
    await send("meetings", { participants: [a.id, b.id], ...cell },
      { text: `Added a meeting of ${personLabel(a)} and ${personLabel(b)} at ${place(cell)}.`, focus: cell }, addButton);
  });

  // --- undo -----------------------------------------------------------------------------------
  const edits = schedule.edits ?? [];
  const undo = h("button", { type: "button", class: "secondary", disabled: edits.length === 0 }, "Undo the last change");
  undo.addEventListener("click", () => {
    const last = edits[edits.length - 1];
    const what = { move: "move", swap: "swap", cancel: "cancellation", add: "added meeting" }[last?.action] ?? "change";
    send("undo", undefined, { text: `Undone: the last ${what}.`, focus: null }, undo);
  });
  const changes = edits.length === 0
    ? "No change by hand yet."
    : edits.length === 1 ? "1 change by hand; undo takes it back." : `${edits.length} changes by hand; undo takes them back one by one, the last first.`;

  const scroller = h("div", { class: "grid-scroll", role: "region", tabindex: "0", "aria-label": "Meeting grid", "aria-describedby": "meeting-grid-hint" }, grid);
  const element = h("section", { class: "meeting-grid-box", "aria-labelledby": "meeting-grid-title" },
    h("h3", { id: "meeting-grid-title" }, "The meeting grid"),
    h("p", { class: "hint", id: "meeting-grid-hint" },
      "Drag a meeting to another place. With the keyboard: the arrow keys go from meeting to meeting; Enter picks one up, the arrow keys choose its place, Enter puts it there (Escape stops). Dropping a meeting on a taken place swaps the two. Each change is checked against the availability and wishes of the people."),
    h("div", { class: "actions" }, undo, h("span", { class: "hint" }, changes)),
    message,
    scroller,
    live,
    selection,
    addForm);

  return {
    element,
    /** Put the focus on the meeting at `cell` (after a change), or on the grid. */
    focus(cell) {
      const button = cell ? cellOf(cell)?.querySelector(".meeting-card") : null;
      (button ?? (undo.disabled ? scroller : undo)).focus();
    },
  };
}
