// A person picker: a search box over the participants' names, organisations and ids, with a
// list of matches to choose from by mouse or keyboard (Down and Up move, Enter picks, Escape
// closes). It follows the ARIA combobox pattern so that screen readers read the list and the
// chosen person. Used wherever a participant is chosen:
//
//   personPicker({ participants, label, onPick }) -> element
//
// `participants`: [{id, person, organisation_name}] (see `peopleOf(event)`); `onPick(person)`
// is called with the chosen one; `exclude(id)` (optional) hides people already chosen. With
// `single: true` the box keeps the person chosen (a form's field: the element's `chosen`,
// `input` and `reset()`), and typing again forgets the choice (`onPick(null)`); without it the
// box empties after each pick, ready for the next person of a group.

import { h, newId } from "./dom.js";

const MAX_SHOWN = 8;

/** The event's participants with their organisation's name, as the picker reads them. */
export function peopleOf(event) {
  const orgs = new Map((event?.organisations ?? []).map((o) => [o.id, o]));
  return (event?.participants ?? []).map((p) => ({
    id: p.id,
    person: p.person || p.id,
    organisation: p.organisation,
    organisation_name: orgs.get(p.organisation)?.name ?? p.organisation ?? "",
  }));
}

/** How a participant is named on the page: "Name (Organisation)". */
export function personLabel(p) {
  if (!p) return "";
  return p.organisation_name ? `${p.person} (${p.organisation_name})` : p.person;
}

const fold = (text) => String(text ?? "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

/** The participants whose name, organisation or id holds every word of `query`. */
export function matchPeople(participants, query, exclude = () => false) {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  return participants.filter((p) => {
    if (exclude(p.id)) return false;
    const text = fold(`${p.person} ${p.organisation_name} ${p.id}`);
    return words.every((w) => text.includes(w));
  });
}

export function personPicker({ participants, label, onPick = () => {}, exclude = () => false, placeholder = "Type a name or an organisation", single = false }) {
  const inputId = newId("picker");
  const listId = newId("picker-list");
  const hintId = newId("picker-hint");
  const input = h("input", {
    id: inputId, type: "text", role: "combobox", autocomplete: "off", spellcheck: "false",
    "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId,
    "aria-describedby": hintId, placeholder, class: "picker-input",
  });
  const list = h("ul", { id: listId, role: "listbox", class: "picker-list", "aria-label": label });
  list.hidden = true;
  const count = h("p", { class: "visually-hidden", "aria-live": "polite" });
  const hint = h("p", { class: "hint", id: hintId }, `Down and Up choose among the matches, Enter ${single ? "chooses" : "adds"}, Escape closes.`);
  let matches = [];
  let active = -1;
  let chosen = null;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
    const li = list.children[i];
    if (li) {
      input.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView?.({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };
  const pick = (p) => {
    chosen = single ? p : null;
    input.value = single ? personLabel(p) : "";
    close();
    count.textContent = `${personLabel(p)} chosen.`;
    onPick(p);
    input.focus();
  };
  const render = () => {
    matches = matchPeople(participants, input.value, exclude);
    const shown = matches.slice(0, MAX_SHOWN);
    list.replaceChildren(...shown.map((p, i) => {
      const li = h("li", { id: `${listId}-${i}`, role: "option", "aria-selected": "false", "data-participant": p.id },
        h("span", { class: "picker-name" }, p.person),
        p.organisation_name ? h("span", { class: "picker-org" }, p.organisation_name) : null);
      // mousedown, not click: the input keeps the focus.
      li.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pick(p);
      });
      return li;
    }));
    const open = input.value.trim() !== "";
    if (open && !shown.length) list.replaceChildren(h("li", { class: "picker-none", "aria-disabled": "true" }, "Nobody matches."));
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    highlight(shown.length ? 0 : -1);
    const more = matches.length > shown.length ? ` (the first ${shown.length} shown; type more to narrow)` : "";
    count.textContent = open ? `${matches.length === 1 ? "1 match" : `${matches.length} matches`}${more}.` : "";
  };

  input.addEventListener("input", () => {
    if (chosen) {
      chosen = null;
      onPick(null);
    }
    render();
  });
  input.addEventListener("keydown", (event) => {
    const n = Math.min(matches.length, MAX_SHOWN);
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (list.hidden) render();
      else if (n) highlight((active + 1) % n);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (n) highlight((active - 1 + n) % n);
    } else if (event.key === "Enter") {
      // Enter picks, and never submits the form around the picker.
      event.preventDefault();
      if (!list.hidden && active >= 0 && matches[active]) pick(matches[active]);
    } else if (event.key === "Escape") {
      if (!list.hidden) {
        event.preventDefault();
        event.stopPropagation();
        close();
      }
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));

  const element = h("div", { class: "picker" },
    h("label", { for: inputId }, label), input, list, hint, count);
  Object.defineProperty(element, "chosen", { get: () => chosen });
  element.input = input;
  element.reset = () => {
    chosen = null;
    input.value = "";
    close();
  };
  return element;
}

/**
 * A picker that chooses in a <select> of participants (its option values are participant
 * ids): the person picked becomes the select's value, and the select's "change" fires.
 */
export function pickerForSelect(select, participants, label) {
  return personPicker({
    participants,
    label,
    onPick: (p) => {
      select.value = p.id;
      select.dispatchEvent(new Event("change"));
    },
  });
}
