// The dialog that moves a person to another room of a round. One <dialog> in index.html serves
// every event screen: it is bound once, and each opening says what to do on "Move". A room
// that is full offers a swap: the organiser chooses whom of that room takes the person's place.

import { busy, clear, fill, h, newId, showMessage } from "./dom.js";

let current = null; // {onMove, opener, choices} of the open dialog

function parts() {
  return {
    dialog: document.getElementById("move-dialog"),
    form: document.getElementById("move-form"),
    who: document.getElementById("move-who"),
    rooms: document.getElementById("move-rooms"),
    swap: document.getElementById("move-swap"),
    swapWith: document.getElementById("move-swap-with"),
    swapHint: document.getElementById("move-swap-hint"),
    pin: document.getElementById("move-pin"),
    error: document.getElementById("move-error"),
    submit: document.getElementById("move-submit"),
    cancel: document.getElementById("move-cancel"),
  };
}

/** Show the swap choice when the chosen room is full; the button says what will happen. */
function updateSwap(d) {
  const chosen = d.rooms.querySelector("input:checked");
  const choice = current?.choices.find((c) => c.id === chosen?.value);
  const swap = choice?.full ? (choice.swap ?? []) : [];
  d.swap.hidden = swap.length === 0;
  if (swap.length) {
    fill(d.swapWith, h("option", { value: "" }, "Choose a person"),
      swap.map((p) => h("option", { value: p.id }, p.label)));
    d.swapHint.textContent = `${choice.name} is full (${choice.seats} of ${choice.capacity} seats): `
      + `the person you choose goes to ${current.here} in exchange.`;
  } else {
    clear(d.swapWith);
  }
  d.submit.textContent = swap.length ? "Swap" : "Move";
}

function bindOnce() {
  const d = parts();
  if (d.form.dataset.bound) return d;
  d.form.dataset.bound = "true";
  d.rooms.addEventListener("change", () => {
    clear(d.error);
    updateSwap(d);
  });
  d.swapWith.addEventListener("change", () => clear(d.error));
  d.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    const chosen = d.rooms.querySelector("input:checked");
    if (!chosen) {
      showMessage(d.error, "Choose a room first.", "error");
      d.rooms.querySelector("input:not([disabled])")?.focus();
      return;
    }
    let swapWith = null;
    if (!d.swap.hidden) {
      swapWith = d.swapWith.value || null;
      if (!swapWith) {
        showMessage(d.error, "This room is full: choose whom to swap with.", "error");
        d.swapWith.focus();
        return;
      }
    }
    const { onMove } = current;
    await busy(d.submit, async () => {
      // onMove shows its own errors in `d.error` and resolves true when the move was made.
      if (await onMove(chosen.value, d.pin.checked, d.error, swapWith)) d.dialog.close();
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
 * `choices`: [{id, label, disabled, name, seats, capacity, full, swap}] of the rooms, where
 * `swap` lists [{id, label}] the people of a full room who could take the person's place;
 * `here`: the name of the person's room now. `onMove(roomId, pin, errorSlot, swapWith)` makes
 * the move (or the swap, when `swapWith` names someone) and resolves true when done; the focus
 * goes back to `opener` unless `focusAfter(fn)` names another place.
 */
export function openMoveDialog({ text, choices, onMove, opener, here = "their room" }) {
  const d = bindOnce();
  current = { onMove, opener, afterClose: null, choices, here };
  d.who.textContent = text;
  clear(d.error);
  d.pin.checked = false;
  const name = newId("room-choice");
  fill(d.rooms, choices.map((c) => {
    const input = h("input", {
      type: "radio", name, value: c.id, id: newId("choice"), disabled: c.disabled,
      "data-seats": c.seats === undefined ? null : String(c.seats),
      "data-capacity": c.capacity === undefined ? null : String(c.capacity),
    });
    return h("div", { class: "field radio" }, input, h("label", { for: input.id }, c.label));
  }));
  updateSwap(d);
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
