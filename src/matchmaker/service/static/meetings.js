// Meetings: time slots and tables for 1:1 meetings, running the schedule, its figures in words
// and charts, the meeting grid (changes by hand, meeting-grid.js), each participant's agenda,
// and the downloads (agendas, the organiser's grid, ICS calendars).

import { download, encode, followJob, getJson, jobPath, sendJson } from "./api.js";
import {
  add, announce, busy, clear, countryLabel, field, fill, h, messageSlot, number, presetSelect,
  progressBar, showError, showMessage, table, typeLabel,
} from "./dom.js";
import { barChart, histogramCounts } from "./charts.js";
import { eventDocument } from "./event-doc.js";
import { meetingGrid } from "./meeting-grid.js";
import { addLearnedScorers, chooseScorer } from "./scoring.js";
import { staleWarning } from "./stale.js";
import { peopleEditor } from "./person-groups.js";
import { peopleOf, pickerForSelect } from "./person-picker.js";

const WALL = /^(\d{4}-\d\d-\d\dT\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/;

/** "2025-03-10T09:00:00+01:00" -> {local: "2025-03-10T09:00", zone: "+01:00"}. */
function splitTime(value) {
  const m = WALL.exec(String(value ?? ""));
  return m ? { local: m[1], zone: m[2] ?? "" } : { local: "", zone: "" };
}

function addMinutes(local, minutes) {
  // Wall-clock arithmetic in UTC, so that a daylight-saving change does not shift the slots.
  const d = new Date(`${local}:00Z`);
  d.setUTCMinutes(d.getUTCMinutes() + minutes);
  return d.toISOString().slice(0, 16);
}

function wallLabel(value) {
  const { local } = splitTime(value);
  return local ? local.replace("T", " ") : String(value ?? "");
}

function plural(n, word) {
  return `${n} ${n === 1 ? word : `${word}s`}`;
}

/**
 * The schedule's figures in an organiser's words: how many meetings each person has (and the
 * best possible minimum when the schedule knows it), how many of the participants' requests
 * are met, how full the tables are, and how many meetings were placed by hand.
 */
export function scheduleWords(doc, event) {
  const f = doc.figures ?? {};
  // Among those who count for fairness when the schedule says who they are (not those who
  // want no meetings or can meet nobody); else among everyone.
  const fair = f.fairness ?? null;
  const per = fair ?? f.meetings_per_participant ?? {};
  const agendas = doc.agendas ?? [];
  const n = fair ? fair.participants : agendas.length;
  const bound = fair?.bound ?? f.fairness_bound ?? doc.stats?.fairness_bound ?? null;
  const sentences = [];
  const best = bound === null || bound === undefined ? "" : `the best possible minimum is ${bound}`;
  if (!n) {
    sentences.push("Nobody in this schedule may have a meeting.");
  } else if ((per.min ?? 0) > 0) {
    sentences.push(`Every participant has at least ${plural(per.min, "meeting")}${best ? `; ${best}` : ""}. Half have ${number(per.median, 1)} or more; the busiest have ${per.max}.`);
  } else {
    const none = fair ? null : (f.without_meeting ?? agendas.filter((a) => !a.meetings.length).length);
    sentences.push(none === null
      ? `Some participants have no meeting; the busiest have ${per.max ?? 0}.${best ? ` ${best[0].toUpperCase()}${best.slice(1)}.` : ""}`
      : `${none} of ${n} participants have no meeting; the others have 1 to ${per.max ?? 0}.${best ? ` ${best[0].toUpperCase()}${best.slice(1)}.` : ""}`);
  }
  if (fair?.not_wanting_meetings) {
    sentences.push(`${plural(fair.not_wanting_meetings, "participant")} asked for no meetings and ${fair.not_wanting_meetings === 1 ? "is" : "are"} not counted.`);
  }
  // Requests: each wish of a participant in the schedule to meet an organisation, and whether
  // their agenda has a meeting with someone of it.
  const wishes = new Map();
  for (const p of event?.participants ?? []) {
    wishes.set(String(p.id), (p.requests ?? []).filter((r) => r.preference !== "would_rather_not").map((r) => r.organisation));
  }
  let asked = 0;
  let granted = 0;
  for (const a of agendas) {
    const orgs = new Set(a.meetings.map((m) => m.organisation_id));
    for (const org of wishes.get(String(a.participant)) ?? []) {
      asked += 1;
      if (orgs.has(org)) granted += 1;
    }
  }
  const met = f.requests_met ?? {};
  const total = f.meetings ?? (doc.meetings ?? []).length;
  const requests = asked
    ? `${granted} of ${asked} requests met`
    : "nobody asked for a particular meeting";
  sentences.push(asked
    // Requests and meetings are counted apart: one meeting may meet two requests (both asked).
    ? `${granted} of ${asked} requests to meet an organisation are met. Of the ${plural(total, "meeting")}, ${met.mutual ?? 0} ${(met.mutual ?? 0) === 1 ? "was" : "were"} asked for by both people, ${met.one_sided ?? 0} by one of the two and ${met.suggested ?? 0} suggested from the profiles.`
    : `Nobody asked for a particular meeting: all ${plural(total, "meeting")} are suggested from the profiles.`);
  const places = (doc.slots ?? []).length * (Number(doc.tables) || 0);
  if (places) {
    sentences.push(`${plural(total, "meeting")} fill ${Math.round((100 * total) / places)} % of the ${places} places (${plural((doc.slots ?? []).length, "time slot")} × ${plural(Number(doc.tables), "table")}).`);
  }
  const manual = (doc.meetings ?? []).filter((m) => m.manual).length;
  if (manual) sentences.push(`${manual === 1 ? "1 meeting was" : `${manual} meetings were`} placed by hand; a re-plan keeps them.`);
  return { sentences, requests };
}

/** The solver's figures (bounds, gap, its own statistics) behind a "details" toggle. */
function technicalDetails(doc) {
  const f = doc.figures ?? {};
  const rows = [
    ["Solver status", String(doc.status ?? "–")],
    ["Total score (objective)", number(doc.objective, 3)],
    ["Upper bound of the total score", number(doc.bound, 3)],
    ["Gap to the bound", doc.gap === null || doc.gap === undefined ? "–" : `at most ${number(doc.gap * 100, 1)} %`],
    ["Share of the bound reached", f.share_of_bound === null || f.share_of_bound === undefined ? "–" : `${number(f.share_of_bound * 100, 1)} %`],
  ];
  const bound = f.fairness?.bound ?? f.fairness_bound ?? doc.stats?.fairness_bound;
  if (bound !== undefined && bound !== null) rows.push(["Upper bound of the fewest meetings per person", String(bound)]);
  for (const [key, value] of Object.entries(doc.stats ?? {})) {
    if (["string", "number", "boolean"].includes(typeof value)) rows.push([key.replaceAll("_", " "), typeof value === "number" ? number(value, 3) : String(value)]);
  }
  return h("details", { class: "more technical" },
    h("summary", {}, "Technical details: bounds and gaps"),
    h("p", { class: "hint" }, "The upper bound is a total score no schedule can pass; the gap says how far this schedule may be from the best one at most. A gap of 0 proves it is the best."),
    h("dl", { class: "tech-facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    doc.message ? h("p", {}, doc.message) : null);
}

export function meetingsPanel(state) {
  const element = h("div", { class: "stack" });
  const setup = h("section", { class: "panel", "aria-labelledby": "slots-title" });
  const runSection = h("section", { class: "panel", "aria-labelledby": "schedule-run-title" });
  const results = h("section", { class: "panel", "aria-labelledby": "schedule-title" });
  element.append(setup, runSection, results);
  let dirty = false;
  let schedule = null;

  // --- slots and tables ----------------------------------------------------------------------
  function buildSetup(note) {
    const ev = state.event ?? {};
    dirty = false;
    const tbody = h("tbody");
    const addSlotRow = (slot, focus) => {
      const index = tbody.children.length + 1;
      const s = splitTime(slot.start);
      const e = splitTime(slot.end);
      const start = h("input", { type: "datetime-local", name: "slot-start", required: true, value: s.local, "aria-label": `Start of slot ${index}` });
      const end = h("input", { type: "datetime-local", name: "slot-end", required: true, value: e.local, "aria-label": `End of slot ${index}` });
      const remove = h("button", { type: "button", class: "secondary small", "aria-label": `Remove slot ${index}` }, "Remove");
      const row = h("tr", {}, h("td", {}, start), h("td", {}, end), h("td", {}, remove));
      row.extra = { ...slot, zone: s.zone || e.zone };
      remove.addEventListener("click", () => {
        const next = row.nextElementSibling ?? row.previousElementSibling;
        row.remove();
        dirty = true;
        (next?.querySelector("input") ?? first).focus();
      });
      tbody.append(row);
      if (focus) start.focus();
    };
    for (const slot of ev.slots ?? []) addSlotRow(slot, false);
    const empty = h("p", { class: "hint" }, "No time slots yet: add a series below, then save.");
    const updateEmpty = () => {
      empty.hidden = tbody.children.length > 0;
    };
    new MutationObserver(updateEmpty).observe(tbody, { childList: true });
    updateEmpty();

    const first = h("input", { type: "datetime-local", name: "first-start" });
    const length = h("input", { type: "number", name: "length", min: "5", max: "240", step: "5", value: "20", inputmode: "numeric" });
    const pause = h("input", { type: "number", name: "pause", min: "0", max: "240", step: "5", value: "5", inputmode: "numeric" });
    const count = h("input", { type: "number", name: "count", min: "1", max: "100", step: "1", value: "6", inputmode: "numeric" });
    const genSlot = messageSlot();
    const generate = h("button", { type: "button", class: "secondary" }, "Add these slots");
    generate.addEventListener("click", () => {
      clear(genSlot);
      const n = Number(count.value);
      const len = Number(length.value);
      const gap = Number(pause.value);
      if (!first.value) {
        showMessage(genSlot, "Give the start of the first slot.", "error");
        first.focus();
        return;
      }
      if (!Number.isInteger(n) || n < 1 || !(len > 0) || !(gap >= 0)) {
        showMessage(genSlot, "The number of slots, their length and the pause are whole numbers (length above 0).", "error");
        return;
      }
      let at = first.value.slice(0, 16);
      for (let i = 0; i < n; i += 1) {
        addSlotRow({ start: at, end: addMinutes(at, len) }, false);
        at = addMinutes(at, len + gap);
      }
      dirty = true;
      showMessage(genSlot, `${n} slots added; save to keep them.`, "note");
    });

    const tables = h("input", { type: "number", name: "tables", min: "0", max: "10000", step: "1", required: true, inputmode: "numeric", value: String(ev.tables ?? 0) });
    const rules = ev.rules ?? {};
    const minMeetings = h("input", { type: "number", name: "min_meetings", min: "0", step: "1", inputmode: "numeric", value: String(rules.min_meetings ?? 0) });
    const maxMeetings = h("input", { type: "number", name: "max_meetings", min: "0", step: "1", inputmode: "numeric", value: rules.max_meetings ?? "" });

    // Who wants no meetings (their own "at most" is 0): left out of the schedule and of its
    // fairness figures. Removing someone gives them the event's "at most" again.
    const noMeetings = peopleEditor({
      participants: peopleOf(ev),
      ids: (ev.participants ?? []).filter((p) => p.max_meetings === 0).map((p) => p.id),
      name: "People who want no meetings",
      empty: "Nobody: everyone may have meetings.",
      onChange: () => {
        dirty = true;
      },
    });

    const slot = messageSlot();
    const save = h("button", { type: "submit" }, "Save slots and tables");
    const form = h("form", { class: "stack", novalidate: true },
      h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Time slots" },
        h("table", { class: "slots-table" },
          h("caption", {}, "Time slots"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Start"), h("th", { scope: "col" }, "End"),
            h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Remove")))),
          tbody)),
      empty,
      h("fieldset", {},
        h("legend", {}, "Add a series of slots"),
        h("div", { class: "grid-4" },
          field("First slot starts", first),
          field("Minutes per meeting", length),
          field("Minutes between", pause),
          field("Number of slots", count)),
        h("div", { class: "actions" }, generate),
        genSlot),
      h("div", { class: "grid-3" },
        field("Tables", tables, "Meetings that can run at the same time."),
        field("Meetings per person, at least", minMeetings),
        field("Meetings per person, at most (optional)", maxMeetings)),
      h("fieldset", { class: "no-meetings" },
        h("legend", {}, "People who want no meetings"),
        h("p", { class: "hint" }, "They get no meeting and do not count when the schedule makes sure that everyone has as many meetings as possible."),
        noMeetings.element),
      slot,
      h("div", { class: "actions" }, save),
    );
    form.addEventListener("input", () => {
      dirty = true;
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clear(slot);
      const problems = [];
      const taken = new Set((ev.slots ?? []).map((s) => s.id));
      const slots = [...tbody.children].map((row, i) => {
        const [startEl, endEl] = row.querySelectorAll("input");
        if (!startEl.value || !endEl.value) problems.push({ row: i + 1, column: "Start/End", value: "", message: "Give the start and the end." });
        else if (endEl.value <= startEl.value) problems.push({ row: i + 1, column: "End", value: endEl.value.replace("T", " "), message: "The slot must end after it starts." });
        let id = row.extra.id;
        if (!id) {
          let n = i + 1;
          while (taken.has(`S${n}`)) n += 1;
          id = `S${n}`;
          taken.add(id);
        }
        const { zone, ...rest } = row.extra;
        return { ...rest, id, start: `${startEl.value.slice(0, 16)}:00${zone}`, end: `${endEl.value.slice(0, 16)}:00${zone}` };
      });
      const t = Number(tables.value);
      if (!Number.isInteger(t) || t < 0) problems.push({ column: "Tables", value: tables.value, message: "A whole number, 0 or more." });
      const minM = Number(minMeetings.value || 0);
      const maxM = maxMeetings.value === "" ? null : Number(maxMeetings.value);
      if (!Number.isInteger(minM) || minM < 0) problems.push({ column: "At least", value: minMeetings.value, message: "A whole number, 0 or more." });
      if (maxM !== null && (!Number.isInteger(maxM) || maxM < minM)) problems.push({ column: "At most", value: maxMeetings.value, message: "A whole number, not below the least, or empty." });
      if (problems.length) {
        showError(slot, Object.assign(new Error("Some values need fixing before saving."), { name: "ApiError", problems }));
        return;
      }
      const none = new Set(noMeetings.value());
      const participants = (ev.participants ?? []).map((p) => {
        if (none.has(p.id)) return { ...p, max_meetings: 0, ...(p.min_meetings ? { min_meetings: null } : {}) };
        return p.max_meetings === 0 ? { ...p, max_meetings: null } : p;
      });
      const doc = { ...eventDocument(state.event), slots, tables: t, participants, rules: { ...(ev.rules ?? {}), min_meetings: minM, max_meetings: maxM } };
      await busy(save, async () => {
        try {
          const answer = await sendJson("PUT", state.path, { json: doc, ifMatch: state.etag });
          if (answer.data?.id) state.set(answer.data, answer.etag);
          else await state.reload();
          buildSetup({ text: "Saved. Plan the meetings below.", kind: "success" });
        } catch (error) {
          if (error.isConflict) {
            showError(slot, error, h("button", {
              type: "button", class: "secondary",
              onclick: async () => {
                try {
                  await state.reload();
                  buildSetup({ text: "Reloaded with the latest version; make your change again.", kind: "note" });
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
    fill(setup, h("h2", { id: "slots-title" }, "Time slots and tables"),
      h("p", { class: "hint" }, "Each slot is one round of 1:1 meetings; each table holds one meeting per slot."),
      form);
    if (note) {
      showMessage(slot, note.text, note.kind);
      announce(note.text);
    }
  }

  // --- running -------------------------------------------------------------------------------
  const seed = h("input", { type: "number", name: "seed", min: "0", step: "1", inputmode: "numeric" });
  const preset = presetSelect("The service's default");
  addLearnedScorers(preset);
  const runButton = h("button", { type: "submit", id: "run-schedule" }, "Plan the meetings");
  const replanButton = h("button", { type: "button", class: "secondary", "aria-describedby": "schedule-replan-hint" }, "Re-plan, keeping the published meetings");
  const replanHint = h("p", { class: "hint", id: "schedule-replan-hint" }, "After late registrations or cancellations: every meeting whose two people are still there keeps its time and table; the free places are planned again.");
  replanButton.hidden = true;
  replanHint.hidden = true;
  const progress = progressBar("Schedule progress");
  const runSlot = messageSlot();
  const runForm = h("form", { class: "stack", novalidate: true },
    h("div", { class: "grid-2" },
      field("What makes a meeting worth having", preset, "How pairs are scored when nobody asked for a meeting."),
      field("Seed (optional)", seed, "The same seed and the same event give the same schedule.")),
    h("div", { class: "actions" }, runButton, replanButton), replanHint, progress.element, runSlot);
  const noSlots = h("p", { class: "message note" }, "Add time slots and tables above, and save them, before planning the meetings.");
  add(runSection, h("h2", { id: "schedule-run-title" }, "Plan the 1:1 meetings"), noSlots, runForm);
  const updateNote = () => {
    noSlots.hidden = (state.event?.slots ?? []).length > 0 && Number(state.event?.tables) > 0;
  };
  state.onChange(updateNote);
  let running = false;

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
    if (dirty) {
      showMessage(runSlot, "Save the slots and tables first: the schedule uses what is saved.", "error");
      return null;
    }
    return body;
  }

  async function start(button, path, what, withPreset) {
    clear(runSlot);
    const body = settings();
    if (body === null || running) return;
    if (withPreset) Object.assign(body, chooseScorer(preset));
    running = true;
    await busy(button, async () => {
      progress.start();
      announce(`The ${what} is running.`);
      try {
        const answer = await sendJson("POST", path, { json: body });
        await followJob(jobPath(answer), (j) => progress.update(j));
        await loadSchedule();  // the agendas first: "Done" says they are below
        progress.done("Done: the agendas are below.");
        announce(`The ${what} is done; the agendas are shown below.`);
      } catch (error) {
        progress.fail(`The ${what} did not finish.`);
        showError(runSlot, error);
      } finally {
        running = false;
      }
    });
  }

  runForm.addEventListener("submit", (event) => {
    event.preventDefault();
    start(runButton, `${state.path}/schedule`, "schedule", true);
  });
  replanButton.addEventListener("click", () => start(replanButton, `${state.path}/schedule/replan`, "re-plan", false));

  // --- the schedule --------------------------------------------------------------------------
  let shownAgenda = null;  // the participant whose agenda is open, kept across changes

  /** Show `doc` (a new version after a change by hand) and put the focus where it was. */
  function showSchedule(doc, note) {
    schedule = doc;
    fill(results, h("h2", { id: "schedule-title" }, "The schedule"));
    const grid = renderSchedule(note);
    if (note && grid) grid.focus(note.focus);
  }

  // Out of date after a change of the participants or settings: stale.js.
  const stale = staleWarning(state, "schedule", { run: () => runForm.requestSubmit() });
  results.before(stale.element);
  async function loadSchedule() {
    fill(results, h("h2", { id: "schedule-title" }, "The schedule"));
    try {
      const { data } = await getJson(`${state.path}/schedule`);
      stale.update(data);
      replanButton.hidden = false;
      replanHint.hidden = false;
      showSchedule(data, null);
    } catch (error) {
      schedule = null;
      replanButton.hidden = true;
      replanHint.hidden = true;
      if (error.status === 404) results.append(h("p", {}, "No schedule yet. Add time slots and tables, then plan the meetings."));
      else {
        const slot = messageSlot();
        results.append(slot);
        showError(slot, error);
      }
    }
  }

  function renderSchedule(note) {
    const doc = schedule;
    const agendas = new Map((doc.agendas ?? []).map((a) => [String(a.participant), a]));
    const meetings = doc.meetings ?? [];
    const f = doc.figures ?? {};
    const perPerson = f.meetings_per_participant ?? {};
    const met = f.requests_met ?? {};
    const words = scheduleWords(doc, state.event);
    const facts = [
      ["Meetings", String(f.meetings ?? meetings.length)],
      ["Participants", String(f.participants ?? agendas.size)],
      ["Meetings per person", perPerson.max === undefined || perPerson.max === null ? "–" : `${perPerson.min} to ${perPerson.max}; half have ${number(perPerson.median, 1)} or more`],
      ["Without a meeting", f.without_meeting ? plural(f.without_meeting, "participant") : "nobody"],
      ["Requests met", words.requests],
      ["Result", doc.status === "optimal" ? "the best possible" : doc.status === "feasible" ? "good; a better one may exist (see the details)" : (doc.status ?? "–")],
    ];
    if (doc.changes) {
      const c = doc.changes;
      facts.push(["Changes of the re-plan", `${c.kept?.length ?? 0} kept, ${c.cancelled?.length ?? 0} cancelled, ${c.added?.length ?? 0} added`]);
    }
    const counts = (doc.agendas ?? []).map((a) => a.meetings.length);
    const grid = meetingGrid(doc, {
      base: `${state.path}/schedule`,
      onUpdate: (data, _etag, change) => showSchedule(data, change),
      onReload: () => loadSchedule(),
    });
    const dlSlot = messageSlot();
    const dl = (label, path, name) => h("button", {
      type: "button", class: "secondary",
      onclick: async (event) => {
        clear(dlSlot);
        await busy(event.currentTarget, async () => {
          try {
            announce(`Downloaded ${await download(path, name)}.`);
          } catch (error) {
            showError(dlSlot, error);
          }
        });
      },
    }, label);
    const base = `${state.path}/schedule`;

    const count = (a) => a.meetings.filter((m) => (m.status ?? "meeting") === "meeting").length;
    const label = (a) => {
      const who = a.person ? `${a.person} (${a.participant})` : a.participant;
      return a.organisation_name ? `${who}, ${a.organisation_name}` : who;
    };
    const select = h("select", { name: "participant" },
      [...agendas.values()].map((a) => h("option", { value: a.participant },
        `${label(a)}: ${count(a)} ${count(a) === 1 ? "meeting" : "meetings"}`)));
    if (shownAgenda && agendas.has(shownAgenda)) select.value = shownAgenda;
    const agendaBox = h("div", { class: "agenda", "aria-live": "polite" });
    const showAgenda = () => {
      const me = agendas.get(select.value);
      if (!me) return;
      shownAgenda = me.participant;
      const icsSlot = messageSlot();
      const rows = me.meetings.filter((m) => (m.status ?? "meeting") === "meeting").map((m) => {
        const partnerId = String(m.partner_id ?? m.partner ?? "");
        const partner = agendas.get(partnerId) ?? {};
        const person = m.partner_person ?? partner.person ?? (m.partner !== partnerId ? m.partner : null);
        const why = meetings[m.meeting]?.why?.[me.participant] ?? "";
        return [
          `${wallLabel(m.start)}–${splitTime(m.end).local.slice(11)}`,
          String(m.table).startsWith("Table") ? String(m.table) : `Table ${m.table}`,
          person ? `${person} (${partnerId})` : partnerId,
          m.organisation ?? m.partner_organisation_name ?? partner.organisation_name ?? "",
          countryLabel(m.country ?? partner.country),
          typeLabel(m.type ?? partner.type),
          why ? h("details", { class: "why" }, h("summary", {}, m.request === "mutual" ? "Asked by both" : m.request === "one-sided" ? "Asked by one" : "Suggested"), h("p", {}, why)) : "",
        ];
      });
      fill(agendaBox,
        rows.length
          ? table(["Time", "Table", "Meets", "Organisation", "Country", "Type", "Why"], rows,
            { caption: `Agenda of ${label(me)}`, class: "agenda-table" })
          : h("p", {}, `${label(me)} has no meetings in this schedule.`),
        h("div", { class: "actions" },
          h("button", {
            type: "button", class: "secondary",
            onclick: async (event) => {
              clear(icsSlot);
              await busy(event.currentTarget, async () => {
                try {
                  const path = `${base}/ics/${encode(me.participant)}.ics`;
                  announce(`Downloaded ${await download(path, `${me.participant}.ics`)}.`);
                } catch (error) {
                  showError(icsSlot, error);
                }
              });
            },
          }, `Calendar of ${me.person || me.participant} (ICS)`)),
        icsSlot,
      );
    };
    select.addEventListener("change", showAgenda);

    add(results,
      h("div", { class: "schedule-words" }, words.sentences.map((text) => h("p", {}, text))),
      h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      technicalDetails(doc),
      h("div", { class: "chart-row" },
        barChart(histogramCounts(counts), {
          title: "Meetings per participant", xLabel: "Meetings", yLabel: "Participants", name: "meetings-per-participant",
        }),
        barChart([
          { label: "Both asked", value: met.mutual ?? 0 },
          { label: "One asked", value: met.one_sided ?? 0 },
          { label: "Suggested", value: met.suggested ?? 0 },
        ], { title: "Who asked for the meetings", xLabel: "Request", yLabel: "Meetings", name: "requests-met" })),
      grid.element,
      h("div", { class: "actions downloads" },
        h("span", { class: "label" }, "Download:"),
        dl("Agendas (CSV)", `${base}/agendas.csv`, `${state.id}-agendas.csv`),
        dl("Agendas (XLSX)", `${base}/agendas.xlsx`, `${state.id}-agendas.xlsx`),
        dl("Every agenda, to print (HTML)", `${base}/agendas.html`, `${state.id}-agendas.html`),
        dl("Grid (CSV)", `${base}/grid.csv`, `${state.id}-grid.csv`),
        dl("Grid (XLSX)", `${base}/grid.xlsx`, `${state.id}-grid.xlsx`),
        dl("Every calendar (ZIP of ICS)", `${base}/ics.zip`, `${state.id}-calendars.zip`)),
      dlSlot,
      h("h3", {}, "One participant's agenda"),
      field("Participant", select),
      agendaBox,
    );
    if (agendas.size) showAgenda();
    // Find a participant's agenda by name or organisation: person-picker.js.
    select.closest(".field").before(pickerForSelect(select, [...agendas.values()].map((a) => ({ id: a.participant, person: a.person || a.participant, organisation_name: a.organisation_name ?? "" })), "Find a participant"));
    return grid;
  }

  return {
    element,
    show() {
      updateNote();
      if (!dirty) buildSetup();
      loadSchedule();
    },
  };
}
