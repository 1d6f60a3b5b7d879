// Charts drawn from a result, as plain SVG (no library, nothing from the internet). Each chart
// is a <figure> with a caption and a table of the same numbers behind a "details" toggle, so
// that a screen reader or a printout reads the figures the bars show.

import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
  if (text !== undefined) el.textContent = String(text);
  return el;
}

/** How many times each whole number occurs in `values`, from the smallest to the largest. */
export function histogramCounts(values) {
  const ints = values.map((v) => Math.round(Number(v))).filter((v) => Number.isFinite(v));
  if (!ints.length) return [];
  const lo = Math.min(...ints);
  const hi = Math.max(...ints);
  const counts = new Array(hi - lo + 1).fill(0);
  for (const v of ints) counts[v - lo] += 1;
  return counts.map((count, i) => ({ label: String(lo + i), value: count }));
}

/**
 * Vertical bars, one per item ({label, value, title?}).
 *   barChart(items, {title, xLabel, yLabel, name})
 * `name` is the chart's data-chart attribute (what tests and styles find it by).
 */
export function barChart(items, { title, xLabel = "", yLabel = "", name = "chart", horizontal = false } = {}) {
  if (horizontal) return horizontalBars(items, { title, xLabel, yLabel, name });
  const width = 480;
  const height = 200;
  const pad = { left: 40, right: 8, top: 10, bottom: 36 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...items.map((it) => Number(it.value) || 0));
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": title,
    class: "chart-svg",
    preserveAspectRatio: "xMidYMid meet",
  });
  svg.append(s("title", {}, title));
  // Axis: 0 and the largest value.
  svg.append(
    s("line", { x1: pad.left, y1: pad.top + plotH, x2: width - pad.right, y2: pad.top + plotH, class: "chart-axis" }),
    s("text", { x: pad.left - 4, y: pad.top + plotH, class: "chart-tick", "text-anchor": "end" }, "0"),
    s("text", { x: pad.left - 4, y: pad.top + 8, class: "chart-tick", "text-anchor": "end" }, String(max)),
  );
  const step = items.length ? plotW / items.length : plotW;
  const barW = Math.max(1, step * 0.8);
  const labelEvery = Math.max(1, Math.ceil(items.length / 16));
  items.forEach((item, i) => {
    const value = Number(item.value) || 0;
    const barH = (value / max) * plotH;
    const x = pad.left + i * step + (step - barW) / 2;
    const bar = s("rect", {
      x: x.toFixed(1), y: (pad.top + plotH - barH).toFixed(1), width: barW.toFixed(1),
      height: barH.toFixed(1), class: "chart-bar", "data-label": item.label, "data-value": value,
    });
    bar.append(s("title", {}, item.title ?? `${item.label}: ${value}`));
    svg.append(bar);
    if (i % labelEvery === 0) {
      svg.append(s("text", { x: (x + barW / 2).toFixed(1), y: pad.top + plotH + 14, class: "chart-tick", "text-anchor": "middle" }, item.label));
    }
  });
  if (xLabel) svg.append(s("text", { x: pad.left + plotW / 2, y: height - 4, class: "chart-label", "text-anchor": "middle" }, xLabel));
  const numbers = items.map((item) => ({ label: item.label, value: item.value }));
  return h("figure", { class: "chart", "data-chart": name }, h("figcaption", {}, title), svg, numbersTable(numbers, xLabel, yLabel));
}

function numbersTable(items, xLabel, yLabel) {
  const rows = items.map((item) => h("tr", {}, h("td", {}, item.title ?? item.label), h("td", { class: "num" }, String(item.value))));
  return h(
    "details",
    { class: "chart-table" },
    h("summary", {}, "The numbers"),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, xLabel || "Value"), h("th", { scope: "col" }, yLabel || "Count"))), h("tbody", {}, rows)),
  );
}

/** One bar per row, its label on the left and its value at its end: for long labels. */
function horizontalBars(items, { title, xLabel, yLabel, name }) {
  const width = 480;
  const rowH = 20;
  const labelW = 190;
  const valueW = 36;
  const height = items.length * (rowH + 6) + 8;
  const max = Math.max(1, ...items.map((it) => Number(it.value) || 0));
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "chart-svg" });
  svg.append(s("title", {}, title));
  items.forEach((item, row) => {
    const value = Number(item.value) || 0;
    const y = 4 + row * (rowH + 6);
    const w = (value / max) * (width - labelW - valueW);
    svg.append(s("text", { x: labelW - 6, y: y + rowH - 6, class: "chart-tick", "text-anchor": "end" }, item.label));
    const bar = s("rect", { x: labelW, y, width: w.toFixed(1), height: rowH, class: "chart-bar", "data-label": item.label, "data-value": value });
    bar.append(s("title", {}, item.title ?? `${item.label}: ${value}`));
    svg.append(bar, s("text", { x: (labelW + w + 4).toFixed(1), y: y + rowH - 6, class: "chart-tick" }, String(value)));
  });
  return h("figure", { class: "chart", "data-chart": name }, h("figcaption", {}, title), svg, numbersTable(items, xLabel, yLabel));
}

/**
 * Horizontal stacked bars, one row per group ({label, parts: [{label, value}]}): how a whole
 * splits, e.g. each room's participants by country.
 */
export function stackedBars(groups, { title, name = "chart", unit = "" } = {}) {
  const width = 480;
  const rowH = 18;
  const labelW = 190;
  const height = groups.length * (rowH + 6) + 8;
  const max = Math.max(1, ...groups.map((g) => g.parts.reduce((sum, p) => sum + (Number(p.value) || 0), 0)));
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "chart-svg" });
  svg.append(s("title", {}, title));
  groups.forEach((group, row) => {
    const y = 4 + row * (rowH + 6);
    svg.append(s("text", { x: labelW - 6, y: y + rowH - 5, class: "chart-tick", "text-anchor": "end" }, group.label));
    let x = labelW;
    group.parts.forEach((part, i) => {
      const w = ((Number(part.value) || 0) / max) * (width - labelW - 36);
      const rect = s("rect", { x: x.toFixed(1), y, width: w.toFixed(1), height: rowH, class: `chart-part chart-part-${i % 8}`, "data-label": part.label, "data-value": part.value });
      rect.append(s("title", {}, `${group.label}: ${part.label} ${part.value}${unit}`));
      svg.append(rect);
      x += w;
    });
    const total = group.parts.reduce((sum, p) => sum + (Number(p.value) || 0), 0);
    svg.append(s("text", { x: (x + 4).toFixed(1), y: y + rowH - 5, class: "chart-tick" }, String(total)));
  });
  const rows = groups.map((g) => h("tr", {}, h("th", { scope: "row" }, g.label), h("td", {}, g.parts.map((p) => `${p.label} ${p.value}${unit}`).join(", "))));
  const details = h("details", { class: "chart-table" }, h("summary", {}, "The numbers"), h("table", {}, h("tbody", {}, rows)));
  return h("figure", { class: "chart", "data-chart": name }, h("figcaption", {}, title), svg, details);
}
