"""The run sheet's page: plain data (:func:`zmfab.build.runsheet.sheet_data`) to one HTML file.

Self-contained (styles and SVG pictures inline, no scripts, no external files) and laid out for
A4 print: each step keeps together on a page, pictures scale to the column, checkboxes are drawn
boxes so they print in every browser.
"""

from __future__ import annotations

from html import escape
from typing import Any

CSS = """
@page { size: A4; margin: 12mm 12mm 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9.5pt; line-height: 1.35;
       color: #111; margin: 0; }
h1 { font-size: 15pt; margin: 0 0 1mm 0; }
h2 { font-size: 12pt; margin: 5mm 0 2mm 0; border-bottom: 0.3mm solid #444; }
h3 { font-size: 10.5pt; margin: 0 0 1.5mm 0; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; vertical-align: top; padding: 0.4mm 1.5mm; border-bottom: 0.1mm solid #ccc; }
th { font-weight: 600; background: #f1f1f1; }
.meta td:first-child { width: 32mm; color: #444; }
.fill { margin: 2mm 0; }
.fill span { display: inline-block; min-width: 45mm; border-bottom: 0.2mm solid #000; margin-right: 6mm; }
.step { break-inside: avoid; page-break-inside: avoid; border: 0.3mm solid #888; border-radius: 1mm;
        padding: 2.5mm; margin: 0 0 3mm 0; }
.cols { display: flex; gap: 3mm; }
.cols > .text { flex: 1 1 58%; min-width: 0; }
.cols > .pic { flex: 0 0 44%; }
.pic svg { width: 100%; height: auto; max-height: 70mm; border: 0.1mm solid #ddd; }
.caption { font-size: 8pt; color: #444; }
.settings { columns: 3; column-gap: 4mm; font-size: 8pt; }
.kv { break-inside: avoid; border-bottom: 0.1mm solid #ddd; padding: 0.3mm 0; }
.kv .src { color: #666; font-size: 7pt; }
p { margin: 1.2mm 0; }
ul { margin: 0.5mm 0; padding-left: 5mm; }
.box { display: inline-block; width: 4mm; height: 4mm; border: 0.4mm solid #000;
       vertical-align: -0.8mm; margin-right: 2mm; background: #fff; }
.done { margin-top: 1.5mm; }
.pass { color: #176b1f; font-weight: 600; }
.fail { color: #a31515; font-weight: 600; }
.chart svg { width: 100%; height: auto; max-height: 120mm; }
.warn li { color: #7a4b00; }
.keep { break-inside: avoid; page-break-inside: avoid; }
code { font-size: 8.5pt; }
.refs { columns: 2; font-size: 7pt; color: #333; }
"""


def render(data: dict[str, Any]) -> str:
    """The whole page as HTML text."""
    parts = [_head(data), _design(data), _drc(data), _steps(data), _cell(data), _warnings(data),
             _files(data)]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>Run sheet: {escape(data.get('title') or '')}</title>\n<style>{CSS}</style>\n"
            "</head>\n<body>\n" + "\n".join(p for p in parts if p) + "\n</body>\n</html>\n")


