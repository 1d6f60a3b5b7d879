// The scoring screen: the learned scorers (their weights, and how they did on held-out
// partnerships beside the presets) and, for an administrator, learning one from the registry's
// own partnerships (organisations that share a project).

import { getJson, sendJson } from "./api.js";
import {
  busy, clear, clearFields, field, fill, h, markFields, messageSlot, newId, percent, loadPresets, presetSelect,
  showError, showMessage,
} from "./dom.js";

/** What each component weighs, in words a person reads. */
export const COMPONENT_LABELS = {
  complementarity: "Needs meet offers",
  relatedness: "Related work",
  s3: "S3 priorities",
  sector: "Sectors",
  geography: "Geography",
  type: "Type of organisation",
  language: "Shared language",
  network: "Partners of partners",
  experience: "Experience in projects",
};


export async function renderScoring(view, me) {
  const title = h("h1", { tabindex: "-1", id: "scoring-title" }, "Scoring");
  const intro = h("p", {},
    "Partner suggestions, pairs, 1:1 meetings and rooms score two organisations with a preset, ",
    "or with weights learned from the registry's own partnerships: organisations that share a ",
    "project. A learned scorer is checked on partnerships it did not learn from, beside every preset.");
  const listSlot = h("div", {}, h("p", { class: "hint" }, "Loading the learned scorers…"));
  const sections = [h("section", { class: "panel", "aria-labelledby": "scoring-title" }, title, intro)];
  if (me.role === "admin") sections.push(learnSection(load));
  sections.push(h("section", { class: "panel", "aria-labelledby": "learned-title" },
    h("h2", { id: "learned-title" }, "Learned scorers"), listSlot));
  fill(view, ...sections);
  title.focus();

  async function load() {
    try {
      const [{ data }, presets] = await Promise.all([getJson("/api/scorers"), loadPresets()]);
      const items = data?.items ?? [];
      const labels = Object.fromEntries(presets);
      fill(listSlot, items.length
        ? items.map((doc) => scorerCard(doc, labels))
        : h("p", {}, me.role === "admin"
          ? "No learned scorer yet: learn one above."
          : "No learned scorer yet; an administrator can learn one from the registry's partnerships."));
    } catch (error) {
      showError(clear(listSlot), error);
    }
  }
  await load();
}

function scorerCard(doc, labels) {
  const titleId = newId("scorer");
  const weights = Object.entries(doc.weights ?? {}).sort((a, b) => b[1] - a[1]);
  const validation = Object.entries(doc.validation ?? {});
  const split = doc.details?.validation?.split;
  return h("article", { class: "scorer", "data-scorer": doc.name, "aria-labelledby": titleId },
    h("h3", { id: titleId }, doc.name),
    h("p", { class: "meta" }, `Based on the preset ${labels[doc.preset] ?? doc.preset}. `,
      `Use it with ?scorer=${doc.name} or --scorer.`),
    h("div", { class: "grid-2" },
      h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": `Weights of ${doc.name}` },
        h("table", { class: "weights" },
          h("caption", {}, "What counts, and how much"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Component"), h("th", { scope: "col" }, "Weight"))),
          h("tbody", {}, weights.map(([c, w]) => h("tr", { "data-component": c },
            h("th", { scope: "row" }, COMPONENT_LABELS[c] ?? c), h("td", {}, percent(w))))))),
      validation.length
        ? h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": `Checks of ${doc.name}` },
          h("table", { class: "validation" },
            h("caption", {}, split ? `On partnerships it did not learn from (${split})` : "On partnerships it did not learn from"),
            h("thead", {}, h("tr", {},
              h("th", { scope: "col" }, "Scorer"),
              h("th", { scope: "col" }, "Right partners in the first 10"),
              h("th", { scope: "col" }, "New partners in the first 10"))),
            h("tbody", {}, validation.map(([name, m]) => h("tr", { "data-validated": name, class: name === doc.name ? "ours" : "" },
              h("th", { scope: "row" }, name === doc.name ? `${name} (learned)` : (labels[name] ?? name)),
              h("td", {}, share(m["all.recall@10"])),
              h("td", {}, share(m["new.recall@10"])))))))
        : null));
}

