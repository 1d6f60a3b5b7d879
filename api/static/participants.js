// Participants: upload a registration list (CSV, XLSX or JSON), see the rows to fix, and the
// list of participants with their organisations.

import { getJson, request } from "./api.js";
import {
  announce, busy, clear, countryLabel, field, fill, h, messageSlot, problemsTable, showError,
  showMessage, table, typeLabel,
} from "./dom.js";

export function participantsPanel(state) {
  const file = h("input", {
    name: "file", type: "file", required: true,
    accept: ".csv,.xlsx,.json,text/csv,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  });
  const submit = h("button", { type: "submit" }, "Upload and check");
  const slot = messageSlot();
  slot.id = "upload-report";
  const form = h("form", { class: "stack", novalidate: true, "aria-labelledby": "upload-title" },
    field("Registration list (CSV, XLSX or JSON)", file,
      "One row per participant, with the organisation's columns (name, type, region or country, sectors…). The upload replaces the event's participants; a file with problems changes nothing."),
    h("div", { class: "actions" }, submit),
    slot,
  );

  const filter = h("input", { type: "search", name: "filter", autocomplete: "off" });
  const filterField = field("Find a participant", filter, "By name, organisation, country or type.");
  const count = h("p", { class: "meta", "aria-live": "polite" });
  const listSlot = h("div", {}, h("p", { class: "hint" }, "Loading the participants…"));
  let participants = [];

  const element = h("div", { class: "stack" },
    h("section", { class: "panel" }, h("h2", { id: "upload-title" }, "Upload participants"), form),
    h("section", { class: "panel" },
      h("h2", {}, "Participants"),
      filterField, count, listSlot),
  );

  async function upload() {
    clear(slot);
    if (!file.files?.length) {
      showMessage(slot, "Choose a file first.", "error");
      file.focus();
      return;
    }
    const chosen = file.files[0];
    const body = new FormData();
    body.append("file", chosen, chosen.name);
    try {
      const response = await request("POST", `${state.path}/participants`, { form: body, ifMatch: state.etag });
      const text = await response.text();
      const report = text ? JSON.parse(text) : {};
      await state.reload();
      showReport(report, chosen.name);
      await loadList();
    } catch (error) {
      if (error.isConflict) {
        showError(slot, error, reloadButton());
      } else if (error.problems?.length) {
        const n = error.problems.length;
        const unchanged = /nothing/i.test(error.message) ? "" : " Nothing was changed.";
        const message = `${chosen.name}: ${error.message}${unchanged} Fix ${n === 1 ? "this row" : "these rows"} in the file and upload it again.`;
        showError(slot, Object.assign(error, { message }));
      } else {
        showError(slot, error);
      }
    }
  }

  function reloadButton() {
    return h("button", {
      type: "button", class: "secondary",
      onclick: async (event) => {
        await busy(event.currentTarget, async () => {
          try {
            await state.reload();
            showMessage(slot, "Reloaded. Upload the file again.", "note");
          } catch (error) {
            showError(slot, error);
          }
        });
      },
    }, "Reload the event");
  }

  function showReport(report, name) {
    const n = (state.event?.participants ?? []).length;
    const orgs = new Set((state.event?.participants ?? []).map((p) => p.organisation)).size;
    const parts = [h("p", { class: "message success" },
      `${name}: ${n} participants from ${orgs} organisations are now registered.`)];
    const notes = report?.warnings ?? report?.problems ?? [];
    if (Array.isArray(notes) && notes.length) {
      parts.push(problemsTable(notes, "Notes on the file (imported anyway)"));
    }
    fill(slot, ...parts);
    announce(parts[0].textContent);
  }

  async function loadList() {
    try {
      const { data } = await getJson(`${state.path}/participants`);
      participants = Array.isArray(data) ? data : (data?.items ?? data?.participants ?? []);
      renderList();
    } catch (error) {
      showError(clear(listSlot), error);
    }
  }

  function renderList() {
    const q = filter.value.trim().toLowerCase();
    const shown = participants.filter((p) => !q || [
      p.id ?? p.participant, p.person, p.organisation, p.organisation_name, p.country,
      countryLabel(p.country), typeLabel(p.type),
    ].some((v) => String(v ?? "").toLowerCase().includes(q)));
    count.textContent = q
      ? `${shown.length} of ${participants.length} participants`
      : `${participants.length} participants`;
    filterField.hidden = participants.length === 0;
    if (!participants.length) {
      fill(listSlot, h("p", {}, "No participants yet. Upload a registration list above."));
      return;
    }
    fill(listSlot, table(
      ["Participant", "Person", "Organisation", "Country", "Type", "Seats"],
      shown.map((p) => [
        String(p.id ?? p.participant ?? ""),
        p.person ?? "",
        p.organisation_name ?? p.organisation ?? "",
        countryLabel(p.country),
        typeLabel(p.type),
        String(p.seats ?? 1),
      ]),
      { caption: "Participants", class: "participants" },
    ));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy(submit, upload);
  });
  filter.addEventListener("input", renderList);

  return {
    element,
    show() {
      loadList();
    },
  };
}
