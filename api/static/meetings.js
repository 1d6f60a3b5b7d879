// Meetings: time slots and tables for 1:1 meetings, running the schedule, each participant's
// agenda, and the downloads (agendas, the organiser's grid, ICS calendars).

import { download, encode, followJob, getJson, jobPath, sendJson } from "./api.js";
import {
  announce, busy, clear, countryLabel, field, h, messageSlot, newId, number, progressBar,
  showError, showMessage, table, typeLabel,
} from "./dom.js";
import { eventDocument } from "./event-doc.js";

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

export function meetingsPanel(state) {
  const element = h("div", { class: "stack" });
  const setup = h("section", { class: "panel", "aria-labelledby": "slots-title" });
  const runSection = h("section", { class: "panel", "aria-labelledby": "schedule-run-title" });
  const results = h("section", { class: "panel", "aria-labelledby": "schedule-title" });
  element.append(setup, runSection, results);
  let dirty = false;
  let schedule = null;

  // --- slots and tables ----------------------------------------------------------------------
  function buildSetup() {
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

    const slot = messageSlot();
    const save = h("button", { type: "submit" }, "Save slots and tables");
    const form = h("form", { class: "stack", novalidate: true },
      h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Time slots" },
        h("table", { class: "slots-table" },
          h("caption", {}, "Time slots"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Start"), h("th", { scope: "col" }, "End"),
            h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Remove")))),
          tbody)),
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
      const doc = { ...eventDocument(state.event), slots, tables: t, rules: { ...(ev.rules ?? {}), min_meetings: minM, max_meetings: maxM } };
      await busy(save, async () => {
        try {
          const answer = await sendJson("PUT", state.path, { json: doc, ifMatch: state.etag });
          if (answer.data?.id) state.set(answer.data, answer.etag);
          else await state.reload();
          buildSetup();
          showMessage(setup.querySelector("form > .message-slot:last-of-type") ?? slot, "Saved.", "success");
          announce("Slots and tables saved.");
        } catch (error) {
          if (error.isConflict) {
            showError(slot, error, h("button", {
              type: "button", class: "secondary",
              onclick: async () => {
                try {
                  await state.reload();
                  buildSetup();
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
    clear(setup).append(h("h2", { id: "slots-title" }, "Time slots and tables"),
      h("p", { class: "hint" }, "Each slot is one round of 1:1 meetings; each table holds one meeting per slot."),
      form);
  }

  // --- running -------------------------------------------------------------------------------
  const seed = h("input", { type: "number", name: "seed", min: "0", step: "1", inputmode: "numeric" });
  const runButton = h("button", { type: "submit", id: "run-schedule" }, "Plan the meetings");
  const progress = progressBar("Schedule progress");
  const runSlot = messageSlot();
  const runForm = h("form", { class: "stack", novalidate: true },
    field("Seed (optional)", seed, "The same seed and the same event give the same schedule."),
    h("div", { class: "actions" }, runButton), progress.element, runSlot);
  runSection.append(h("h2", { id: "schedule-run-title" }, "Plan the 1:1 meetings"), runForm);
  let running = false;
  runForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (running) return;
    clear(runSlot);
    const body = {};
    if (seed.value !== "") {
      const s = Number(seed.value);
      if (!Number.isInteger(s) || s < 0) {
        showMessage(runSlot, "The seed is a whole number, 0 or more, or empty.", "error");
        return;
      }
      body.seed = s;
    }
    if (dirty) {
      showMessage(runSlot, "Save the slots and tables first: the schedule uses what is saved.", "error");
      return;
    }
    running = true;
    await busy(runButton, async () => {
      progress.start();
      announce("The schedule is being planned.");
      try {
        const answer = await sendJson("POST", `${state.path}/schedule`, { json: body });
        await followJob(jobPath(answer), (j) => progress.update(j));
        progress.done("Done: the agendas are below.");
        await loadSchedule();
        announce("The schedule is ready; the agendas are shown below.");
      } catch (error) {
        progress.fail("The schedule was not made.");
        showError(runSlot, error);
      } finally {
        running = false;
      }
    });
  });

  // --- the schedule --------------------------------------------------------------------------
  async function loadSchedule() {
    clear(results).append(h("h2", { id: "schedule-title" }, "Agendas"));
    try {
      const { data } = await getJson(`${state.path}/schedule`);
      schedule = data;
      renderSchedule();
    } catch (error) {
      schedule = null;
      if (error.status === 404) results.append(h("p", {}, "No schedule yet. Add time slots and tables, then plan the meetings."));
      else {
        const slot = messageSlot();
        results.append(slot);
        showError(slot, error);
      }
    }
  }

  function agendasOf(doc) {
    const raw = doc.agendas ?? {};
    const list = Array.isArray(raw)
      ? raw.map((a) => [a.participant ?? a.id, a])
      : Object.entries(raw).map(([id, a]) => [id, a]);
    return new Map(list.map(([id, a]) => [String(id), Array.isArray(a) ? { meetings: a } : a]));
  }

  function renderSchedule() {
    const doc = schedule;
    const agendas = agendasOf(doc);
    const meetings = doc.meetings ?? [];
    const figures = doc.figures ?? {};
    const facts = [
      ["Meetings", String(figures.meetings ?? meetings.length)],
      ["Result", doc.status === "optimal" ? "best possible" : (doc.status ?? "–")],
      ["Gap to the best possible", doc.gap === undefined || doc.gap === null ? "–" : `at most ${number(doc.gap * 100, 1)} %`],
    ];
    for (const [k, v] of Object.entries(figures)) {
      if (k === "meetings" || typeof v === "object") continue;
      facts.push([k.replace(/_/g, " "), typeof v === "number" ? number(v) : String(v)]);
    }
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

    const participants = state.event?.participants ?? [];
    const ids = agendas.size ? [...agendas.keys()] : participants.map((p) => p.id);
    const select = h("select", { name: "participant" },
      ids.map((id) => h("option", { value: id }, participantLabel(id))));
    const agendaBox = h("div", { class: "agenda" });
    const showAgenda = () => {
      const id = select.value;
      const agenda = agendas.get(id);
      const rows = (agenda?.meetings ?? agenda?.rows ?? agenda?.items ?? []).filter((r) => (r.status ?? "meeting") === "meeting");
      const icsSlot = messageSlot();
      clear(agendaBox).append(
        rows.length
          ? table(["Time", "Table", "Meets", "Organisation", "Country", "Type"], rows.map((r) => [
            `${wallLabel(r.start)}–${splitTime(r.end).local.slice(11) || ""}`,
            String(r.table ?? ""),
            r.partner ?? r.partner_id ?? "",
            r.organisation ?? r.partner_organisation ?? "",
            countryLabel(r.country),
            typeLabel(r.type),
          ]), { caption: `Agenda of ${participantLabel(id)}`, class: "agenda-table" })
          : h("p", {}, `${participantLabel(id)} has no meetings in this schedule.`),
        h("div", { class: "actions" },
          h("button", {
            type: "button", class: "secondary",
            onclick: async (event) => {
              clear(icsSlot);
              await busy(event.currentTarget, async () => {
                try {
                  announce(`Downloaded ${await download(`${base}/ics/${encode(id)}.ics`, `${id}.ics`)}.`);
                } catch (error) {
                  showError(icsSlot, error);
                }
              });
            },
          }, `Calendar of ${participantLabel(id)} (ICS)`)),
        icsSlot,
      );
    };
    select.addEventListener("change", showAgenda);

    results.append(
      h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      doc.message ? h("p", {}, doc.message) : null,
      h("div", { class: "actions downloads" },
        h("span", { class: "label" }, "Download:"),
        dl("Agendas (CSV)", `${base}/agendas.csv`, `${state.id}-agendas.csv`),
        dl("Agendas (XLSX)", `${base}/agendas.xlsx`, `${state.id}-agendas.xlsx`),
        dl("Grid (CSV)", `${base}/grid.csv`, `${state.id}-grid.csv`),
        dl("Grid (XLSX)", `${base}/grid.xlsx`, `${state.id}-grid.xlsx`),
        dl("Every calendar (ZIP of ICS)", `${base}/ics.zip`, `${state.id}-calendars.zip`)),
      dlSlot,
      h("h3", {}, "One participant's agenda"),
      field("Participant", select),
      agendaBox,
    );
    if (ids.length) showAgenda();
  }

  function participantLabel(id) {
    const p = (state.event?.participants ?? []).find((x) => x.id === id);
    const org = (state.event?.organisations ?? []).find((o) => o.id === p?.organisation);
    const who = p?.person ? `${p.person} (${id})` : id;
    return org ? `${who}, ${org.name}` : who;
  }

  void newId;
  return {
    element,
    show() {
      if (!dirty) buildSetup();
      loadSchedule();
    },
  };
}