function share(value) {
  return value === undefined || value === null ? "–" : percent(value);
}

function learnSection(onLearned) {
  const titleId = newId("learn");
  const name = h("input", {
    name: "name", type: "text", required: true, maxlength: "100", autocomplete: "off",
    spellcheck: "false", pattern: "[A-Za-z0-9][A-Za-z0-9_.\\-]*", value: "learned",
  });
  const preset = presetSelect();
  const dates = h("textarea", {
    name: "project_starts", rows: "4", spellcheck: "false",
    placeholder: "NANOPILOT, 2019-03-01\nREMIX, 2016-04-01",
  });
  const slot = messageSlot();
  const submit = h("button", { type: "submit" }, "Learn from the partnerships");
  const form = h("form", { class: "stack", novalidate: true, "aria-labelledby": titleId },
    h("div", { class: "grid-2" },
      field("Name", name, "Letters, digits and - . _; a scorer of the same name is replaced."),
      field("Start from the preset", preset, "Its settings, and the prior the learned weights are compared with."),
    ),
    field("Project start dates (optional)", dates,
      "One project a line: name, date (2019-03-01). With dates, later partnerships are predicted from earlier ones; without, a random part of the projects is held out."),
    h("div", { class: "actions" }, submit),
    slot);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(slot);
    clearFields(form);
    let starts;
    try {
      starts = parseDates(dates.value);
    } catch (error) {
      showError(slot, error);
      markFields(form, error.problems);
      dates.focus();
      return;
    }
    const body = { name: name.value.trim(), preset: preset.value };
    if (Object.keys(starts).length) body.project_starts = starts;
    await busy(submit, async () => {
      showMessage(slot, "Learning: scoring held-out partnerships against the registry…", "note");
      try {
        const { data } = await sendJson("POST", "/api/scorers", { json: body });
        const ours = data.validation?.[data.name] ?? {};
        const prior = data.validation?.[data.preset] ?? {};
        showMessage(slot,
          `Learned "${data.name}": ${share(ours["all.recall@10"])} of the held-out partners in the first 10 `
          + `(the preset: ${share(prior["all.recall@10"])}).`, "success");
        await onLearned();
      } catch (error) {
        showError(slot, error);
        markFields(form, error.problems);
      }
    });
  });
  return h("section", { class: "panel", "aria-labelledby": titleId },
    h("h2", { id: titleId }, "Learn from the registry's partnerships"), form);
}

/** "NAME, 2019-03-01" lines into {NAME: "2019-03-01"}; a line that is not one is an error. */
export function parseDates(text) {
  const out = {};
  const problems = [];
  String(text ?? "").split(/\r?\n/).forEach((line, i) => {
    const raw = line.trim();
    if (!raw) return;
    const m = /^(.+?)\s*[,;\t]\s*(\d{4}-\d{2}-\d{2})$/.exec(raw);
    if (!m || Number.isNaN(Date.parse(m[2]))) {
      problems.push({ row: i + 1, column: "project_starts", value: raw, message: `line ${i + 1}: "${raw}" is not "project name, 2019-03-01"` });
      return;
    }
    out[m[1]] = m[2];
  });
  if (problems.length) {
    const error = new Error(problems.map((p) => p.message).join("; "));
    error.name = "ApiError";
    error.problems = problems;
    throw error;
  }
  return out;
}

/**
 * The learned scorers as further choices of a preset select (none when the service has none):
 * an optgroup of options "scorer:<name>".
 */
export async function addLearnedScorers(select) {
  let items = [];
  try {
    const { data } = await getJson("/api/scorers");
    items = data?.items ?? [];
  } catch {
    items = [];
  }
  if (!items.length) return;
  select.append(h("optgroup", { label: "Learned from the registry's partnerships" },
    items.map((s) => h("option", { value: `scorer:${s.name}` }, `${s.name} (learned)`))));
}

/** What a preset select asks for: `{scorer: name}`, `{preset: name}`, or nothing (the default). */
export function chooseScorer(select) {
  const value = select.value;
  if (!value) return {};
  return value.startsWith("scorer:") ? { scorer: value.slice(7) } : { preset: value };
}
