// Participants: import a registration list in three steps (choose the file; match its columns
// to the fields; check the rows, map the values the service cannot place, import), and the list
// of participants with their organisations.

import { download, getJson, request } from "./api.js";
import {
  add, busy, clear, countryLabel, field, fill, h, messageSlot, newId, ORG_TYPES, problemsTable,
  showError, showMessage, typeLabel,
} from "./dom.js";

/** Problems about a value the service cannot place, and the field its value mapping fills. */
const VALUE_FIELDS = [
  ["not one the product can place", "type"],
  ["not a country the product can place", "country"],
  ["not a language the product can place", "languages"],
];
/** Fields that several columns may fill (their cells are joined); any other field is one column's. */
const MULTI_FIELDS = new Set([
  "offers", "needs", "areas", "description", "languages", "sectors", "sectors_nace21",
  "s3_priorities", "projects", "availability", "wishes", "extra", "ignore",
]);
const LOW_CONFIDENCE = 0.7;
const SAMPLES_SHOWN = 3;
/** Row-by-row problems are shown open up to this many (the groups above say the rest). */
const ROWS_OPEN = 20;

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Text on one line, at most `n` characters. */
function short(text, n = 40) {
  const t = String(text ?? "").replace(/\s+/g, " ").trim();
  return t.length > n ? `${t.slice(0, n - 1).trimEnd()}…` : t;
}

function isJsonFile(file) {
  return /\.json$/i.test(file.name) || /json/i.test(file.type ?? "");
}

/** The column a problem names (the service says `field`, a problem document may say `column`). */
function columnOf(p) {
  return p.column ?? p.field ?? "";
}

function valueText(value) {
  if (value === null || value === undefined) return "";
  return Array.isArray(value) ? value.join(", ") : String(value);
}

/** Which value mapping (type, country, languages) can place the value of a problem, if any. */
function valueFieldOf(p) {
  const message = String(p.message ?? "");
  const hit = VALUE_FIELDS.find(([words]) => message.includes(words));
  return hit && valueText(p.value) ? hit[1] : null;
}

/** Problems with the same column, value and message together, in the order first met. */
function groupProblems(problems) {
  const groups = new Map();
  for (const p of problems) {
    const key = JSON.stringify([columnOf(p), valueText(p.value), p.message ?? ""]);
    let g = groups.get(key);
    if (!g) {
      g = { column: columnOf(p), value: valueText(p.value), message: p.message ?? "", rows: [], field: valueFieldOf(p) };
      groups.set(key, g);
    }
    if (p.row !== null && p.row !== undefined && !g.rows.includes(p.row)) g.rows.push(p.row);
  }
  return [...groups.values()];
}

function sentence(text) {
  const t = String(text ?? "").trim();
  if (!t) return "";
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

/** A CSV cell: quoted when needed; a formula-like start (= + - @) neutralised by an apostrophe. */
function csvCell(value) {
  let text = valueText(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Hand a text to the browser as a file. */
function saveText(text, name, type = "text/csv;charset=utf-8") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: name });
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A table in a scroll box; `rows` are arrays of cells, the first one the row's header. */
function scrollTable(caption, cls, headers, rows) {
  const t = h("table", { class: cls },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((title) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, rows.map(({ cells, attrs }) => h("tr", attrs ?? {},
      cells.map((cell, k) => (k === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell)))))));
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption }, t);
}

