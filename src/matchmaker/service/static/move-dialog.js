// The dialog that moves a person to another room of a round. One <dialog> in index.html serves
// every event screen: it is bound once, and each opening says what to do on "Move".

import { busy, clear, fill, h, newId, showMessage } from "./dom.js";

let current = null; // {onMove, opener} of the open dialog

function parts() {
  return {
    dialog: document.getElementById("move-dialog"),
    form: document.getElementById("move-form"),
    who: document.getElementById("move-who"),
    rooms: document.getElementById("move-rooms"),
    pin: document.getElementById("move-pin"),
    error: document.getElementById("move-error"),
    submit: document.getElementById("move-submit"),
    cancel: document.getElementById("move-cancel"),
  };
}

function bindOnce() {
  const d = parts();
  if (d.form.dataset.bound) return d;
  d.form.dataset.bound = "true";
  d.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    const chosen = d.rooms.querySelector("input:checked");
    if (!chosen) {
      showMessage(d.error, "Choose a room first.", "error");
      d.rooms.querySelector("input:not([disabled])")?.focus();
      return;
    }
    const { onMove } = current;
    await busy(d.submit, async () => {
      // onMove shows its own errors in `d.error` and resolves true when the move was made.
      if (await onMove(chosen.value, d.pin.checked, d.error)) d.dialog.close();
    });
  });
  d.cancel.addEventListener("click", () => d.dialog.close());
  // Escape closes the dialog natively; either way the focus goes back to where it came from.
  d.dialog.addEventListener("close", () => {
    const opener = current?.opener;
    const after = current?.afterClose;
    current = null;
    if (after) after();
    else if (opener?.isConnected) opener.focus();
  });
  return d;
}

/**
 * Open the dialog.
 *
 * `choices`: [{id, label, disabled}] of the rooms; `onMove(roomId, pin, errorSlot)` makes the
 * move and resolves true when done; the focus goes back to `opener` unless `focusAfter(fn)`
 * names another place.
 */
export function openMoveDialog({ text, choices, onMove, opener }) {
  const d = bindOnce();
  current = { onMove, opener, afterClose: null };
  d.who.textContent = text;
  clear(d.error);
  d.pin.checked = false;
  const name = newId("room-choice");
  fill(d.rooms, choices.map((c) => {
    const input = h("input", { type: "radio", name, value: c.id, id: newId("choice"), disabled: c.disabled });
    return h("div", { class: "field radio" }, input, h("label", { for: input.id }, c.label));
  }));
  d.dialog.showModal();
  (d.rooms.querySelector("input:not([disabled])") ?? d.pin).focus();
  return {
    /** Call before closing after a successful move, to place the focus on the moved person. */
    focusAfter(fn) {
      if (current) current.afterClose = fn;
    },
    get pinned() {
      return d.pin.checked;
    },
  };
}
