// Breakouts: run the allocation (with its progress), see each round as room cards, move and pin
// people, run again with the pins kept, and download the room lists.

import { download, encode, followJob, getJson, jobPath, sendJson } from "./api.js";
import {
  announce, busy, clear, countryLabel, field, fill, h, messageSlot, newId, number, percent,
  presetSelect, progressBar, showError, showMessage, typeLabel,
} from "./dom.js";

// Shannon entropy in bits: 0 for a room of one kind, 1 for two kinds half and half, and so on.
const bits = (value) => (value === null || value === undefined ? "–" : `${number(value)} bits`);
import { eventDocument } from "./event-doc.js";
import { addLearnedScorers, chooseScorer } from "./scoring.js";
import { openMoveDialog } from "./move-dialog.js";

export function breakoutsPanel(state) {
  let allocation = null;
  let allocationEtag = null;
  let running = false;

  // --- the run form ------------------------------------------------------------------------
  const modeName = newId("mode");
  const affinity = h("input", { type: "radio", name: modeName, value: "affinity", checked: true, id: newId("mode") });
  const diversity = h("input", { type: "radio", name: modeName, value: "diversity", id: newId("mode") });
  const seed = h("input", { type: "number", name: "seed", min: "0", step: "1", inputmode: "numeric" });
  const timeLimit = h("input", { type: "number", name: "time_limit", min: "0.1", max: "600", step: "0.1", inputmode: "decimal" });
  const preset = presetSelect("The service's default");
  addLearnedScorers(preset);
  const runButton = h("button", { type: "submit", id: "run-breakouts" }, "Run the allocation");
  const replanButton = h("button", { type: "button", class: "secondary", "aria-describedby": "replan-hint" }, "Re-plan after changes");
  replanButton.hidden = true;
  const replanHint = h("p", { class: "hint", id: "replan-hint" }, "After late arrivals or no-shows: plans the new participant list again, keeping everyone who stays in their room where the rules allow.");
  replanHint.hidden = true;
  const progress = progressBar("Allocation progress");
  const runSlot = messageSlot();
  const runForm = h("form", { class: "stack", novalidate: true },
    h("fieldset", {},
      h("legend", {}, "What the rooms should favour"),
      h("div", { class: "field radio" }, affinity, h("label", { for: affinity.id }, "Affinity: people with shared interests and the room's themes together")),
      h("div", { class: "field radio" }, diversity, h("label", { for: diversity.id }, "Diversity: a mix of countries, types and interests in every room")),
    ),
    h("details", { class: "more" },
      h("summary", {}, "More settings"),
      h("div", { class: "grid-2" },
        field("Seed (optional)", seed, "The same seed and the same event give the same rooms."),
        field("Time limit in seconds (optional)", timeLimit, "Longer searches may find slightly better rooms."),
        field("What makes two people a good match", preset, "Affinity between organisations, as the partner suggestions score it."),
      )),
    h("p", { class: "hint" }, "The rooms and rounds of the Rooms and rounds tab are used; pinned people stay in their rooms."),
    h("div", { class: "actions" }, runButton, replanButton),
    replanHint,
    progress.element,
    runSlot,
  );

  // --- the results -------------------------------------------------------------------------
  const summary = h("div", { class: "summary" });
  const resultSlot = messageSlot();
  const downloads = h("div", { class: "actions downloads" });
  const roundsBox = h("div", { class: "rounds" });
  const resultsSection = h("section", { class: "panel", "aria-labelledby": "breakout-results-title" },
    h("h2", { id: "breakout-results-title" }, "Rooms"),
    summary, downloads, resultSlot, roundsBox);

  const element = h("div", { class: "stack" },
    h("section", { class: "panel", "aria-labelledby": "run-breakouts-title" },
      h("h2", { id: "run-breakouts-title" }, "Run the allocation"), runForm),
    resultsSection,
  );

  const pinsOf = () => state.event?.rules?.pins ?? [];
  const isPinned = (person, roundId, roomId) => {
    if (!state.event?.rules) return Boolean(person.pinned);
    return pinsOf().some((pin) => pin.participant === person.participant && pin.room === roomId
      && (pin.round === null || pin.round === undefined || pin.round === roundId));
  };

  async function loadAllocation(focusAfter) {
    try {
      const { data, etag } = await getJson(`${state.path}/breakouts`);
      allocation = data;
      allocationEtag = etag ?? (data?.version !== undefined ? `"${data.version}"` : null);
      replanButton.hidden = false;
      replanHint.hidden = false;
      renderAllocation();
      if (focusAfter) focusAfter();
    } catch (error) {
      allocation = null;
      replanButton.hidden = true;
      replanHint.hidden = true;
      clear(summary);
      clear(downloads);
      clear(roundsBox);
      if (error.status === 404) {
        summary.append(h("p", {}, "No allocation yet. Set the rooms and rounds, then run the allocation above."));
      } else {
        showError(resultSlot, error);
      }
    }
  }

  function renderAllocation() {
    clear(resultSlot);
    const a = allocation;
    // Which stored allocation is shown (its id and version): what a download gives.
    roundsBox.dataset.result = `${a.id ?? ""}/${a.version ?? ""}`;
    const people = new Set();
    for (const round of a.rounds ?? []) for (const room of round.rooms ?? []) for (const p of room.people ?? []) people.add(p.participant);
    const violations = a.violations ?? [];
    const facts = [
      ["Result", a.status === "optimal" ? "best possible" : a.status === "feasible" ? "every rule kept (good, not proven best)" : (a.status ?? "")],
      ["Mode", a.mode === "diversity" ? "diversity" : "affinity"],
      ["People", String(people.size)],
      ["Repeated encounters", String(a.repeats ?? 0)],
      ["Gap to the best possible", a.gap === undefined || a.gap === null ? "–" : `at most ${number(a.gap * 100, 1)} %`],
      ["Made", a.created ? new Date(a.created).toLocaleString() : "–"],
    ];
    if (a.moved !== null && a.moved !== undefined) facts.push(["People moved by the re-plan", String(a.moved)]);
    fill(summary,
      h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      a.message ? h("p", {}, a.message) : null,
      h("details", { class: "more" }, h("summary", {}, "What the room figures mean"),
        h("p", {}, "Countries and types: how many different ones sit in the room. Diversity: how evenly the room mixes them, in bits (0 when everyone is alike, 1 for two kinds half and half, higher for a wider, more even mix). Fit to the themes: the share of people whose profile names one of the room's themes.")),
      state.event && a.event_version !== undefined && state.event.version !== undefined && a.event_version !== state.event.version
        ? h("p", { class: "message note" }, "The event has changed since these rooms were made (rooms, rules, pins or participants). Run the allocation again to use the changes; pins are kept.")
        : null,
      violations.length
        ? h("div", { class: "violations" },
          h("h3", {}, violations.length === 1 ? "1 wish that could not be met" : `${violations.length} wishes that could not be met`),
          h("ul", {}, violations.map((v) => h("li", {}, typeof v === "string" ? v : (v.message ?? `${v.rule}: ${v.round} ${v.room}`)))))
        : h("p", {}, "Every rule and wish is met."),
    );

    const dlSlot = messageSlot();
    const dlButton = (label, path, name) => h("button", {
      type: "button", class: "secondary",
      onclick: async (event) => {
        clear(dlSlot);
        await busy(event.currentTarget, async () => {
          try {
            const saved = await download(path, name);
            announce(`Downloaded ${saved}.`);
          } catch (error) {
            showError(dlSlot, error);
          }
        });
      },
    }, label);
    fill(downloads,
      h("span", { class: "label" }, "Download every room:"),
      dlButton("Room lists (CSV)", `${state.path}/breakouts/rooms.csv`, `${state.id}-rooms.csv`),
      dlButton("Room lists (XLSX)", `${state.path}/breakouts/rooms.xlsx`, `${state.id}-rooms.xlsx`),
      dlSlot,
    );

    clear(roundsBox);
    for (const round of a.rounds ?? []) {
      const titleId = newId("round");
      const cards = h("div", { class: "cards" }, (round.rooms ?? []).map((room) => roomCard(round, room)));
      const roundName = round.name || round.id;
      const printRound = dlButton(`Print every room of ${roundName} (HTML)`,
        `${state.path}/breakouts/rooms/${encode(round.id)}.html`, `${state.id}-${round.id}-rooms.html`);
      printRound.classList.add("small", "print-round");
      roundsBox.append(h("section", { class: "round", "data-round": round.id, "aria-labelledby": titleId },
        h("h3", { id: titleId }, roundName), h("div", { class: "actions" }, printRound), cards));
    }
  }

  function roomCard(round, room) {
    const seats = room.seats ?? (room.people ?? []).reduce((s, p) => s + (Number(p.seats) || 1), 0);
    const full = seats >= room.capacity;
    const q = room.quality ?? {};
    const titleId = newId("room");
    const cardSlot = messageSlot();
    const printButton = h("button", {
      type: "button", class: "secondary small",
      "aria-label": `Printable page of ${room.name} (${round.name || round.id})`,
      onclick: async (event) => {
        clear(cardSlot);
        await busy(event.currentTarget, async () => {
          try {
            const saved = await download(
              `${state.path}/breakouts/rooms/${encode(round.id)}/${encode(room.id)}.html`,
              `${state.id}-${round.id}-${room.id}.html`,
            );
            announce(`Downloaded ${saved}; open it to print.`);
          } catch (error) {
            showError(cardSlot, error);
          }
        });
      },
    }, "Printable page");
    return h("article", {
      class: `room-card${full ? " full" : ""}`, "aria-labelledby": titleId,
      "data-round": round.id, "data-room": room.id,
      "data-capacity": String(room.capacity), "data-seats": String(seats),
    },
    h("header", {},
      h("h4", { id: titleId }, room.name || room.id),
      h("p", { class: "seats" }, h("strong", {}, `${seats} / ${room.capacity}`), " seats used"),
      room.themes?.length ? h("p", { class: "themes" }, `Themes: ${room.themes.join(", ")}`) : null),
    h("dl", { class: "quality", "aria-label": "Quality of the room" },
      h("dt", {}, "Countries"), h("dd", { "data-figure": "countries" }, String(q.countries ?? "–")),
      h("dt", {}, "Types"), h("dd", { "data-figure": "types" }, String(q.types ?? "–")),
      h("dt", {}, "Country diversity"), h("dd", { "data-figure": "country_entropy" }, bits(q.country_entropy)),
      h("dt", {}, "Type diversity"), h("dd", { "data-figure": "type_entropy" }, bits(q.type_entropy)),
      h("dt", {}, "Fit to the themes"), h("dd", { "data-figure": "fit" }, q.fit === null || q.fit === undefined ? "–" : percent(q.fit))),
    h("ul", { class: "people", "aria-label": `People in ${room.name || room.id}` },
      (room.people ?? []).map((p) => personItem(round, room, p))),
    h("p", { class: "card-actions" }, printButton),
    cardSlot,
    );
  }

  function personItem(round, room, p) {
    const pinned = isPinned(p, round.id, room.id);
    const label = p.person || p.participant;
    const slot = messageSlot();
    const move = h("button", {
      type: "button", class: "secondary small", "data-action": "move",
      "aria-label": `Move ${label} (${round.name || round.id}) to another room`,
      onclick: (event) => openMove(round, room, p, event.currentTarget),
    }, "Move to…");
    const pin = h("button", {
      type: "button", class: "secondary small", "data-action": "pin", "aria-pressed": String(pinned),
      "aria-label": pinned ? `Unpin ${label} from ${room.name || room.id}` : `Pin ${label} to ${room.name || room.id}`,
      onclick: async (event) => {
        clear(slot);
        await busy(event.currentTarget, async () => {
          try {
            if (pinned) await unpin(p.participant, round.id, room.id);
            else await movePerson(p.participant, round.id, room.id, true);
            announce(pinned ? `${label} is no longer pinned.` : `${label} is pinned to ${room.name}; the next run keeps it.`);
          } catch (error) {
            showConflictAware(slot, error);
          }
        });
      },
    }, pinned ? "Unpin" : "Pin here");
    return h("li", {
      class: `person${pinned ? " pinned" : ""}`,
      "data-participant": p.participant, "data-organisation": p.organisation ?? "",
      "data-country": p.country ?? "", "data-type": p.type ?? "", "data-pinned": String(pinned),
      "data-seats": String(p.seats ?? 1),
    },
    h("p", { class: "person-name" }, h("span", {}, label),
      p.person && p.person !== p.participant ? h("span", { class: "muted" }, ` (${p.participant})`) : null,
      pinned ? h("span", { class: "badge" }, "pinned") : null,
      (p.seats ?? 1) > 1 ? h("span", { class: "badge" }, `${p.seats} seats`) : null),
    h("p", { class: "person-org" },
      h("span", { class: "org" }, p.organisation_name || p.organisation || ""),
      h("span", { class: "country" }, countryLabel(p.country)),
      h("span", { class: "type" }, typeLabel(p.type))),
    p.why ? h("details", { class: "why" }, h("summary", {}, "Why here?"), h("p", {}, p.why)) : null,
    h("div", { class: "person-actions" }, move, pin),
    slot);
  }

  function showConflictAware(slot, error) {
    if (error.status === 412) {
      showError(slot, Object.assign(error, {
        message: "These rooms changed since you loaded them (someone moved a person or ran the allocation again).",
      }), h("button", { type: "button", class: "secondary small", onclick: () => refresh() }, "Reload the rooms"));
    } else {
      showError(slot, error);
    }
  }

  async function refresh(focusAfter) {
    try {
      await state.reload();
    } catch (error) {
      showError(resultSlot, error);
    }
    await loadAllocation(focusAfter);
  }

  const focusPerson = (participant, roundId, action) => () => {
    const li = roundsBox.querySelector(`[data-round="${CSS.escape(roundId)}"] li[data-participant="${CSS.escape(participant)}"]`);
    li?.querySelector(`[data-action="${action}"]`)?.focus();
  };

  async function movePerson(participant, roundId, roomId, pin) {
    await sendJson("POST", `${state.path}/breakouts/moves`, {
      json: { participant, round: roundId, room: roomId, pin },
      ifMatch: allocationEtag,
    });
    await refresh(focusPerson(participant, roundId, pin ? "pin" : "move"));
  }

  async function unpin(participant, roundId, roomId) {
    const doc = eventDocument(state.event);
    const pins = (doc.rules?.pins ?? []).filter((pin) => !(pin.participant === participant && pin.room === roomId
      && (pin.round === null || pin.round === undefined || pin.round === roundId)));
    doc.rules = { ...(doc.rules ?? {}), pins };
    const answer = await sendJson("PUT", state.path, { json: doc, ifMatch: state.etag });
    if (answer.data?.id) state.set(answer.data, answer.etag);
    else await state.reload();
    renderAllocation();
    focusPerson(participant, roundId, "pin")();
  }

  // --- moving a person (the dialog) ---------------------------------------------------------
  function openMove(round, room, p, opener) {
    const label = p.person || p.participant;
    const choices = (round.rooms ?? []).map((r) => {
      const seats = r.seats ?? (r.people ?? []).reduce((s, x) => s + (Number(x.seats) || 1), 0);
      const here = r.id === room.id;
      const fits = seats + (Number(p.seats) || 1) <= r.capacity;
      const note = here ? " (here now)" : !fits ? " (full)" : "";
      return { id: r.id, label: `${r.name || r.id}: ${seats} / ${r.capacity} seats${note}`, disabled: here || !fits };
    });
    const dialog = openMoveDialog({
      text: `${label} (${p.organisation_name || p.organisation}) is in ${room.name} in ${round.name || round.id}. Choose another room:`,
      choices,
      opener,
      onMove: async (roomId, pin, errorSlot) => {
        try {
          dialog.focusAfter(focusPerson(p.participant, round.id, "move"));
          await movePerson(p.participant, round.id, roomId, pin);
          const target = round.rooms.find((r) => r.id === roomId);
          announce(`${label} moved to ${target?.name ?? roomId}${pin ? " and pinned" : ""}.`);
          return true;
        } catch (error) {
          dialog.focusAfter(null);
          showConflictAware(errorSlot, error);
          return false;
        }
      },
    });
  }

  // --- running -----------------------------------------------------------------------------
  /** The seed and time limit of the form, or null (with the problem shown) when one is wrong. */
  function settings() {
    const body = {};
    if (seed.value !== "") {
      const s = Number(seed.value);
      if (!Number.isInteger(s) || s < 0) {
        showMessage(runSlot, "The seed is a whole number, 0 or more, or empty.", "error");
        seed.focus();
        return null;
      }
      body.seed = s;
    }
    if (timeLimit.value !== "") {
      const t = Number(timeLimit.value);
      if (!(t > 0)) {
        showMessage(runSlot, "The time limit is a number of seconds above 0, or empty.", "error");
        timeLimit.focus();
        return null;
      }
      body.time_limit = t;
    }
    return body;
  }

  async function start(button, path, body, what) {
    if (running) return;
    running = true;
    await busy(button, async () => {
      progress.start();
      announce(`The ${what} is running.`);
      try {
        const answer = await sendJson("POST", path, { json: body });
        await followJob(jobPath(answer), (j) => progress.update(j));
        await refresh();  // the rooms first: "Done" says they are below
        progress.done("Done: the rooms are below.");
        announce(`The ${what} is done; the rooms are shown below.`);
      } catch (error) {
        progress.fail(`The ${what} did not finish.`);
        showError(runSlot, error);
      } finally {
        running = false;
      }
    });
  }

  runForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(runSlot);
    const body = settings();
    if (body === null) return;
    body.mode = diversity.checked ? "diversity" : "affinity";
    Object.assign(body, chooseScorer(preset));
    await start(runButton, `${state.path}/breakouts`, body, "allocation");
  });

  replanButton.addEventListener("click", async () => {
    clear(runSlot);
    const body = settings();
    if (body === null) return;
    await start(replanButton, `${state.path}/breakouts/replan`, body, "re-plan");
  });

  const noRooms = h("p", { class: "message note" }, "This event has no rooms yet: add them under ",
    h("a", { href: `#/event/${encode(state.id)}/rooms` }, "Rooms and rounds"), " first.");
  runForm.prepend(noRooms);
  const updateNote = () => {
    noRooms.hidden = (state.event?.rooms ?? []).length > 0;
  };
  state.onChange(updateNote);

  return {
    element,
    show() {
      updateNote();
      loadAllocation();
    },
  };
}
