"""The class summary as one self-contained HTML page: numbers, a score histogram and per-item bars, no network.

The charts are inline SVG drawn here (bars and text only), so the page opens
from a file, offline, in any browser, and prints. Every number a chart shows
is also written as text beside it (the bars' labels and tooltips), so nothing
is only a colour.
"""

from __future__ import annotations


from collections.abc import Sequence
from typing import TYPE_CHECKING

from gradwork.check.report import STATUSES
from gradwork.documents.escape import html_text

if TYPE_CHECKING:
    from gradwork.check.gradebook import Gradebook

COLOURS = {"correct": "#2e7d32", "carried_forward": "#0277bd", "wrong": "#c62828", "missing": "#9e9e9e"}
VERDICTS = {"correct": "correct", "carried_forward": "carried forward", "wrong": "wrong", "missing": "missing"}
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:64rem;
padding:0 1rem;color:#212121;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.policy{color:#555}.stats{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.stat{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;min-width:7rem}
.stat b{display:block;font-size:1.4rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}th,td{border:1px solid #ddd;padding:.3rem .6rem;
text-align:left;vertical-align:top}th{background:#f5f5f5}td.num{text-align:right}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.9rem;height:.9rem;
margin-right:.3rem;vertical-align:-.1rem}
svg text{font-family:inherit;font-size:12px;fill:#212121}code{font-size:.9em}
"""


def page(book: Gradebook) -> str:
    """The whole page (``gradwork check PROBLEM DIR -o summary.html``)."""
    e = html_text
    title = f"{book.title or 'Class'}: class summary"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<h1>{e(title)}</h1>\n{body(book)}\n</body>\n</html>\n")


def fragment(book: Gradebook) -> str:
    """The summary without the page around it (a notebook cell takes a fragment)."""
    return f'<div class="gw-gradebook">{body(book)}</div>'


def body(book: Gradebook) -> str:
    """The summary's content (a notebook cell shows this alone)."""
    e = html_text
    out = [f'<p class="policy">{len(book.reports)} students checked'
           + (f", {len(book.errors)} unreadable" if book.errors else "")
           + f". Marking: {e(book.policy_text())}.</p>"]
    stats = book.statistics()
    if stats is not None:
        top = stats.max_points
        out.append('<div class="stats">' + "".join(
            f'<div class="stat">{label}<b>{value}</b></div>' for label, value in (
                ("mean", f"{_n(stats.mean)} / {_n(top)}"), ("median", f"{_n(stats.median)} / {_n(top)}"),
                ("lowest", _n(stats.lowest)), ("highest", _n(stats.highest)),
                ("full marks", f"{stats.full_marks} of {stats.students}"))) + "</div>")
        out.append("<h2>Scores</h2>" + histogram(book.scores(), top))
    counts = book.item_counts()
    if book.keys:
        out.append("<h2>Items: how each went</h2>" + _legend() + item_bars(book.keys, counts))
    common = book.diagnosis_counts()
    out.append("<h2>Most common diagnoses</h2>")
    if common:
        out.append("<table><thead><tr><th>diagnosis</th><th>students</th><th>items</th><th>the rule</th></tr>"
                   "</thead><tbody>" + "".join(
                       f"<tr><td><code>{e(d.code)}</code></td><td class=\"num\">{d.students}</td>"
                       f"<td>{e(', '.join(d.items))}</td><td>{e(d.rule)}</td></tr>" for d in common)
                   + "</tbody></table>")
    else:
        out.append("<p>No mistake diagnosed.</p>")
    out.append("<h2>Items</h2><table><thead><tr><th>item</th>" + "".join(
        f"<th>{VERDICTS[s]}</th>" for s in STATUSES) + "</tr></thead><tbody>" + "".join(
        f"<tr><td><code>{e(key)}</code></td>" + "".join(f'<td class="num">{counts[key][s]}</td>' for s in STATUSES)
        + "</tr>" for key in book.keys) + "</tbody></table>")
    rows = []
    for student in book.students:
        report = book.reports.get(student)
        if report is None:
            rows.append(f"<tr><td>{e(student)}</td><td>unreadable</td><td></td><td>{e(book.errors[student])}</td></tr>")
        else:
            rows.append(f"<tr><td>{e(student)}</td><td class=\"num\">{_n(report.points)}/{_n(report.max_points)}</td>"
                        f"<td class=\"num\">{report.correct}/{report.total}</td>"
                        f"<td>{e(', '.join(report.diagnoses) or ('nothing answered' if not report.answered else ''))}"
                        "</td></tr>")
    out.append("<h2>Students</h2><table><thead><tr><th>student</th><th>points</th><th>items credited</th>"
               "<th>diagnoses</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    return "\n".join(out)


def histogram(scores: Sequence[float], top: float) -> str:
    """How many students got each score: one bar per point (or per tenth of the range when points are many)."""
    if not scores:
        return ""
    whole = top == int(top) and top <= 30
    bins = int(top) + 1 if whole else 10
    width = top / bins if not whole else 1.0
    counts = [0] * bins
    for score in scores:
        k = int(round(score)) if whole else min(int(score / width), bins - 1) if width else 0
        counts[max(0, min(k, bins - 1))] += 1
    labels = [_n(k) for k in range(bins)] if whole else \
        [f"{_n(round(k * width, 2))}–{_n(round((k + 1) * width, 2))}" for k in range(bins)]
    tallest = max(counts) or 1
    bar, gap, height, left, bottom = 34, 6, 160, 34, 40
    chart_width = left + bins * (bar + gap) + gap
    parts = [f'<svg role="img" aria-label="score histogram" width="{chart_width}" height="{height + bottom + 10}" '
             f'viewBox="0 0 {chart_width} {height + bottom + 10}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{height + 5}" x2="{chart_width}" y2="{height + 5}" stroke="#757575"/>']
    for tick in range(0, tallest + 1, max(1, tallest // 4)):
        y = height + 5 - tick / tallest * (height - 10)
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for k, count in enumerate(counts):
        x = left + gap + k * (bar + gap)
        h = count / tallest * (height - 10)
        parts.append(f'<rect x="{x}" y="{height + 5 - h:.1f}" width="{bar}" height="{h:.1f}" fill="#5c6bc0">'
                     f'<title>{count} student{"s" if count != 1 else ""} with {labels[k]} points</title></rect>')
        if count:
            parts.append(f'<text x="{x + bar / 2}" y="{height - h:.1f}" text-anchor="middle">{count}</text>')
        parts.append(f'<text x="{x + bar / 2}" y="{height + 22}" text-anchor="middle">{labels[k]}</text>')
    parts.append(f'<text x="{left + (chart_width - left) / 2}" y="{height + bottom + 2}" text-anchor="middle">'
                 f"points (of {_n(top)}); bar height: students</text></svg>")
    return "".join(parts)


def item_bars(keys: Sequence[str], counts: dict[str, dict[str, int]]) -> str:
    """One stacked bar per item: how many students were correct, carried forward, wrong, missing."""
    e = html_text
    label_width = min(320, 12 + 7 * max((len(k) for k in keys), default=4))
    bar_width, row, top = 420, 24, 6
    total_width = label_width + bar_width + 60
    parts = [f'<svg role="img" aria-label="per-item results" width="{total_width}" '
             f'height="{top + row * len(keys) + 6}" viewBox="0 0 {total_width} {top + row * len(keys) + 6}" '
             'xmlns="http://www.w3.org/2000/svg">']
    for k, key in enumerate(keys):
        y = top + k * row
        parts.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{e(key)}</text>')
        total = sum(counts[key].values())
        x = float(label_width)
        for status in STATUSES:
            n = counts[key][status]
            if not n or not total:
                continue
            w = n / total * bar_width
            parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
                         f'fill="{COLOURS[status]}"><title>{e(key)}: {n} {VERDICTS[status]}</title></rect>')
            if w >= 18:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 16}" text-anchor="middle" '
                             f'style="fill:#fff">{n}</text>')
            x += w
        right = counts[key]["correct"] + counts[key]["carried_forward"]
        parts.append(f'<text x="{label_width + bar_width + 6}" y="{y + 15}">'
                     f'{round(100 * right / total) if total else 0}%</text>')
    parts.append("</svg>")
    return "".join(parts)


def _legend() -> str:
    return '<p class="legend">' + "".join(
        f'<span><i style="background:{COLOURS[s]}"></i>{VERDICTS[s]}</span>' for s in STATUSES) + \
        "<span>(% credited at the right)</span></p>"


def _n(value: float) -> str:
    value = round(float(value), 2)
    return str(int(value)) if value == int(value) else f"{value:g}"
