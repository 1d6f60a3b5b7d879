// Groups of people chosen with the person picker (keep apart, keep together): each group lists
// its people, each with a Remove button, and a picker to add one more; groups are added and
// removed with buttons. `value()` gives the groups as lists of participant ids.

import { announce, h } from "./dom.js";
import { personLabel, personPicker } from "./person-picker.js";

export function groupsEditor({ participants, groups, name, onChange = () => {} }) {
  const byId = new Map(participants.map((p) => [p.id, p]));
  let state = (groups ?? []).map((g) => [...g]);
  const box = h("div", { class: "groups" });
  const addGroup = h("button", { type: "button", class: "secondary small" }, `Add a group (${name.toLowerCase()})`);
  const element = h("div", { class: "groups-editor", role: "group", "aria-label": name }, box, addGroup);

  const who = (id) => (byId.has(id) ? personLabel(byId.get(id)) : `${id} (no longer registered)`);

  const render = (focus) => {
    box.replaceChildren(...state.map((group, gi) => {
      const title = `${name}, group ${gi + 1}`;
      const people = h("ul", { class: "group-people", "aria-label": title },
        group.length
          ? group.map((id) => h("li", { "data-participant": id }, h("span", {}, who(id)), " ",
            h("button", {
              type: "button", class: "secondary small", "aria-label": `Remove ${who(id)} from ${title}`,
              onclick: () => {
                state[gi] = group.filter((x) => x !== id);
                changed({ group: gi });
                announce(`${who(id)} removed from ${title}.`);
              },
            }, "Remove")))
          : h("li", { class: "hint" }, "Nobody yet: add at least two people."));
      const picker = personPicker({
        participants,
        label: `Add a person to ${title}`,
        exclude: (id) => group.includes(id),
        onPick: (p) => {
          state[gi] = [...group, p.id];
          changed({ group: gi });
          announce(`${personLabel(p)} added to ${title}.`);
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
