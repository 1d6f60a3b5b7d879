// People chosen with the person picker: one list (`peopleEditor`, e.g. who wants no meetings)
// or groups of them (`groupsEditor`: keep apart, keep together). Each list shows its people,
// each with a Remove button, and a picker to add one more; groups are added and removed with
// buttons. `value()` gives the participant ids (a list, or a list per group).

import { announce, h } from "./dom.js";
import { personLabel, personPicker } from "./person-picker.js";

/** The list of `ids` with a Remove button each, and a picker that adds one more. */
function chosenPeople({ participants, ids, title, who, empty, onRemove, onAdd }) {
  const people = h("ul", { class: "group-people", "aria-label": title },
    ids.length
      ? ids.map((id) => h("li", { "data-participant": id }, h("span", {}, who(id)), " ",
        h("button", {
          type: "button", class: "secondary small", "aria-label": `Remove ${who(id)} from ${title}`,
          onclick: () => {
            onRemove(id);
            announce(`${who(id)} removed from ${title}.`);
          },
        }, "Remove")))
      : h("li", { class: "hint" }, empty));
  const picker = personPicker({
    participants,
    label: `Add a person to ${title}`,
    exclude: (id) => ids.includes(id),
    onPick: (p) => {
      onAdd(p.id);
      announce(`${personLabel(p)} added to ${title}.`);
    },
  });
  return { people, picker };
}

function namer(participants) {
  const byId = new Map(participants.map((p) => [p.id, p]));
  return (id) => (byId.has(id) ? personLabel(byId.get(id)) : `${id} (no longer registered)`);
}

/**
 * One list of people (`ids` to start with), e.g. who wants no meetings. `onChange()` after
 * each change; `value()` gives the participant ids.
 */
export function peopleEditor({ participants, ids, name, empty = "Nobody.", onChange = () => {} }) {
  const who = namer(participants);
  let state = [...(ids ?? [])];
  const element = h("div", { class: "groups-editor people-editor", role: "group", "aria-label": name });
  const render = (focus) => {
    const { people, picker } = chosenPeople({
      participants, ids: state, title: name, who, empty,
      onRemove: (id) => {
        state = state.filter((x) => x !== id);
        render(true);
        onChange();
      },
      onAdd: (id) => {
        state = [...state, id];
        render(true);
        onChange();
      },
    });
    element.replaceChildren(people, picker);
    if (focus) picker.input.focus();
  };
  render(false);
  return { element, value: () => [...state] };
}

export function groupsEditor({ participants, groups, name, onChange = () => {} }) {
  let state = (groups ?? []).map((g) => [...g]);
  const box = h("div", { class: "groups" });
  const addGroup = h("button", { type: "button", class: "secondary small" }, `Add a group (${name.toLowerCase()})`);
  const element = h("div", { class: "groups-editor", role: "group", "aria-label": name }, box, addGroup);

  const who = namer(participants);

  const render = (focus) => {
    box.replaceChildren(...state.map((group, gi) => {
      const title = `${name}, group ${gi + 1}`;
      const { people, picker } = chosenPeople({
        participants, ids: group, title, who,
        empty: "Nobody yet: add at least two people.",
        onRemove: (id) => {
          state[gi] = group.filter((x) => x !== id);
          changed({ group: gi });
        },
        onAdd: (id) => {
          state[gi] = [...group, id];
          changed({ group: gi });
        },
      });
      const removeGroup = h("button", {
        type: "button", class: "secondary small", "aria-label": `Remove ${title}`,
        onclick: () => {
          state = state.filter((_, j) => j !== gi);
          changed({ after: true });
        },
      }, "Remove the group");
      return h("div", { class: "group", "data-group": String(gi) },
        h("p", { class: "label" }, `Group ${gi + 1}`), people, picker, removeGroup);
    }));
    if (focus?.group !== undefined) box.children[focus.group]?.querySelector("input")?.focus();
    else if (focus?.after) addGroup.focus();
  };
  const changed = (focus) => {
    render(focus);
    onChange();
  };
  addGroup.addEventListener("click", () => {
    state.push([]);
    changed({ group: state.length - 1 });
  });
  render();
  return {
    element,
    /** The groups, as lists of participant ids (empty groups left out). */
    value: () => state.filter((g) => g.length).map((g) => [...g]),
  };
}
