// The member's view: partner suggestions for its own organisation, with the reasons, filtered
// by country, type and sector.

import { encode, getJson } from "./api.js";
import { addLearnedScorers, chooseScorer } from "./scoring.js";
import {
  announce, busy, clear, clearFields, countryLabel, field, fill, h, markFields, messageSlot,
  newId, ORG_TYPES, percent, presetSelect, showError, typeLabel,
} from "./dom.js";

export async function renderMember(view, me) {
  const orgId = me.subject;
  const title = h("h1", { tabindex: "-1" }, "Partner suggestions");
  const intro = h("p", { class: "meta" });
  const headSlot = messageSlot();

  const country = h("select", { name: "country" }, h("option", { value: "" }, "Any country"));
  const type = h("select", { name: "type" }, h("option", { value: "" }, "Any type"),
    ORG_TYPES.map((t) => h("option", { value: t }, typeLabel(t))));
  const sector = h("input", { type: "text", name: "sector", autocomplete: "off", spellcheck: "false", maxlength: "12", inputmode: "text" });
  const preset = presetSelect();
  addLearnedScorers(preset);
  const k = h("input", { type: "number", name: "k", min: "1", max: "100", step: "1", value: "10", inputmode: "numeric" });
  const submit = h("button", { type: "submit" }, "Show suggestions");
  const formSlot = messageSlot();
  const count = h("p", { class: "meta", "aria-live": "polite" });
  const list = h("ol", { class: "suggestions" });
  const filtersId = newId("filters");

  const form = h("form", { class: "stack filters", novalidate: true, "aria-labelledby": filtersId },
    h("h2", { id: filtersId }, "Filters"),
    h("div", { class: "grid-3" },
      field("Country", country),
      field("Type of organisation", type),
      field("Sector (NACE code)", sector, "A code at any level, e.g. C26, C26.51 or J."),
      field("Kind of partnership", preset),
      field("How many", k)),
    h("div", { class: "actions" }, submit),
    formSlot);

  fill(view,
    h("section", { class: "panel" }, title, intro, headSlot),
    h("section", { class: "panel" }, form),
    h("section", { class: "panel", "aria-labelledby": "suggestions-title" },
      h("h2", { id: "suggestions-title" }, "Suggested partners"), count, list),
  );
  title.focus();

  try {
    const { data: org } = await getJson(`/api/organisations/${encode(orgId)}`);
    title.textContent = `Partner suggestions for ${org.name}`;
    intro.textContent = [countryLabel(org.country), typeLabel(org.type)].filter(Boolean).join(" · ");
  } catch (error) {
    showError(headSlot, error);
  }
  loadCountries(country);

  // Filters change faster than answers come: only the answer to the latest request is shown.
  let latest = 0;

  async function load() {
    const request = ++latest;
    clear(formSlot);
    const n = Number(k.value || 10);
    if (!Number.isInteger(n) || n < 1 || n > 100) {
      showError(formSlot, plain("How many: a whole number from 1 to 100."));
      k.focus();
      return;
    }
    const code = sector.value.trim();
    const params = new URLSearchParams({ k: String(n), explain: "true" });
    for (const [key, value] of Object.entries(chooseScorer(preset))) params.set(key, value);
    if (country.value) params.set("country", country.value);
    if (type.value) params.set("type", type.value);
    if (code) params.set("sector", code);
    try {
      const { data } = await getJson(`/api/organisations/${encode(orgId)}/suggestions?${params}`);
      if (request !== latest) return;
      clearFields(form);
      render(data?.suggestions ?? []);
    } catch (error) {
      if (request !== latest) return;
      clear(list);
      count.textContent = "";
      showError(formSlot, error);
      markFields(form, error.problems);
    }
  }

  function render(suggestions) {
    clear(list);
    const filtered = [country.value, type.value, sector.value.trim()].some(Boolean);
    count.textContent = suggestions.length
      ? `${suggestions.length} ${suggestions.length === 1 ? "suggestion" : "suggestions"}${filtered ? " matching the filters" : ""}.`
      : filtered ? "No organisation matches these filters; widen them." : "No suggestions yet.";
    for (const s of suggestions) {
      const titleId = newId("sugg");
      list.append(h("li", {
        class: "suggestion", "data-organisation": s.id, "data-country": s.country ?? "", "data-type": s.type ?? "",
      },
      h("article", { "aria-labelledby": titleId },
        h("header", {},
          h("h3", { id: titleId }, s.name || s.id),
          h("p", { class: "score" }, h("span", { class: "visually-hidden" }, "Score "), percent(s.score))),
        h("p", { class: "person-org" },
          h("span", { class: "country" }, countryLabel(s.country)),
          s.region ? h("span", {}, s.region) : null,
          h("span", { class: "type" }, typeLabel(s.type))),
        s.reasons?.length
          ? h("div", { class: "reasons" }, h("p", { class: "label" }, "Why:"),
            h("ul", {}, s.reasons.map((r) => h("li", {}, typeof r === "string" ? r : (r.text ?? r.message ?? "")))))
          : null)));
    }
    announce(count.textContent);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy(submit, load);
  });
  for (const control of [country, type, preset]) control.addEventListener("change", () => load());
  await load();
}

function plain(message) {
  return Object.assign(new Error(message), { name: "ApiError", problems: [] });
}

// Countries with NUTS regions: the EU, EFTA, candidate countries and the UK (NUTS 2016).
const NUTS_COUNTRIES = [
  "AL", "AT", "BA", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR",
  "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "ME", "MK", "MT", "NL", "NO", "PL", "PT", "RO",
  "RS", "SE", "SI", "SK", "TR", "UA", "UK", "MD", "GE", "XK",
];

/**
 * The country filter: countries of the registry's first page of profiles first (where
 * partners are), then the other NUTS countries.
 */
async function loadCountries(select) {
  let present = [];
  try {
    const { data } = await getJson("/api/organisations?limit=500");
    present = [...new Set((data?.items ?? []).map((o) => o.country).filter(Boolean))];
  } catch {
    present = [];
  }
  const byName = (a, b) => countryLabel(a).localeCompare(countryLabel(b));
  present.sort(byName);
  const others = NUTS_COUNTRIES.filter((c) => !present.includes(c)).sort(byName);
  const group = (label, codes) => codes.length
    ? h("optgroup", { label }, codes.map((code) => h("option", { value: code }, countryLabel(code))))
    : null;
  const first = group("Countries in the registry", present);
  const rest = group(present.length ? "Other countries" : "Countries", others);
  if (first) select.append(first);
  if (rest) select.append(rest);
}
