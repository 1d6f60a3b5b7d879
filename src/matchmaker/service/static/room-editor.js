// Rooms and rounds: an editable table of rooms (name, capacity, themes), the number of rounds
// and the rules of the allocation; saved with If-Match so that nobody's change is lost.

import { sendJson } from "./api.js";
import {
  announce, busy, clear, field, fill, h, messageSlot, showError, showMessage, slug,
} from "./dom.js";
import { eventDocument } from "./event-doc.js";
import { groupsEditor } from "./person-groups.js";
import { peopleOf, personLabel } from "./person-picker.js";

export function roomsPanel(state) {
  const element = h("div", { class: "stack" });
  let dirty = false;

  function build(note) {
    const ev = state.event ?? {};
    const rules = { ...(ev.rules ?? {}) };
    let pins = [...(rules.pins ?? [])];
    dirty = false;

    const tbody = h("tbody");
    const roomsTable = h("table", { class: "rooms-table" },
      h("caption", {}, "Rooms"),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, "Name"),
        h("th", { scope: "col" }, "Capacity (seats)"),
        h("th", { scope: "col" }, "Themes (separated by ;)"),
        h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Remove")))),
      tbody);

    const addRow = (room, focus) => {
      const index = tbody.children.length + 1;
      const name = h("input", { type: "text", name: "room-name", required: true, maxlength: "300", value: room.name ?? "", "aria-label": `Name of room ${index}` });
      const capacity = h("input", { type: "number", name: "room-capacity", required: true, min: "1", max: "100000", step: "1", inputmode: "numeric", value: room.capacity ?? "", "aria-label": `Capacity of room ${index}` });
      const themes = h("input", { type: "text", name: "room-themes", value: (room.themes ?? []).join("; "), "aria-label": `Themes of room ${index}` });
      const remove = h("button", { type: "button", class: "secondary small", "aria-label": `Remove room ${index}` }, "Remove");
      const row = h("tr", { "data-room-id": room.id ?? "" },
        h("td", {}, name), h("td", {}, capacity), h("td", {}, themes), h("td", {}, remove));
      row.extra = room;
      name.addEventListener("input", () => {
        remove.setAttribute("aria-label", `Remove room ${name.value || index}`);
      });
      remove.addEventListener("click", () => {
        const next = row.nextElementSibling ?? row.previousElementSibling;
        row.remove();
        markDirty();
        (next?.querySelector("input") ?? addButton).focus();
      });
      tbody.append(row);
      if (focus) name.focus();
    };
    for (const room of ev.rooms ?? []) addRow(room, false);

    const addButton = h("button", { type: "button", class: "secondary" }, "Add a room");
    addButton.addEventListener("click", () => {
      addRow({ name: "", capacity: 10, themes: [] }, true);
      markDirty();
    });

    const rounds = h("input", { type: "number", name: "rounds", min: "1", max: "50", step: "1", required: true, inputmode: "numeric", value: String((ev.rounds ?? []).length || 1) });
    const apart = h("input", { type: "checkbox", name: "apart_same_organisation", checked: rules.apart_same_organisation ?? true });
    const mix = h("input", { type: "checkbox", name: "mix_types", checked: rules.mix_types ?? true });
    const language = h("input", { type: "checkbox", name: "shared_language", checked: rules.shared_language ?? true });
    const repeats = h("input", { type: "checkbox", name: "avoid_repeats", checked: rules.avoid_repeats ?? true });
    const perCountry = h("input", { type: "number", name: "max_per_country", min: "1", step: "1", inputmode: "numeric", value: rules.max_per_country ?? "" });
    const people = peopleOf(ev);
    const keepApart = groupsEditor({ participants: people, groups: rules.keep_apart, name: "Keep apart", onChange: () => markDirty() });
    const keepTogether = groupsEditor({ participants: people, groups: rules.keep_together, name: "Keep together", onChange: () => markDirty() });

    const pinList = h("ul", { class: "pins" });
    const renderPins = () => {
      clear(pinList);
      if (!pins.length) {
        pinList.append(h("li", {}, "No pins. Pin people from the Breakouts tab."));
        return;
      }
      pins.forEach((pin, i) => {
        const where = `${personName(pin.participant)} in ${roomName(pin.room)}${pin.round ? `, ${roundName(pin.round)}` : ", every round"}`;
        pinList.append(h("li", {}, where, " ",
          h("button", {
            type: "button", class: "secondary small", "aria-label": `Remove the pin of ${where}`,
            onclick: () => {
              pins = pins.filter((_, j) => j !== i);
              markDirty();
              renderPins();
              pinList.querySelector("button")?.focus();
            },
          }, "Remove")));
      });
    };
    const personName = (id) => personLabel(people.find((p) => p.id === id)) || id;
    const roomName = (id) => (ev.rooms ?? []).find((r) => r.id === id)?.name ?? id;
    const roundName = (id) => (ev.rounds ?? []).find((r) => r.id === id)?.name ?? id;
    renderPins();

    const seatsNote = h("p", { class: "hint", "aria-live": "polite" });
    const updateSeats = () => {
      const needed = (state.event?.participants ?? []).reduce((s, p) => s + (Number(p.seats) || 1), 0);
      const offered = [...tbody.querySelectorAll("input[name=room-capacity]")].reduce((s, i) => s + (Number(i.value) || 0), 0);
      seatsNote.textContent = `${offered} seats in the rooms for ${needed} seats needed in each round.`;
      seatsNote.classList.toggle("warning", offered < needed);
      if (offered < needed) seatsNote.textContent += " Add rooms or seats: everyone must fit.";
    };
    updateSeats();

    const slot = messageSlot();
    const save = h("button", { type: "submit" }, "Save rooms and rounds");
    const form = h("form", { class: "stack", novalidate: true },
      h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Rooms" }, roomsTable),
      h("div", { class: "actions" }, addButton),
      seatsNote,
      field("Number of rounds", rounds, "People change rooms between rounds; repeated encounters are avoided."),
      h("fieldset", {},
        h("legend", {}, "Rules"),
        field("Keep colleagues of one organisation apart", apart),
        field("Mix organisation types in each room", mix),
        field("A shared language in each room", language),
        field("Avoid meeting the same people again in later rounds", repeats),
        field("At most this many people of one country per room (optional)", perCountry),
        h("div", { class: "field" }, h("p", { class: "label" }, "Keep apart"),
          h("p", { class: "hint" }, "Nobody of a group shares a room with another of the same group."), keepApart.element),
        h("div", { class: "field" }, h("p", { class: "label" }, "Keep together"),
          h("p", { class: "hint" }, "A group is always in the same room."), keepTogether.element),
        h("div", { class: "field" }, h("p", { class: "label" }, "Pinned people"), pinList),
      ),
      slot,
      h("div", { class: "actions" }, save),
    );

    const markDirty = () => {
      dirty = true;
      updateSeats();
    };
    form.addEventListener("input", markDirty);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clear(slot);
      const problems = [];
      const rooms = [];
      const ids = new Set();
      [...tbody.children].forEach((row, i) => {
        const [nameEl, capacityEl, themesEl] = row.querySelectorAll("input");
        const nameValue = nameEl.value.trim();
        const cap = Number(capacityEl.value);
        if (!nameValue) problems.push({ row: i + 1, column: "Name", value: "", message: "Give the room a name." });
        if (!Number.isInteger(cap) || cap < 1) problems.push({ row: i + 1, column: "Capacity", value: capacityEl.value, message: "The capacity is a whole number of seats, 1 or more." });
        let id = row.extra.id || slug(nameValue, `room-${i + 1}`);
        while (ids.has(id)) id = `${id}-${i + 1}`;
        ids.add(id);
        rooms.push({
          ...row.extra,
          id,
          name: nameValue,
          capacity: cap,
          themes: themesEl.value.split(/[;\n]/).map((t) => t.trim()).filter(Boolean),
        });
      });
      const known = new Set((state.event?.participants ?? []).map((p) => p.id));
      const groups = (editor, label) => editor.value().map((group, i) => {
        for (const id of group) {
          if (known.size && !known.has(id)) problems.push({ row: i + 1, column: label, value: id, message: `"${id}" is not a participant of this event any more: remove them from group ${i + 1}.` });
        }
        if (group.length === 1) problems.push({ row: i + 1, column: label, value: group[0], message: `Group ${i + 1} needs at least two participants.` });
        return group;
      }).filter((g) => g.length);
      const apartGroups = groups(keepApart, "Keep apart");
      const togetherGroups = groups(keepTogether, "Keep together");
      const nRounds = Number(rounds.value);
      if (!Number.isInteger(nRounds) || nRounds < 1) problems.push({ column: "Number of rounds", value: rounds.value, message: "At least one round." });
      const maxPer = perCountry.value === "" ? null : Number(perCountry.value);
      if (maxPer !== null && (!Number.isInteger(maxPer) || maxPer < 1)) problems.push({ column: "At most per country", value: perCountry.value, message: "A whole number, 1 or more, or empty." });
      if (problems.length) {
        showError(slot, Object.assign(new Error("Some values need fixing before saving."), { name: "ApiError", problems }));
        return;
      }
      const oldRounds = ev.rounds ?? [];
      const newRounds = oldRounds.slice(0, nRounds).map((r, i) => ({ ...r, name: r.name || `Round ${i + 1}` }));
      const taken = new Set(oldRounds.map((r) => r.id));
      for (let i = newRounds.length, n = i + 1; i < nRounds; i += 1, n += 1) {
        while (taken.has(`R${n}`)) n += 1;
        taken.add(`R${n}`);
        newRounds.push({ id: `R${n}`, name: `Round ${i + 1}` });
      }
      const doc = {
        ...eventDocument(state.event),
        rooms,
        rounds: newRounds,
        rules: {
          ...rules,
          pins,
          keep_apart: apartGroups,
          keep_together: togetherGroups,
          apart_same_organisation: apart.checked,
          mix_types: mix.checked,
          shared_language: language.checked,
          avoid_repeats: repeats.checked,
          max_per_country: maxPer,
        },
      };
      await busy(save, async () => {
        try {
          const answer = await sendJson("PUT", state.path, { json: doc, ifMatch: state.etag });
          if (answer.data && answer.data.id) state.set(answer.data, answer.etag);
          else await state.reload();
          dirty = false;
          build({ text: "Saved. Run the allocation in the Breakouts tab.", kind: "success" });
        } catch (error) {
          if (error.isConflict) {
            showError(slot, error, h("button", {
              type: "button", class: "secondary",
              onclick: async () => {
                try {
                  await state.reload();
                  build({ text: "Reloaded with the latest version; make your change again.", kind: "note" });
                } catch (e) {
                  showError(slot, e);
                }
              },
            }, "Reload"));
          } else {
            showError(slot, error);
          }
        }
      });
    });

    fill(element, h("section", { class: "panel" }, h("h2", {}, "Rooms and rounds"),
      h("p", { class: "hint" }, "Each room has a name, a number of seats and, if you like, themes (S3 codes such as TP-INDMOD, or words such as \"value chains\") that draw people with those interests."),
      form));
    if (note) {
      showMessage(slot, note.text, note.kind);
      announce(note.text);
    }
  }

  return {
    element,
    show() {
      if (!dirty) build();
    },
  };
}
