"""The ``python -m benchmarks`` command: measure, print, write the Markdown result."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import _memory, _report, _system, cases, cases_autograd, cases_checkpoint, cases_deferred, cases_training
from ._timing import measure

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="tensorlite vs NumPy and PyTorch (and CuPy / PyTorch CUDA on a GPU): "
                    "creation latency, bulk creation, random fills, initializers, modules, "
                    "scratch memory, GPU fill bandwidth. Libraries are interleaved within "
                    "each repetition; times are medians.")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: 3 repetitions and small sizes (numbers not meaningful)")
    p.add_argument("--reps", type=int, default=None,
                   help="repetitions per case (default 11, or 3 with --quick)")
    p.add_argument("--budget", type=float, default=20.0, metavar="SECONDS",
                   help="cases whose repetitions would take longer than this run fewer "
                        "repetitions, at least 5 (default 20)")
    p.add_argument("--only", default=None, metavar="TEXT",
                   help="run only the cases whose name or group contains TEXT")
    p.add_argument("--no-write", action="store_true",
                   help="print the tables without writing benchmarks/results/*.md")
    p.add_argument("--out", type=Path, default=RESULTS, help="directory for the Markdown file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p.parse_args(argv)


def _progress(total, disable):
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a convenience, never a requirement
        class tqdm:  # noqa: N801 - stands in for the real one
            def __init__(self, **kwargs):
                pass

            def update(self, n=1):
                pass

            def set_description_str(self, text):
                pass

            def close(self):
                pass

    return tqdm(total=total, disable=disable, file=sys.stderr, unit="rep", leave=False,
                dynamic_ncols=True)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sizes = cases.QUICK if args.quick else cases.FULL
    reps = args.reps or (3 if args.quick else 11)
    cases.cpu_threads()
    cp = cases.cupy_module()
    import tensorlite as tl

    gpu = cp is not None and tl.cuda.is_available()
    selected = (cases.cpu_cases(sizes) + cases_autograd.cpu_cases(sizes)
                + cases_checkpoint.cpu_cases(sizes)
                + cases_deferred.cpu_cases(sizes) + cases_training.cpu_cases(sizes)
                + (cases.gpu_cases(sizes, cp) if gpu else []))
    if args.only:
        selected = [c for c in selected if args.only in c.name or args.only in c.group]
    memory = _memory.cases(sizes.bulk)
    if args.only:
        memory = [m for m in memory if args.only in m[0]]
    gpu_syncs = cases.syncs(cp if gpu else None)

    total = reps * len(selected) + len(memory) + (reps if gpu and not args.only else 0)
    bar = _progress(total, args.no_progress)
    results, measured, bandwidth, bw_errors = [], [], None, {}
    try:
        for case in selected:
            bar.set_description_str(f"{case.device}: {case.name}")
            syncs = gpu_syncs if case.device == "cuda" else {}
            results.append(measure(case, reps, syncs, on_rep=lambda: bar.update(1),
                                   budget=args.budget))
        for name, target, calls in memory:
            bar.set_description_str(f"memory: {name}")
            fractions = {lib: _memory.scratch_fraction(call) for lib, call in calls.items()}
            measured.append((name, target, fractions))
            bar.update(1)
        if gpu and not args.only:
            from ._gpu import fill_bandwidth

            bar.set_description_str("cuda: fill bandwidth")
            bandwidth, bw_errors = fill_bandwidth(cp, sizes.gpu_fill, reps,
                                                  on_rep=lambda: bar.update(1))
    finally:
        bar.close()

    info = _system.describe(cp if gpu else None)
    report = Report(info, reps, args.quick, results, measured, bandwidth, bw_errors,
                    sizes.gpu_fill)
    print(report.text())
    scale = _dask_scale(args)
    if scale:
        print(scale)
    if not args.no_write:
        path = report.write(args.out)
        if scale:
            path.write_text(path.read_text() + "\n```\n" + scale.strip() + "\n```\n")
        print(f"\nwrote {path}")
    return 0


def _dask_scale(args):
    """tensorlite.dask's section (benchmarks/dask_scale.py), when Dask is installed and
    ``--only`` does not exclude it."""
    if args.only and args.only not in "tensorlite.dask":
        return ""
    try:
        import dask.array  # noqa: F401
    except ImportError:
        return "\ntensorlite.dask: not measured (pip install 'tensorlite[dask]')"
    from . import dask_scale

    return dask_scale.text(*dask_scale.run(quick=args.quick))


class Report:
    def __init__(self, info, reps, quick, results, measured, bandwidth, bw_errors, gpu_fill):
        self.info, self.reps, self.quick = info, reps, quick
        self.results, self.measured = results, measured
        self.bandwidth, self.bw_errors, self.gpu_fill = bandwidth, bw_errors, gpu_fill

    def _targets(self):
        checks = []
        for r in self.results:
            if r.case.target is not None:
                checks.append((r.case.name, r.ratio("tensorlite", r.case.ref), r.case.target))
        for name, target, fractions in self.measured:
            if target is not None:
                checks.append((f"scratch of {name}", fractions.get("tensorlite"), target))
        met = [c for c in checks if c[1] is not None and c[1] <= c[2]]
        missed = [c for c in checks if c not in met]
        return checks, met, missed

    def _errors(self):
        lines = [f"{r.case.name} [{lib}]: {err}" for r in self.results
                 for lib, err in r.errors.items()]
        lines += [f"bandwidth {name}: {err}" for name, err in self.bw_errors.items()]
        return lines

    def _notes(self):
        return [f"{r.case.name}: {r.case.note}" for r in self.results if r.case.note]

    def text(self):
        head = "  ".join(f"{k}: {v}" for k, v in self.info[:4])
        parts = [f"\n{head}", f"up to {self.reps} interleaved repetitions per case (column reps), median per call"
                 + (" (--quick: small sizes, numbers not meaningful)" if self.quick else ""),
                 "", _report.text_table(_report.SPEED_HEADER,
                                        _report.speed_rows(self.results))]
        if self.measured:
            parts += ["", "Peak scratch memory (tracemalloc; peak minus output bytes)",
                      _report.text_table(_report.MEMORY_HEADER,
                                         _report.memory_rows(self.measured))]
        if self.bandwidth:
            parts += ["", f"GPU float32 fills of {self.gpu_fill:,} elements vs a "
                          f"device-to-device copy",
                      _report.text_table(_report.BANDWIDTH_HEADER,
                                         _report.bandwidth_rows(self.bandwidth))]
        checks, met, missed = self._targets()
        parts += ["", f"targets met: {len(met)} / {len(checks)}"]
        parts += [f"  MISSED {name}: {_report.ratio(v)} (target ≤ {t:g}x)"
                  for name, v, t in missed]
        errors = self._errors()
        if errors:
            parts += ["", "could not run:"] + [f"  {e}" for e in errors]
        return "\n".join(parts)

    def markdown(self):
        date = dict(self.info)["Date"]
        cpu = dict(self.info)["CPU"]
        out = [f"# tensorlite benchmarks: {date}, {cpu}", "",
               "Produced by `python -m benchmarks"
               + (" --quick" if self.quick else "") + "`. "
               f"Each case runs every library once per repetition, in rotating order "
               f"(up to {self.reps} repetitions, at least 5; column reps); times are the median per call. Ratios are "
               f"tensorlite's time divided by the other library's (below 1: tensorlite "
               f"is faster). Targets are from the issues.", "",
               _report.markdown_table(["measured on", ""], [[k, v] for k, v in self.info]), "",
               "## Speed", "",
               _report.markdown_table(_report.SPEED_HEADER, _report.speed_rows(self.results))]
        notes = self._notes()
        if notes:
            out += ["", "Notes:", ""] + [f"- {n}" for n in notes]
        if self.measured:
            out += ["", "## Scratch memory", "",
                    "Peak memory traced by `tracemalloc` during the call, minus the output's "
                    "own bytes, as a multiple of the output size (NumPy's buffers are "
                    "visible to tracemalloc; PyTorch's allocator is not).", "",
                    _report.markdown_table(_report.MEMORY_HEADER,
                                           _report.memory_rows(self.measured))]
        if self.bandwidth:
            out += ["", "## GPU fill bandwidth", "",
                    f"float32 fills of {self.gpu_fill:,} elements: bytes written per second, "
                    f"as a fraction of a device-to-device copy's bytes read + written per "
                    f"second.", "",
                    _report.markdown_table(_report.BANDWIDTH_HEADER,
                                           _report.bandwidth_rows(self.bandwidth))]
        checks, met, missed = self._targets()
        out += ["", "## Targets", "", f"Met {len(met)} of {len(checks)}."]
        if missed:
            out += [""] + [f"- missed: {name}: {_report.ratio(v)} (target ≤ {t:g}x)"
                           for name, v, t in missed]
        errors = self._errors()
        if errors:
            out += ["", "## Could not run", ""] + [f"- {e}" for e in errors]
        return "\n".join(out) + "\n"

    def write(self, directory):
        info = dict(self.info)
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{info['Date']}-{_system.slug(info['CPU'])}"
        if "GPU" in info:
            name += f"-{_system.slug(info['GPU'])}"
        if self.quick:
            name += "-quick"
        path = directory / f"{name}.md"
        path.write_text(self.markdown(), encoding="utf-8")
        return path
