"""Tables for the terminal and for the Markdown result file."""

from __future__ import annotations


def seconds(t):
    if t is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def ratio(r):
    return "—" if r is None else f"{r:.2f}x"


def verdict(value, target):
    if target is None or value is None:
        return ""
    return "met" if value <= target else "MISSED"


SPEED_HEADER = ["case", "tensorlite", "torch", "numpy/cupy", "tl/torch (or ref)", "tl/numpy",
                "target (tl/torch)", "met?", "reps"]


def speed_rows(results):
    rows = []
    for r in results:
        case = r.case
        other = "cupy" if case.device == "cuda" else "numpy"
        tl_torch = r.ratio("tensorlite", case.ref)  # "torch" unless the case says otherwise
        name = case.name if case.device == "cpu" else f"[cuda] {case.name}"
        rows.append([name, seconds(r.times.get("tensorlite")), seconds(r.times.get("torch")),
                     seconds(r.times.get(other)), ratio(tl_torch),
                     ratio(r.ratio("tensorlite", other)),
                     f"≤ {case.target:g}x" if case.target is not None else "",
                     verdict(tl_torch, case.target), str(r.reps)])
    return rows


MEMORY_HEADER = ["call", "tensorlite scratch", "numpy scratch", "target", "met?"]


def memory_rows(measured):
    rows = []
    for name, target, fractions in measured:
        tl_frac, np_frac = fractions.get("tensorlite"), fractions.get("numpy")
        rows.append([name, _frac(tl_frac), _frac(np_frac),
                     f"≤ {target:g}x output" if target is not None else "",
                     verdict(tl_frac, target)])
    return rows


def _frac(f):
    return "—" if f is None else f"{f:.3f}x output"


BANDWIDTH_HEADER = ["float32 fill", "time", "GB/s (written)", "fraction of copy"]


def bandwidth_rows(rows):
    return [[name, seconds(t), f"{rate / 1e9:,.0f}",
             "1 (reference: read + written)" if name.startswith("copy") else
             ("—" if frac is None else f"{frac:.2f}")] for name, t, rate, frac in rows]


def text_table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    left = {0}

    def line(cells):
        return "  ".join(str(c).ljust(w) if i in left else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def markdown_table(header, rows):
    def esc(x):
        return str(x).replace("|", "\\|")

    align = ["---"] + ["---:"] * (len(header) - 1)
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(out)
