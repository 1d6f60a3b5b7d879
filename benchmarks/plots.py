"""The report's plots, drawn from the results document alone (so an old results.json can be
drawn again): PNG files under ``OUT/plots/``, with matplotlib's Agg canvas (no display, no
pyplot state).

- ``quality_vs_time.png``: for each case with a ``frontier``, every method's quality figure
  against its time (log scale), the solver and its baselines as labelled points;
- ``scaling.png``: time against size on log-log axes per scaling series, with the fitted line
  and its exponent;
- ``score_distributions.png``: histograms of pair scores (generated registry, Leuven, a user's
  file), as densities;
- ``meetings_per_participant.png``: how many participants have 0, 1, 2... meetings, per
  method, for each schedule case;
- ``room_diversity.png``: the entropy of countries and of types in each room, per method, for
  each breakout case.

A plot without data in the run is not drawn; without matplotlib, none is, with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OURS = "matchmaker"
COLUMNS = 3


def _methods(quality: dict[str, Any], figure: str) -> list[tuple[str, float, float]]:
    """``(method, time_s, figure)`` of every method that has both."""
    out = []
    for key, value in quality.items():
        if key.endswith(f".{figure}") and isinstance(value, int | float):
            method = key[: -len(figure) - 1]
            seconds = quality.get(f"{method}.time_s")
            if isinstance(seconds, int | float):
                out.append((method, float(seconds), float(value)))
    return out


def _grid(n: int, width: float = 4.6, height: float = 3.6) -> tuple[Any, list[Any]]:
    from matplotlib.figure import Figure

    cols = min(COLUMNS, n)
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = [fig.add_subplot(rows, cols, k + 1) for k in range(n)]
    return fig, axes


def _save(fig: Any, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110)


def _label(case: dict[str, Any]) -> str:
    n = case.get("params", {}).get("n")
    return f"{case['name']} (n={n:,})" if isinstance(n, int) else case["name"]


def quality_vs_time(doc: dict[str, Any], path: Path) -> bool:
    cases = [c for c in doc["cases"] if c.get("frontier") and _methods(c["quality"], c["frontier"])]
    if not cases:
        return False
    fig, axes = _grid(len(cases))
    for ax, case in zip(axes, cases, strict=True):
        for method, seconds, value in _methods(case["quality"], case["frontier"]):
            ours = method == OURS
            ax.scatter(
                [max(seconds, 1e-5)],
                [value],
                s=70 if ours else 40,
                marker="*" if ours else "o",
                color="tab:red" if ours else "tab:blue",
                zorder=3,
            )
            ax.annotate(method, (max(seconds, 1e-5), value), fontsize=8, xytext=(4, 3),
                        textcoords="offset points")  # fmt: skip
        ax.set_xscale("log")
        ax.set_xlabel("time (s)")
        ax.set_ylabel(case["frontier"])
        ax.set_title(_label(case), fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle("Quality against time: the solver (star) and its baselines")
    _save(fig, path)
    return True


def scaling(doc: dict[str, Any], path: Path) -> bool:
    series = {k: v for k, v in doc.get("series", {}).items() if v.get("exponent") is not None}
    if not series:
        return False
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 5), layout="constrained")
    ax = fig.add_subplot()
    for name, s in series.items():
        n = np.asarray(s["sizes"], dtype=float)
        t = np.asarray(s["median_s"], dtype=float)
        points = ax.scatter(n, t, zorder=3)
        grid = np.geomspace(n.min(), n.max(), 50)
        ax.plot(
            grid,
            s["coefficient"] * grid ** s["exponent"],
            color=points.get_facecolor()[0],
            label=f"{name}: t ~ n^{s['exponent']:.2f}",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("size n")
    ax.set_ylabel("median time (s)")
    ax.set_title("Time against size, least-squares fit of log t on log n")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    _save(fig, path)
    return True


def score_distributions(doc: dict[str, Any], path: Path) -> bool:
    cases = [c for c in doc["cases"] if "scores" in c.get("distributions", {})]
    if not cases:
        return False
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for case in cases:
        h = case["distributions"]["scores"]
        edges = np.asarray(h["edges"])
        counts = np.asarray(h["counts"], dtype=float)
        density = counts / max(counts.sum(), 1.0) / np.diff(edges)
        ax.stairs(density, edges, label=f"{_label(case)}: {h['n']:,} pairs, mean {h['mean']:.3f}")
    ax.set_xlabel("pair score")
    ax.set_ylabel("density")
    ax.set_title("Distribution of pair scores")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    _save(fig, path)
    return True


def meetings_per_participant(doc: dict[str, Any], path: Path) -> bool:
    key = "meetings_per_participant"
    cases = [c for c in doc["cases"] if key in c.get("distributions", {})]
    if not cases:
        return False
    fig, axes = _grid(len(cases))
    for ax, case in zip(axes, cases, strict=True):
        per = case["distributions"][key]
        width = 0.8 / max(len(per), 1)
        for k, (method, counts) in enumerate(per.items()):
            x = np.arange(len(counts)) + (k - (len(per) - 1) / 2) * width
            ax.bar(x, counts, width=width, label=method)
        ax.set_xlabel("meetings")
        ax.set_ylabel("participants")
        ax.set_title(_label(case), fontsize=9)
        ax.legend(fontsize=8)
    fig.suptitle("Meetings per participant")
    _save(fig, path)
    return True


def room_diversity(doc: dict[str, Any], path: Path) -> bool:
    cases = [c for c in doc["cases"] if "room_country_entropy" in c.get("distributions", {})]
    if not cases:
        return False
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.6 * len(cases)), layout="constrained")
    axes = fig.subplots(len(cases), 2, squeeze=False)
    for row, case in zip(axes, cases, strict=True):
        for ax, (key, what) in zip(
            row, (("room_country_entropy", "countries"), ("room_type_entropy", "types")),
            strict=True,
        ):  # fmt: skip
            per = case["distributions"][key]
            ax.boxplot(list(per.values()), tick_labels=list(per.keys()))
            ax.set_ylabel(f"entropy of {what} (bits)")
            ax.set_title(f"{_label(case)}: {what} per room", fontsize=9)
            ax.grid(alpha=0.3)
    fig.suptitle("Room diversity: entropy per room, the solver and its baselines")
    _save(fig, path)
    return True


PLOTS: dict[str, tuple[str, Callable[[dict[str, Any], Path], bool]]] = {
    "quality_vs_time.png": ("Quality against time", quality_vs_time),
    "scaling.png": ("Time against size (log-log), fitted exponents", scaling),
    "score_distributions.png": ("Score distributions", score_distributions),
    "meetings_per_participant.png": ("Meetings per participant", meetings_per_participant),
    "room_diversity.png": ("Room diversity", room_diversity),
}


def make_plots(doc: dict[str, Any], out_dir: Path) -> tuple[dict[str, str], list[str]]:
    """Draw every plot the run has data for under ``out_dir/plots``.

    Returns ``{title: path relative to out_dir}`` of the plots written, and messages about the
    plots not drawn (no matplotlib, no data in this run).
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return {}, ["plots skipped: matplotlib is not installed (pip install 'matchmaker[bench]')"]
    folder = out_dir / "plots"
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}
    messages: list[str] = []
    for name, (title, draw) in PLOTS.items():
        if draw(doc, folder / name):
            written[title] = f"plots/{name}"
        else:
            (folder / name).unlink(missing_ok=True)  # not an older run's plot under this name
            messages.append(f"plot '{title}' not drawn: no case of this run has its data")
    return written, messages
