// Breakouts: run the allocation (with its progress), see each round as room cards, move and pin
// people, run again with the pins kept, and download the room lists.

import { download, encode, followJob, getJson, jobPath, sendJson } from "./api.js";
import {
  announce, busy, clear, countryLabel, field, fill, h, messageSlot, newId, number, percent,
  presetSelect, progressBar, showError, showMessage, typeLabel, when,
} from "./dom.js";
import { barChart, stackedBars } from "./charts.js";

// Shannon entropy in bits: 0 for a room of one kind, 1 for two kinds half and half, and so on.
// A technical figure: shown only behind a "Technical figures" toggle.
const bits = (value) => (value === null || value === undefined ? "–" : `${number(value)} bits`);
import { eventDocument } from "./event-doc.js";
import { addLearnedScorers, chooseScorer } from "./scoring.js";
import { openMoveDialog } from "./move-dialog.js";
import { staleWarning } from "./stale.js";

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
  // Out of date after a change of the participants or settings: stale.js.
  const stale = staleWarning(state, "breakouts", { run: () => runForm.requestSubmit() });
  resultsSection.insertBefore(stale.element, summary);

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
    stale.update(a);
    // Which stored allocation is shown (its id and version): what a download gives.
    roundsBox.dataset.result = `${a.id ?? ""}/${a.version ?? ""}`;
    const people = new Set();
    for (const round of a.rounds ?? []) for (const room of round.rooms ?? []) for (const p of room.people ?? []) people.add(p.participant);
    const violations = a.violations ?? [];
    const facts = [
      ["Mode", a.mode === "diversity" ? "diversity" : "affinity"],
      ["People", String(people.size)],
      ["Made", a.created ? when(a.created) : "–"],
    ];
    if (a.moved !== null && a.moved !== undefined) facts.push(["People moved by the re-plan", String(a.moved)]);
    const technical = [
      ["Solver's result", a.status ?? "–"],
      ["Objective", number(a.objective)],
      ["Upper bound", number(a.bound)],
      ["Gap to the upper bound", a.gap === undefined || a.gap === null ? "–" : `${number(a.gap * 100, 1)} %`],
      ["Repeated encounters (lower bound)", `${a.repeats ?? 0} (${a.repeats_lower_bound ?? 0})`],
    ];
    fill(summary,
      h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      h("ul", { class: "plain-figures", "aria-label": "The rooms in short" },
        plainFigures(a).map(([key, text]) => h("li", { "data-figure": key }, text))),
      h("details", { class: "more technical" }, h("summary", {}, "Technical figures"),
        h("dl", { class: "facts" }, technical.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
        a.message ? h("p", {}, a.message) : null,
        h("p", {}, "The gap compares the rooms with an upper bound on the best possible value, which the best rooms may not reach: the real distance is often smaller. Diversity in bits (Shannon entropy): 0 when everyone in a room is alike, 1 for two kinds half and half, higher for a wider, more even mix.")),
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
        h("h3", { id: titleId }, roundName), h("div", { class: "actions" }, printRound), roomCharts(round), cards));
    }
  }

  // --- the figures in words, and the charts of each round -----------------------------------
  /** [[key, sentence]] of the allocation's figures, in words an organiser reads. */
  function plainFigures(a) {
    const out = [];
    const rounds = a.rounds ?? [];
    const rooms = rounds.flatMap((r) => r.rooms ?? []).filter((room) => (room.people ?? []).length > 0);
    if (a.status === "optimal") out.push(["quality", "These are the best possible rooms for the rules and wishes."]);
    else if (a.gap !== null && a.gap !== undefined) {
      const share = Math.max(0, Math.floor((1 - Number(a.gap)) * 100));
      out.push(["quality", `Every rule is kept; the rooms are at least ${share} % as good as the best possible.`]);
    }
    const sizes = rooms.map((room) => (room.people ?? []).length);
    if (sizes.length) {
      const lo = Math.min(...sizes);
      const hi = Math.max(...sizes);
      out.push(["sizes", lo === hi ? `Every room has ${lo} ${lo === 1 ? "person" : "people"}.` : `Rooms have ${lo} to ${hi} people.`]);
    }
    const mean = (key) => {
      const values = rooms.map((room) => room.quality?.[key]).filter((v) => Number.isFinite(Number(v)));
      return values.length ? values.reduce((s, v) => s + Number(v), 0) / values.length : null;
    };
    const countries = mean("countries");
    const types = mean("types");
    if (countries !== null) {
      const c = number(countries, 1);
      const t = types === null ? "" : ` and ${number(types, 1)} types of organisation`;
      out.push(["mix", `Rooms mix ${c} ${c === "1" ? "country" : "countries"}${t} on average.`]);
    }
    const placed = rounds.map((r) => {
      const where = new Map();
      for (const room of r.rooms ?? []) for (const p of room.people ?? []) where.set(p.participant, room.id);
      return where;
    });
    const sets = (kind) => (a.rules?.[kind] ?? []).filter((s) => s.length > 1);
    const broken = (kind, ok) => placed.reduce((n, where) => n + sets(kind).filter((s) => {
      const rooms_ = s.map((pid) => where.get(pid)).filter((x) => x !== undefined);
      return rooms_.length > 1 && !ok(rooms_);
    }).length, 0);
    const wish = (kind, word, ok) => {
      if (!sets(kind).length) return;
      const n = broken(kind, ok);
      out.push([kind, n === 0 ? `Every ${word} wish is met.` : `${n} ${word} ${n === 1 ? "wish is" : "wishes are"} not met in some round.`]);
    };
    wish("keep_apart", "keep-apart", (r) => new Set(r).size === r.length);
    wish("keep_together", "keep-together", (r) => new Set(r).size === 1);
    if (rounds.length > 1) {
      const repeats = Number(a.repeats ?? 0);
      const floor = Number(a.repeats_lower_bound ?? 0);
      out.push(["repeats", repeats === 0
        ? "Nobody shares a room with the same person twice."
        : `${repeats} times, two people share a room again in a later round${floor >= repeats ? " (the fewest possible with these rooms)" : floor > 0 ? ` (at least ${floor} of these cannot be avoided)` : ""}.`]);
    }
    return out;
  }

  /** Charts of one round: people per room, countries per room, types of organisation per room. */
  function roomCharts(round) {
    const rooms = (round.rooms ?? []);
    const roundName = round.name || round.id;
    // One row per room, its name on the left: a long name is shortened, and when two names
    // shorten alike every room is numbered, so that no two rows read the same; the tooltip and
    // the table of numbers give the whole name.
    const most = 28;
    const cut = (name) => (name.length <= most ? name : `${name.slice(0, most - 1).trimEnd()}…`);
    let labels = rooms.map((room) => cut(room.name || room.id));
    if (new Set(labels).size < labels.length) labels = labels.map((label, i) => cut(`${i + 1}. ${rooms[i].name || rooms[i].id}`));
    const sizes = barChart(rooms.map((room, i) => ({
      label: labels[i], value: (room.people ?? []).length,
      title: `${room.name || room.id}: ${(room.people ?? []).length} people, capacity ${room.capacity} seats`,
    })), { title: `People per room, ${roundName}`, xLabel: "Room", yLabel: "People", name: "room-sizes", horizontal: true });
    const countries = barChart(rooms.map((room, i) => ({
      label: labels[i], value: new Set((room.people ?? []).map((p) => p.country || "?")).size,
      title: `${room.name || room.id}: ${new Set((room.people ?? []).map((p) => p.country || "?")).size} countries`,
    })), { title: `Countries in each room, ${roundName}`, xLabel: "Room", yLabel: "Countries", name: "room-countries", horizontal: true });
    const kinds = [...new Set(rooms.flatMap((room) => (room.people ?? []).map((p) => p.type || "")))].sort();
    const types = stackedBars(rooms.map((room, i) => ({
      label: labels[i],
      parts: kinds.map((k) => ({ label: typeLabel(k) || "not given", value: (room.people ?? []).filter((p) => (p.type || "") === k).length })),
    })), { title: `Types of organisation in each room, ${roundName}`, name: "room-types" });
    const legend = h("ul", { class: "chart-legend", "aria-hidden": "true" },
      kinds.map((k, i) => h("li", {}, h("span", { class: `swatch swatch-${i % 8}` }), typeLabel(k) || "not given")));
    types.insertBefore(legend, types.querySelector("details"));
    return h("details", { class: "room-charts", open: true },
      h("summary", {}, `Charts of ${roundName}`),
      h("div", { class: "chart-row" }, sizes, countries, types));
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
      h("dt", {}, "Fit to the themes"), h("dd", { "data-figure": "fit" }, q.fit === null || q.fit === undefined ? "–" : `${percent(q.fit)} of the people`)),
    h("details", { class: "technical" }, h("summary", {}, "Technical figures"),
      h("dl", { class: "quality" },
        h("dt", {}, "Country diversity"), h("dd", { "data-figure": "country_entropy" }, bits(q.country_entropy)),
        h("dt", {}, "Type diversity"), h("dd", { "data-figure": "type_entropy" }, bits(q.type_entropy)))),
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

  async function movePerson(participant, roundId, roomId, pin, swapWith = null) {
    const json = { participant, round: roundId, room: roomId, pin };
    if (swapWith) json.swap_with = swapWith;
    await sendJson("POST", `${state.path}/breakouts/moves`, { json, ifMatch: allocationEtag });
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
    const mine = Number(p.seats) || 1;
    const seatsOf = (r) => r.seats ?? (r.people ?? []).reduce((s, x) => s + (Number(x.seats) || 1), 0);
    const hereSeats = seatsOf(room);
    const choices = (round.rooms ?? []).map((r) => {
      const seats = seatsOf(r);
      const here = r.id === room.id;
      const full = !here && seats + mine > r.capacity;
      // Who of a full room could take this person's place: both rooms within their capacity.
      const swap = full
        ? (r.people ?? []).filter((x) => {
          const theirs = Number(x.seats) || 1;
          return seats - theirs + mine <= r.capacity && hereSeats - mine + theirs <= room.capacity;
        }).map((x) => ({
          id: x.participant,
          label: `${x.person || x.participant} (${x.organisation_name || x.organisation || ""})`,
        }))
        : [];
      const people = (r.people ?? []).length;
      const note = here ? " (here now)" : full ? (swap.length ? " (full: swap with someone)" : " (full)") : "";
      return {
        id: r.id, name: r.name || r.id, seats, capacity: r.capacity, full, swap,
        label: `${r.name || r.id}: ${people} ${people === 1 ? "person" : "people"}, ${seats} of ${r.capacity} seats taken${note}`,
        disabled: here || (full && !swap.length),
      };
    });
    const dialog = openMoveDialog({
      text: `${label} (${p.organisation_name || p.organisation}) is in ${room.name} in ${round.name || round.id}. Choose another room:`,
      choices,
      opener,
      here: room.name || room.id,
      onMove: async (roomId, pin, errorSlot, swapWith) => {
        try {
          dialog.focusAfter(focusPerson(p.participant, round.id, "move"));
          await movePerson(p.participant, round.id, roomId, pin, swapWith);
          const target = round.rooms.find((r) => r.id === roomId);
          const other = target?.people?.find((x) => x.participant === swapWith);
          announce(swapWith
            ? `${label} and ${other?.person || swapWith} changed places between ${room.name} and ${target?.name ?? roomId}${pin ? "; " + label + " is pinned" : ""}.`
            : `${label} moved to ${target?.name ?? roomId}${pin ? " and pinned" : ""}.`);
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
