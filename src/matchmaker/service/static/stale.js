// "Out of date" warnings, shared by the tabs that show a result (Breakouts, Meetings).
//
// A result records what it was built from (`result.inputs`: fingerprints of the event's
// participants and of the settings of its kind); the event carries the same fingerprints as it
// is now (`event.inputs[kind]`). When a part differs, the tab says which, in words, and offers
// to run again. A result made before fingerprints were recorded falls back on the event's
// version (`result.event_version`), which also moves on a rename or a pin.

import { getJson } from "./api.js";
import { h } from "./dom.js";

const WORDS = {
  breakouts: {
    made: "these rooms were made",
    settings: "the rooms, rounds or rules",
    again: "Run the allocation again to use the changes (pins are kept), or re-plan after changes to move as few people as possible.",
    button: "Run the allocation again",
  },
  schedule: {
    made: "this schedule was planned",
    settings: "the time slots, tables or meetings per person",
    again: "Plan the meetings again to use the changes, or re-plan keeping the published meetings.",
    button: "Plan the meetings again",
  },
  pairs: {
    made: "these pairs were made",
    settings: "the settings",
    again: "Make the pairs again to use the changes.",
    button: "Make the pairs again",
  },
};

/**
 * What changed since `result` was built from the event, or null when it is up to date:
 * `{parts: ["participants", "settings"]}`, or `{parts: null}` when only versions can be
 * compared and they differ.
 */
export function staleness(event, result, kind) {
  if (!event || !result) return null;
  // A result newer than the event the page holds: the page cannot tell (the service can).
  if (Number(result.event_version) > Number(event.version)) return null;
  const now = event.inputs?.[kind];
  const then = result.inputs;
  if (now && then && typeof then === "object") {
    const parts = ["participants", "settings"].filter((part) => then[part] !== now[part]);
    return parts.length ? { parts } : null;
  }
  if (result.event_version === undefined || result.event_version === null || event.version === undefined) return null;
  return result.event_version === event.version ? null : { parts: null };
}

/** The warning in words, for `staleness(...)`'s answer. */
export function staleText(kind, found) {
  const w = WORDS[kind] ?? WORDS.pairs;
  let what;
  if (!found.parts) what = "the event has changed";
  else if (found.parts.length === 2) what = `the participants and ${w.settings} have changed`;
  else if (found.parts[0] === "participants") what = "the participants have changed";
  else what = `${w.settings} have changed`;
  return `Out of date: ${what} since ${w.made}. ${w.again}`;
}

/**
 * A warning that shows itself when the result shown is older than the event's last change of
 * participants or settings. `run()` starts the run again. Call `update(result)` whenever the
 * tab shows a result (null: none); the warning follows changes of the event by itself, and
 * asks the service (GET .../freshness) for changes made elsewhere since the page read the
 * event (the event the page holds is not replaced: a form being edited keeps its version).
 */
export function staleWarning(state, kind, { run }) {
  const text = h("span", {});
  const button = h("button", { type: "button", class: "secondary small", onclick: () => run() }, (WORDS[kind] ?? WORDS.pairs).button);
  const element = h("div", { class: "message note stale-warning", role: "status", "data-stale": kind }, text, " ", button);
  element.hidden = true;
  let result = null;
  let elsewhere = null; // what the service says changed, for the result shown
  const refresh = () => {
    const found = staleness(state.event, result, kind) ?? elsewhere;
    element.hidden = !found;
    const words = found ? staleText(kind, found) : "";
    if (text.textContent !== words) text.textContent = words;
  };
  const ask = async (shown) => {
    try {
      const { data } = await getJson(`${state.path}/freshness`);
      const said = data?.[kind];
      if (shown !== result || !said || said.result !== shown.id) return;
      elsewhere = said.stale ? { parts: said.changed ?? null } : null;
      refresh();
    } catch {
      // The local comparison stands; the tab shows its own errors.
    }
  };
  state.onChange(refresh);
  return {
    element,
    update(shown) {
      result = shown ?? null;
      elsewhere = null;
      refresh();
      if (result && result.id !== undefined) ask(result);
    },
  };
}