def _rows(rows: list[tuple[Any, Any]], cls: str = "meta") -> str:
    body = "".join(f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>" for k, v in rows)
    return f'<table class="{cls}">{body}</table>' if body else ""


def _head(data: dict[str, Any]) -> str:
    rows = [("design file", data.get("design") or "(Python call)"), ("source", data.get("source") or "—"),
            ("family", data.get("family")), ("zmfab", data.get("version"))]
    return (f"<h1>Run sheet: {escape(data.get('title') or '')}</h1>\n{_rows(rows)}\n"
            '<div class="fill">Date <span></span> Operator <span></span> Batch / substrate ID '
            "<span></span></div>")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.5g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _design(data: dict[str, Any]) -> str:
    params = [(k, _fmt(v)) for k, v in data.get("params", {}).items()]
    metrics = [(k, _fmt(v)) for k, v in data.get("metrics", {}).items() if k != "family"]
    sub = data.get("substrate") or {}
    if sub:
        b = sub.get("bounds_mm") or [0, 0, 0, 0]
        metrics.append(("substrate", f"{b[2] - b[0]:.4g} × {b[3] - b[1]:.4g} mm at ({b[0]:g}, {b[1]:g}), "
                                     f"{sub.get('material') or 'material not given'}"
                                     + (f", {sub['thickness_mm']:g} mm thick" if sub.get("thickness_mm") else "")))
    if data.get("panel"):
        metrics.append(("panel", _fmt(data["panel"])))
    return ('<h2>Design</h2><div class="cols"><div class="text"><h3>Parameters (mm)</h3>'
            f"{_rows(params)}</div><div class=\"text\"><h3>Measured</h3>{_rows(metrics)}</div></div>")


def _drc(data: dict[str, Any]) -> str:
    drc = data.get("drc")
    if not drc:
        return "<h2>Design-rule check</h2><p>Not run.</p>"
    if drc.get("passed"):
        return '<h2>Design-rule check</h2><p class="pass">Passed: no violations.</p>'
    items = "".join(
        f"<li>{escape(v.get('rule', ''))}: {escape(v.get('layer', ''))}: measured "
        f"{v.get('measured_mm', 0):.4g} mm, allowed {v.get('allowed_mm', 0):.4g} mm at "
        f"({v.get('where', [0, 0])[0]:g}, {v.get('where', [0, 0])[1]:g}) mm"
        f"{' — ' + escape(v['message']) if v.get('message') else ''}</li>"
        for v in drc.get("violations", [])[:40])
    more = drc.get("count", 0) - min(40, len(drc.get("violations", [])))
    return (f'<h2>Design-rule check</h2><p class="fail">Failed: {drc.get("count")} violations '
            f"(built with --force).</p><ul>{items}</ul>" + (f"<p>… and {more} more.</p>" if more > 0 else ""))


def _step(s: dict[str, Any]) -> str:
    head = (f"<h3>Step {s['n']}: {escape(str(s['name']))}</h3>"
            f"<p><b>{escape(str(s['method']))}</b>"
            + (f" ({escape(str(s['op']))})" if s.get("op") and s["method"] == "laser" else "")
            + f" · process <b>{escape(str(s['process']))}</b> · material "
              f"<b>{escape(str(s.get('material') or '—'))}</b> · machine <b>{escape(str(s['machine']))}</b>"
            + f"<br>regions {escape(', '.join(s['regions']))}"
            + (f" · {s['area_mm2']:.4g} mm²" if s.get("area_mm2") is not None else "") + "</p>")
    settings = "".join(f'<div class="kv"><b>{escape(k)}</b> {escape(v)} <span class="src">{escape(src)}</span></div>'
                       for k, v, src in s["settings"])
    table = (f'<div class="settings">{settings}</div>' if settings
             else "<p>No settings (the process is run by hand).</p>")
    written = (f"<p class=\"caption\">Written to the job: "
               f"{escape('; '.join(f'{k} {v}' for k, v in s['written']))}</p>" if s.get("written") else "")
    qty = _rows(s["quantities"]) if s["quantities"] else "<p>No quantities recorded.</p>"
    files = ", ".join(f"<code>{escape(f)}</code>" for f in s["files"]) or "none (by hand)"
    align = "".join(f"<li>{escape(a)}</li>" for a in s["alignment"])
    pic = (f'<div class="pic">{s["picture"]}<div class="caption">{escape(s["picture_caption"])}</div></div>'
           if s.get("picture") else "")
    return (f'<div class="step">{head}<div class="cols"><div class="text">'
            f"<p><b>File:</b> {files}</p><p><b>Quantities</b></p>{qty}"
            f"<p><b>Alignment</b></p><ul>{align}</ul>"
            f'<div class="done"><span class="box"></span>aligned <span class="box"></span>done '
            f"— initials ______ time ______</div></div>{pic}</div>"
            f"<p><b>Settings</b> (value, then where it comes from)</p>{table}{written}</div>")


def _steps(data: dict[str, Any]) -> str:
    steps = data.get("steps", [])
    if not steps:
        return "<h2>Steps</h2><p>No stack layers.</p>"
    combined = "".join(
        f"<p>On a multi-tool machine, <code>{escape(j['file'])}</code> prints {escape(j['layer'])} "
        f"in one run.</p>" for j in data.get("combined_jobs", []) if j.get("file"))
    return "<h2>Steps</h2>" + combined + "\n".join(_step(s) for s in steps)


def _cell(data: dict[str, Any]) -> str:
    rows = data.get("cell_rows") or []
    chart = data.get("chart")
    body = _rows(rows) if rows else "<p>No cell estimate.</p>"
    pic = (f'<div class="chart keep">{chart}<div class="caption">{escape(data.get("chart_note", ""))} '
           "Published devices: the review's Table 1 (circles) and Table 2 (squares), "
           "by reference number.</div></div>") if chart else \
        f"<p class=\"caption\">{escape(data.get('chart_note', ''))}</p>"
    refs = "".join(f"<li>{escape(r)}</li>" for r in data.get("published", [])) if chart else ""
    if refs:
        pic += f'<ul class="refs">{refs}</ul>'
    return f'<h2>Cell estimate</h2><div class="keep">{body}</div>{pic}'


def _warnings(data: dict[str, Any]) -> str:
    items = "".join(f"<li>{escape(w)}</li>" for w in data.get("warnings", []))
    return f'<h2>Warnings</h2><ul class="warn">{items}</ul>' if items else "<h2>Warnings</h2><p>None.</p>"


def _files(data: dict[str, Any]) -> str:
    files = ", ".join(f"<code>{escape(f)}</code>" for f in data.get("files", []))
    return f"<h2>Files of this build</h2><p>{files}</p>" if files else ""
