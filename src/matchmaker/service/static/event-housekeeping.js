// Event housekeeping, under the event's title: rename (and change the date), duplicate, and
// delete with a confirmation that names the event and what goes with it.

import { encode, sendJson } from "./api.js";
import { announce, busy, clear, field, h, messageSlot, newId, showError, showMessage } from "./dom.js";

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

let notice = null; // a sentence for the list of events after a delete

/** The sentence left by the last delete, once (the list of events shows it). */
export function takeNotice() {
  const text = notice;
  notice = null;
  return text;
}

/** What goes with an event when it is deleted, in words. */
export function deletedWith(ev) {
  const parts = [
    plural((ev.participants ?? []).length, "participant"),
    plural((ev.rooms ?? []).length, "room"),
    plural((ev.rounds ?? []).length, "round"),
    plural((ev.slots ?? []).length, "time slot"),
  ];
  return `its ${parts.join(", ")}, and every allocation of rooms and schedule of meetings made for it`;
}

function conflictReload(state, slot, error) {
  if (error?.status !== 412) {
    showError(slot, error);
    return;
  }
  const reload = h("button", {
    type: "button", class: "secondary",
    onclick: async () => {
      try {
        await state.reload();
        showMessage(slot, "Reloaded: this is the event as it is now.", "note");
      } catch (e) {
        showError(slot, e);
      }
    },
  }, "Reload");
  showError(slot, error, reload);
}

function renameForm(state, slot) {
  const name = h("input", { name: "event-name", type: "text", required: true, maxlength: "300", autocomplete: "off" });
  const date = h("input", { name: "event-date", type: "date" });
  const save = h("button", { type: "submit" }, "Save the name");
  const form = h("form", { class: "stack", novalidate: true },
    h("div", { class: "grid-2" }, field("Name", name), field("Date (optional)", date)),
    h("div", { class: "actions" }, save));
  const box = h("details", { class: "more housekeeping-rename" },
    h("summary", {}, "Rename or change the date"), form);
  box.addEventListener("toggle", () => {
    if (!box.open) return;
    name.value = state.event?.name ?? "";
    date.value = state.event?.date ?? "";
    name.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(slot);
    const value = name.value.trim();
    if (!value) {
      showMessage(slot, "Give the event a name.", "error");
      name.focus();
      return;
    }
    await busy(save, async () => {
      try {
        const body = { name: value };
        if (date.value) body.date = date.value;
        const { data, etag } = await sendJson("PATCH", state.path, { json: body, ifMatch: state.etag });
        state.set(data, etag);
        box.open = false;
        showMessage(slot, `Renamed to “${data.name}”.`, "note");
        announce(`The event is now called ${data.name}.`);
      } catch (error) {
        conflictReload(state, slot, error);
      }
    });
  });
  return box;
}

function deleteDialog(state, slot) {
  const titleId = newId("delete-title");
  const textId = newId("delete-text");
  const text = h("p", { id: textId });
  const confirm = h("button", { type: "button", class: "danger" }, "Delete the event");
  const keep = h("button", { type: "button", class: "secondary" }, "Keep it");
  const error = messageSlot();
  const dialog = h("dialog", { class: "confirm-dialog", "aria-labelledby": titleId, "aria-describedby": textId },
    h("h2", { id: titleId }, "Delete this event?"), text, error,
    h("div", { class: "actions" }, keep, confirm));
  keep.addEventListener("click", () => dialog.close());
  confirm.addEventListener("click", async () => {
    clear(error);
    await busy(confirm, async () => {
      const ev = state.event;
      try {
        await sendJson("DELETE", state.path, { ifMatch: state.etag });
        notice = `The event “${ev.name || ev.id}” was deleted, with ${deletedWith(ev)}.`;
        dialog.close();
        dialog.remove();
        location.hash = "#/";
      } catch (e) {
        conflictReload(state, error, e);
      }
    });
  });
  return {
    open(opener) {
      const ev = state.event;
      clear(error);
      text.textContent = `“${ev.name || ev.id}” will be deleted with ${deletedWith(ev)}. This cannot be undone.`;
      if (!dialog.isConnected) document.body.append(dialog);
      dialog.addEventListener("close", () => { if (opener.isConnected) opener.focus(); }, { once: true });
      dialog.showModal();
      keep.focus();
    },
  };
}

/** The housekeeping bar of an event: rename, duplicate, delete. */
export function eventActions(state) {
  const slot = messageSlot();
  const duplicate = h("button", { type: "button", class: "secondary" }, "Duplicate");
  const remove = h("button", { type: "button", class: "secondary danger" }, "Delete…");
  const dialog = deleteDialog(state, slot);
  duplicate.addEventListener("click", async () => {
    clear(slot);
    await busy(duplicate, async () => {
      try {
        const { data } = await sendJson("POST", `${state.path}/duplicate`, { json: {} });
        announce(`Made a copy: ${data.name}.`);
        location.hash = `#/event/${encode(data.id)}/participants`;
      } catch (error) {
        showError(slot, error);
      }
    });
  });
  remove.addEventListener("click", () => dialog.open(remove));
  return h("div", { class: "housekeeping" },
    h("div", { class: "actions" }, duplicate, remove),
    renameForm(state, slot),
    slot);
}