export function participantsPanel(state) {
  // --- step 1: the file ----------------------------------------------------------------------
  const file = h("input", {
    name: "file", type: "file", required: true,
    accept: ".csv,.xlsx,.json,text/csv,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  });
  const submit = h("button", { type: "submit" }, "Upload and check");
  const templateSlot = messageSlot();
  const templates = h("div", { class: "actions downloads" },
    h("p", { class: "label" }, "A sheet to fill in:"),
    h("button", { type: "button", class: "secondary small", onclick: (e) => template(e, "csv") },
      "Download the template (CSV)"),
    h("button", { type: "button", class: "secondary small", onclick: (e) => template(e, "xlsx") },
      "Download the template (XLSX)"));
  const form = h("form", { class: "stack", novalidate: true, "aria-labelledby": "upload-title" },
    field("Registration list (CSV, XLSX or JSON)", file,
      "A registration platform's export (b2match, Brella, a form…) or a sheet of your own, one row per participant. You match its columns to the fields next, then check the rows before anything is imported. An import replaces the event's participants."),
    templates, templateSlot,
    h("div", { class: "actions" }, submit),
  );

  // --- steps 2 and 3, and the result: one area with a heading, a live line and an error slot ---
  const stepTitle = h("h3", { tabindex: "-1", id: newId("import-step") });
  const stepStatus = h("div", { class: "step-status", role: "status", "aria-live": "polite" });
  const stepBody = h("div", { class: "stack" });
  const stepError = messageSlot();
  const report = h("div", { id: "upload-report", class: "import-steps stack", "aria-labelledby": stepTitle.id },
    stepTitle, stepStatus, stepBody, stepError);
  report.hidden = true;

  const filter = h("input", { type: "search", name: "filter", autocomplete: "off" });
  const filterField = field("Find a participant", filter, "By name, organisation, country, type, e-mail or another field.");
  const count = h("p", { class: "meta", "aria-live": "polite" });
  const listSlot = h("div", {}, h("p", { class: "hint" }, "Loading the participants…"));
  let participants = [];

  // The list as a registration sheet (it reads back as it was imported).
  const listDownloadSlot = messageSlot();
  const listDownloads = h("div", { class: "actions downloads" },
    h("button", { type: "button", class: "secondary small", onclick: (e) => exportList(e, "csv") },
      "Download the participants (CSV)"),
    h("button", { type: "button", class: "secondary small", onclick: (e) => exportList(e, "xlsx") },
      "Download the participants (XLSX)"));
  listDownloads.hidden = true;

  const element = h("div", { class: "stack" },
    h("section", { class: "panel" }, h("h2", { id: "upload-title" }, "Upload participants"), form, report),
    h("section", { class: "panel" },
      h("h2", {}, "Participants"),
      filterField, count, listDownloads, listDownloadSlot, listSlot),
  );

  // The import under way: the file, the columns as proposed and chosen, the value mapping.
  let flow = null;
  let turn = 0; // answers to an older request than the last are dropped

  function showStep(title, { focus = true } = {}) {
    report.hidden = false;
    stepTitle.textContent = title;
    clear(stepBody);
    clear(stepError);
    if (focus) stepTitle.focus();
  }

  function status(text, kind) {
    fill(stepStatus, kind ? h("p", { class: `message ${kind}` }, text) : h("p", { class: "meta" }, text));
  }

  function reset() {
    turn += 1;
    flow = null;
    report.hidden = true;
    clear(stepBody);
    clear(stepStatus);
    clear(stepError);
  }

  async function exportList(event, format) {
    clear(listDownloadSlot);
    await busy(event.currentTarget, async () => {
      try {
        const stem = String(state.event?.id ?? "event");
        await download(`${state.path}/participants.${format}`, `${stem}-participants.${format}`);
      } catch (error) {
        showError(listDownloadSlot, error);
      }
    });
  }

  async function template(event, format) {
    clear(templateSlot);
    await busy(event.currentTarget, async () => {
      try {
        await download(`/api/templates/registrations.${format}`, `registrations-template.${format}`);
      } catch (error) {
        showError(templateSlot, error);
      }
    });
  }

  async function start() {
    clear(templateSlot);
    if (!file.files?.length) {
      reset();
      showMessage(templateSlot, "Choose a file first.", "error");
      file.focus();
      return;
    }
    const chosen = file.files[0];
    flow = { file: chosen, json: isJsonFile(chosen), proposal: null, fields: [], values: {}, sheet: null };
    if (flow.json) {
      await check();
    } else {
      await propose();
    }
  }

  // --- step 2: the columns -------------------------------------------------------------------

  async function propose(sheet) {
    const current = flow;
    const mine = ++turn;
    const body = new FormData();
    body.append("file", current.file, current.file.name);
    if (sheet) body.append("sheet", sheet);
    try {
      const response = await request("POST", `${state.path}/participants/mapping`, { form: body });
      const proposal = await response.json();
      if (mine !== turn) return;
      current.proposal = proposal;
      current.sheet = proposal.sheet ?? null;
      current.fields = (proposal.columns ?? []).map((c) => c.field);
      current.values = mergeValues(proposal.values, current.values);
      renderMapping(current);
    } catch (error) {
      if (mine !== turn) return;
      showStep(`Match the columns of ${current.file.name}`);
      clear(stepStatus);
      showError(stepError, error);
    }
  }

  function mergeValues(...all) {
    const out = {};
    for (const values of all) {
      for (const [name, pairs] of Object.entries(values ?? {})) {
        out[name] = { ...(out[name] ?? {}), ...pairs };
      }
    }
    return out;
  }

  /** The mapping as the service reads it: the sheet, the header row, each column's field, values. */
  function mappingOf(current) {
    const p = current.proposal;
    return {
      sheet: current.sheet ?? p.sheet ?? null,
      header_row: p.header_row ?? 1,
      columns: (p.columns ?? []).map((c, k) => ({ header: c.header, field: current.fields[k] ?? c.field })),
      values: current.values,
    };
  }

  function renderMapping(current, { focus = true } = {}) {
    const p = current.proposal;
    showStep(`Match the columns of ${current.file.name}`, { focus });
    const where = [`Header found in row ${p.header_row ?? 1}`];
    if (p.sheet) where[0] += ` of the sheet “${p.sheet}”`;
    if (p.encoding) where.push(`encoding ${p.encoding}`);
    const rows = Number(p.rows ?? 0);
    status(`${where.join("; ")}. ${plural(rows, "row")} below it. Check what each column holds, then check the rows.`);

    const parts = [];
    if ((p.sheets ?? []).length > 1) {
      const sheetSelect = h("select", { name: "sheet" },
        p.sheets.map((name) => h("option", { value: name, selected: name === p.sheet }, name)));
      sheetSelect.addEventListener("change", async () => {
        await busy(sheetSelect, () => propose(sheetSelect.value));
      });
      parts.push(field("Sheet", sheetSelect, "The workbook has several sheets; the one with the best-known headers is chosen first."));
    }

    const options = p.fields ?? [];
    const selects = [];
    const tableRows = (p.columns ?? []).map((c, k) => {
      const label = c.header || `Column ${k + 1} (no header)`;
      const select = h("select", { name: `column-${k}`, "data-header": c.header },
        options.map((f) => h("option", { value: f.field, selected: f.field === current.fields[k] }, f.label)));
      if (!options.some((f) => f.field === current.fields[k])) {
        select.append(h("option", { value: current.fields[k], selected: true }, c.label ?? current.fields[k]));
      }
      const labelEl = h("label", { for: (select.id = newId("column")), class: "visually-hidden" },
        `Field for the column ${label}`);
      const low = Number(c.confidence) < LOW_CONFIDENCE && c.why !== "as chosen before";
      const note = low
        ? h("p", { class: "guess", id: newId("why") }, h("strong", {}, "Check this: "), sentence(c.why))
        : c.why === "as chosen before"
          ? h("p", { class: "hint", id: newId("why") }, "As chosen before.")
          : null;
      if (note) select.setAttribute("aria-describedby", note.id);
      const clash = h("p", { class: "warning", id: newId("clash") });
      clash.hidden = true;
      select.addEventListener("change", () => {
        current.fields[k] = select.value;
        markClashes();
      });
      selects.push({ select, clash, note, header: label });
      const samples = (c.samples ?? []).slice(0, SAMPLES_SHOWN);
      return {
        attrs: { class: low ? "guess-row" : null, "data-header": c.header },
        cells: [
          label,
          samples.length
            ? h("ul", { class: "samples" }, samples.map((s) => h("li", { title: s.length > 40 ? s : null }, short(s))))
            : h("span", { class: "muted" }, "(empty)"),
          [labelEl, select, note, clash],
        ],
      };
    });

    function markClashes() {
      const first = new Map();
      selects.forEach(({ select, clash, note, header }) => {
        const value = select.value;
        const earlier = first.get(value);
        const shown = !MULTI_FIELDS.has(value) && earlier !== undefined;
        clash.hidden = !shown;
        clash.textContent = shown
          ? `The column ${earlier} is also read as ${select.selectedOptions[0]?.textContent ?? value}; their cells would be joined. Choose another field for one of them.`
          : "";
        select.setAttribute("aria-describedby", [note?.id, shown ? clash.id : null].filter(Boolean).join(" "));
        if (!select.getAttribute("aria-describedby")) select.removeAttribute("aria-describedby");
        if (earlier === undefined) first.set(value, header);
      });
    }
    markClashes();

    const guesses = (p.columns ?? []).filter((c) => Number(c.confidence) < LOW_CONFIDENCE && c.why !== "as chosen before").length;
    parts.push(h("p", { class: "hint" },
      guesses
        ? `${plural(guesses, "column was", "columns were")} guessed: ${guesses === 1 ? "it is" : "they are"} marked “Check this”. `
        : "",
      "“Keep as an extra field” keeps a column's cells as they are, shown with the participant; “Not used” leaves it out."));
    parts.push(scrollTable("Columns of the file", "mapping-table",
      ["Column", "Sample values", "Read as"], tableRows));
    const checkButton = h("button", { type: "button" }, "Check the rows");
    checkButton.addEventListener("click", async () => {
      await busy(checkButton, () => check());
    });
    parts.push(h("div", { class: "actions" }, checkButton,
      h("button", { type: "button", class: "secondary", onclick: chooseAnother }, "Choose another file")));
    add(stepBody, ...parts);
  }

  function chooseAnother() {
    reset();
    file.focus();
  }

  // --- step 3: the rows ----------------------------------------------------------------------

  function uploadBody(current) {
    const body = new FormData();
    body.append("file", current.file, current.file.name);
    if (!current.json && current.proposal) {
      body.append("mapping", JSON.stringify(mappingOf(current)));
      if (current.sheet) body.append("sheet", current.sheet);
    }
    return body;
  }

  async function check() {
    const current = flow;
    const mine = ++turn;
    clear(stepError);
    try {
      const response = await request("POST", `${state.path}/participants?dry_run=true`, {
        form: uploadBody(current), ifMatch: state.etag,
      });
      const text = await response.text();
      const result = text ? JSON.parse(text) : {};
      if (mine !== turn) return;
      current.result = result;
      renderCheck(current, result);
    } catch (error) {
      if (mine !== turn) return;
      if (current.json || !current.proposal) showStep(`Check the rows of ${current.file.name}`);
      showFailure(error, current);
    }
  }

  function showFailure(error, current) {
    if (error.isConflict) {
      showError(stepError, error, reloadButton());
    } else if (error.problems?.length) {
      const n = error.problems.length;
      const unchanged = /nothing/i.test(error.message) ? "" : " Nothing was changed.";
      const fix = current.json
        ? `Fix ${n === 1 ? "this row" : "these rows"} in the file and upload it again.`
        : `Fix ${n === 1 ? "this" : "these"} in the file, or in the columns, and check again.`;
      showError(stepError, Object.assign(error, { message: `${current.file.name}: ${error.message}${unchanged} ${fix}` }));
    } else {
      showError(stepError, error);
    }
  }

  function renderCheck(current, result) {
    showStep(`Check the rows of ${current.file.name}`);
    const problems = Array.isArray(result.problems) ? result.problems : [];
    const warnings = Array.isArray(result.warnings) ? result.warnings : [];
    const rejected = Array.isArray(result.rejected_rows) ? result.rejected_rows.length : 0;
    const n = Number(result.participants ?? 0);
    const orgs = Number(result.organisations ?? 0);
    const would = `${plural(n, "participant")} of ${plural(orgs, "organisation")} would be registered`;
    if (!problems.length) {
      status(`${would}. Nothing is imported until you press Import.`, "note");
    } else {
      const bad = rejected
        ? `${plural(rejected, "row has", "rows have")} problems`
        : `${plural(problems.length, "problem")} to fix`;
      const how = current.json
        ? "fix the file and choose it again"
        : "choose the values below, change the columns or fix the file";
      const partial = n > 0 ? `, or import only the valid rows` : "";
      status(`${would}; ${bad}. Nothing was imported yet: ${how}${partial}.`, "error");
    }

    const parts = [];
    const who = new Map((result.rows_with_problems ?? []).map((r) => [r.row, r]));
    if (problems.length) parts.push(problemSection(current, problems, who));
    if (Array.isArray(result.areas) && result.areas.length) parts.push(areasBlock(result.areas));
    if (warnings.length) parts.push(notesBlock(warnings, "Notes on the file (these rows are imported as they are)"));
    parts.push(changesBlock(result.changes, problems.length ? "If the valid rows are imported" : "Changes"));

    const importButton = h("button", { type: "button", disabled: problems.length > 0 }, "Import");
    importButton.addEventListener("click", () => busy(importButton, () => store(false)));
    const actions = [importButton];
    if (problems.length && n > 0) {
      const partialButton = h("button", { type: "button", class: "secondary" }, "Import the valid rows");
      partialButton.addEventListener("click", () => busy(partialButton, () => store(true)));
      actions.push(partialButton);
    }
    if (!current.json) {
      actions.push(h("button", { type: "button", class: "secondary", onclick: () => renderMapping(current) },
        "Back to the columns"));
    } else {
      actions.push(h("button", { type: "button", class: "secondary", onclick: chooseAnother }, "Choose another file"));
    }
    parts.push(h("div", { class: "actions" }, actions));
    if (problems.length) {
      parts.push(h("p", { class: "hint" },
        n > 0
          ? `Import is possible once no row has a problem; “Import the valid rows” imports the ${plural(n, "participant")} of the rows without one and leaves the others out.`
          : "Import is possible once no row has a problem."));
    }
    add(stepBody, ...parts);
  }

  function problemSection(current, problems, who = new Map()) {
    const groups = groupProblems(problems);
    const controls = [];
    const rows = groups.map((g) => {
      const rowsText = g.rows.length
        ? `${g.rows.length === 1 ? "Row" : `${g.rows.length} rows:`} ${listRows(g.rows, who)}`
        : "The whole file";
      let control = null;
      if (g.field && !current.json) {
        control = valueControl(current, g);
        controls.push(control);
      }
      return {
        attrs: { "data-column": g.column, "data-value": g.value },
        cells: [
          g.value ? `‘${short(g.value, 60)}’ in ${plural(g.rows.length || 1, "row")}` : `${g.column || "File"}: ${plural(g.rows.length || 1, "row")}`,
          g.column,
          sentence(g.message),
          rowsText,
          control ? control.element : "",
        ],
      };
    });
    const headers = ["Value", "Column", "What to fix", "Rows", "Place it as"];
    const grouped = scrollTable(
      `${plural(problems.length, "problem")}, grouped by column and value`, "problem-groups", headers, rows);

    const section = h("div", { class: "stack problems-step" }, grouped);
    if (controls.length) {
      const apply = h("button", { type: "submit" }, "Use these values and check again");
      const valueForm = h("form", { class: "stack", novalidate: true },
        h("p", { class: "hint" }, "Choose how each value above is read; the choice is kept with the event for the next upload."),
        h("div", { class: "actions" }, apply));
      valueForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        let chosen = 0;
        for (const c of controls) {
          const v = c.value();
          if (!v) continue;
          current.values[c.field] = { ...(current.values[c.field] ?? {}), [c.raw]: v };
          chosen += 1;
        }
        if (!chosen) {
          showMessage(stepError, "Choose or type a value for at least one of the values above first.", "error");
          controls[0].focusable.focus();
          return;
        }
        await busy(apply, () => check());
      });
      // The controls sit in the table; the form gathers them by their `form` attribute.
      valueForm.id = newId("values-form");
      for (const c of controls) c.focusable.setAttribute("form", valueForm.id);
      section.append(valueForm);
    }

    const byRow = h("details", { class: "more", open: problems.length <= ROWS_OPEN },
      h("summary", {}, `Row by row (${plural(problems.length, "problem")})`),
      problemsTable(problems, "Rows to fix"));
    const csv = h("button", { type: "button", class: "secondary small" }, "Download the problems (CSV)");
    csv.addEventListener("click", () => saveProblems(current.file.name, problems));
    section.append(byRow, h("div", { class: "actions" }, csv));
    return section;
  }

  /** Row numbers, each with its person and organisation where the file names them. */
  function listRows(rows, who = new Map()) {
    const named = (n) => {
      const w = who.get(n);
      const names = w ? [w.person, w.organisation].filter(Boolean).join(", ") : "";
      return names ? `${n} (${short(names, 60)})` : String(n);
    };
    const limit = who.size ? 12 : 40;
    const shown = rows.slice(0, limit).map(named).join("; ");
    return rows.length > limit ? `${shown} and ${rows.length - limit} more` : shown;
  }

  /** How the free-text areas were read: a label by meaning with its similarity, or an own term. */
  function areasBlock(areas) {
    const own = areas.filter((a) => a.own).length;
    const rows = areas.map((a) => ({
      cells: [a.term, a.read_as, a.own ? "–" : `${Math.round(Number(a.confidence) * 100)} %`],
    }));
    return h("details", { class: "areas-read" },
      h("summary", {}, `How the ${plural(areas.length, "area")} of activity were read (${own} kept as the event's own terms)`),
      h("p", { class: "hint" },
        "Each area is compared by meaning with the S3 and NACE labels; one close enough takes the label's code, the others stay the event's own terms and count when two organisations share one."),
      scrollTable("Areas of activity", "areas", ["Area as written", "Read as", "Similarity"], rows));
  }

  /** A select of the types, or a text box for a country or language code, for one value. */
  function valueControl(current, g) {
    const raw = g.value;
    const now = current.values[g.field]?.[raw] ?? "";
    let input;
    let label;
    let hint = null;
    if (g.field === "type") {
      label = `Organisation type for ‘${raw}’`;
      input = h("select", { name: "value-type" },
        h("option", { value: "" }, "Choose a type…"),
        ORG_TYPES.map((t) => h("option", { value: t, selected: t === now }, typeLabel(t))));
    } else {
      const what = g.field === "country" ? "Country code" : "Language code";
      label = `${what} for ‘${raw}’`;
      hint = g.field === "country" ? "Two letters, e.g. NL, or a country's name." : "ISO 639-1, e.g. en, or a language's name.";
      input = h("input", {
        type: "text", name: `value-${g.field}`, value: now, autocomplete: "off", spellcheck: "false",
        maxlength: "60", size: "8",
      });
    }
    const element = field(label, input, hint);
    element.classList.add("value-choice");
    return {
      element,
      field: g.field,
      raw,
      focusable: input,
      value: () => input.value.trim(),
    };
  }

  function saveProblems(name, problems) {
    const lines = [["row", "column", "value", "message"].join(",")];
    for (const p of problems) {
      lines.push([p.row ?? "", columnOf(p), valueText(p.value), p.message ?? ""].map(csvCell).join(","));
    }
    const base = name.replace(/\.[^.]+$/, "") || "registrations";
    saveText(`\ufeff${lines.join("\r\n")}\r\n`, `${base}-problems.csv`);
  }

  function notesBlock(notes, title) {
    return h("div", { class: "message note notes" },
      h("p", { class: "label" }, title),
      h("ul", {}, notes.map((p) => h("li", {},
        [p.row !== null && p.row !== undefined ? `Row ${p.row}` : null, columnOf(p) || null].filter(Boolean).join(", "),
        p.row !== null && p.row !== undefined || columnOf(p) ? ": " : "",
        sentence(p.message ?? "")))));
  }

  function changesBlock(changes, title = "Changes") {
    const added = changes?.added ?? [];
    const changed = changes?.changed ?? [];
    const removed = changes?.removed ?? [];
    const line = `${title}: ${added.length} added, ${changed.length} changed, ${removed.length} removed.`;
    const who = (c) => [c.person || c.id, c.organisation].filter(Boolean).join(", ") + (c.person ? ` (${c.id})` : "");
    const list = (title, items, more) => (items.length
      ? [h("h4", {}, `${title} (${items.length})`), h("ul", { class: "changes-list" }, items.map((c) => h("li", {}, who(c), more ? more(c) : null)))]
      : null);
    return h("div", { class: "changes" },
      h("p", { class: "changes-line" }, line),
      added.length + changed.length + removed.length
        ? h("details", { class: "more" },
          h("summary", {}, "Who is added, changed and removed"),
          list("Added", added),
          list("Changed", changed, (c) => (c.fields?.length ? `: ${c.fields.join(", ")}` : "")),
          list("Removed", removed))
        : null);
  }

  // --- storing ---------------------------------------------------------------------------------

  async function store(partial) {
    const current = flow;
    const mine = ++turn;
    clear(stepError);
    try {
      const path = `${state.path}/participants${partial ? "?partial=true" : ""}`;
      const response = await request("POST", path, { form: uploadBody(current), ifMatch: state.etag });
      const text = await response.text();
      const result = text ? JSON.parse(text) : {};
      await state.reload();
      if (mine !== turn) return;
      showResult(current, result);
      await loadList();
    } catch (error) {
      if (mine !== turn) return;
      showFailure(error, current);
    }
  }

  function showResult(current, result) {
    showStep(`Imported ${current.file.name}`);
    const everyone = state.event?.participants ?? [];
    const n = everyone.length || Number(result.participants ?? 0);
    const orgs = new Set(everyone.map((p) => p.organisation)).size || Number(result.organisations ?? 0);
    const problems = Array.isArray(result.problems) ? result.problems : [];
    const left = Array.isArray(result.rejected_rows) ? result.rejected_rows.length : 0;
    const leftOut = problems.length ? ` ${plural(left || problems.length, "row was", "rows were")} left out (listed below).` : "";
    status(`${current.file.name}: ${n} participants from ${orgs} organisations are now registered.${leftOut}`, "success");
    const parts = [];
    if (problems.length) {
      const csv = h("button", { type: "button", class: "secondary small" }, "Download the problems (CSV)");
      csv.addEventListener("click", () => saveProblems(current.file.name, problems));
      parts.push(h("div", { class: "message note" },
        h("p", {}, "These rows were not imported; fix them in the file and import it again to add them."),
        problemsTable(problems, "Rows left out")),
      h("div", { class: "actions" }, csv));
    }
    const warnings = Array.isArray(result.warnings) ? result.warnings : [];
    if (warnings.length) parts.push(notesBlock(warnings, "Notes on the file (imported anyway)"));
    if (result.changes) parts.push(changesBlock(result.changes));
    parts.push(h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: chooseAnother }, "Import another file")));
    add(stepBody, ...parts);
  }

  function reloadButton() {
    return h("button", {
      type: "button", class: "secondary",
      onclick: async (event) => {
        await busy(event.currentTarget, async () => {
          try {
            await state.reload();
            showMessage(stepError, "Reloaded. Check the rows again, then import.", "note");
          } catch (error) {
            showError(stepError, error);
          }
        });
      },
    }, "Reload the event");
  }

  // --- the list ------------------------------------------------------------------------------

  async function loadList() {
    try {
      const { data } = await getJson(`${state.path}/participants`);
      participants = Array.isArray(data) ? data : (data?.items ?? data?.participants ?? []);
      renderList();
    } catch (error) {
      showError(clear(listSlot), error);
    }
  }

  /** An e-mail address that may wrap after its "@" and dots, never inside a word. */
  function breakable(text) {
    return String(text).split(/(?<=[@.])/).flatMap((part, k) => (k ? [h("wbr"), part] : [part]));
  }

  function extraEntries(p) {
    const extra = p.extra && typeof p.extra === "object" ? p.extra : {};
    return Object.entries(extra).filter(([, v]) => v !== null && v !== undefined && String(v).trim() !== "");
  }

  function languagesOf(p) {
    return Array.isArray(p.languages) ? p.languages.join(", ") : valueText(p.languages);
  }

  function renderList() {
    const q = filter.value.trim().toLowerCase();
    const shown = participants.filter((p) => !q || [
      p.id ?? p.participant, p.person, p.organisation, p.organisation_name, p.country,
      countryLabel(p.country), typeLabel(p.type), p.email, p.job_title, languagesOf(p),
      ...extraEntries(p).flat(),
    ].some((v) => String(v ?? "").toLowerCase().includes(q)));
    count.textContent = q
      ? `${shown.length} of ${participants.length} participants`
      : `${participants.length} participants`;
    filterField.hidden = participants.length === 0;
    listDownloads.hidden = participants.length === 0;
    if (!participants.length) {
      fill(listSlot, h("p", {}, "No participants yet. Upload a registration list above."));
      return;
    }
    const headers = ["Participant", "Person", "Organisation", "Country", "Type", "Seats", "E-mail",
      "Job title", "Languages", "Other fields"];
    const t = h("table", { class: "participants" },
      h("caption", {}, "Participants"),
      h("thead", {}, h("tr", {}, headers.map((title) => h("th", { scope: "col" }, title)))),
      h("tbody", {}, shown.map((p) => {
        const extra = extraEntries(p);
        return h("tr", { "data-participant": p.id ?? p.participant ?? "" },
          h("td", {}, String(p.id ?? p.participant ?? "")),
          h("td", {}, p.person ?? ""),
          h("td", {}, p.organisation_name ?? p.organisation ?? ""),
          h("td", {}, countryLabel(p.country)),
          h("td", {}, typeLabel(p.type)),
          h("td", {}, String(p.seats ?? 1)),
          h("td", { class: "email" }, breakable(p.email ?? "")),
          h("td", {}, p.job_title ?? ""),
          h("td", {}, languagesOf(p)),
          h("td", { class: "extra" }, extra.length
            ? h("ul", { class: "extra-list" }, extra.map(([k, v]) => h("li", { title: String(v).length > 40 ? String(v) : null },
              h("span", { class: "extra-key" }, `${short(k, 30)}:`), " ", short(v))))
            : ""));
      })),
    );
    fill(listSlot, h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Participants" }, t));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy(submit, start);
  });
  // A new file starts again from its columns: the steps shown were for the file before.
  file.addEventListener("change", () => {
    if (flow) reset();
  });
  filter.addEventListener("input", renderList);

  return {
    element,
    show() {
      loadList();
    },
  };
}
