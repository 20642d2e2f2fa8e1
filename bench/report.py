#!/usr/bin/env python3
"""The arithmetic of bench/compare.sh (stdlib only).

  report.py classify TOOL EXIT STDOUT STDERR   whether a program worked on an input: prints a
                                               note and exits 0 if it did, 1 if it did not
  report.py probe PROBE JSON                   a probe's /usr/bin/time line as hyperfine JSON
  report.py predict UNITS [N:SECONDS...]       the seconds a program would take on UNITS
  report.py median JSON...                     the median of hyperfine runs, in seconds
  report.py write RESULTS_DIR MARKDOWN         RESULTS.md from index.tsv, hyperfine's JSON
                                               files, callgrind.tsv and meta.env
"""

import csv
import glob
import json
import math
import re
import statistics
import sys

# The targets of issue 9 (see README "Speed").
GROWTH_PER_10X = 11
SERVICES_10K_S = 0.150
FIX_OVER_LINT = 3
CORPUS_OVER_COMPOSE_LINT = 40
CORPUS_OVER_DCLINT = 300
ONE_FILE_OVER_CAT = 2
RSS_OVER_INPUT = 20
# Below this size a process's own few MB dominate its peak RSS: the RSS target is judged above it.
RSS_JUDGED_FROM_BYTES = 1_000_000
BUDGET_S = 600


def first_line(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [line.strip() for line in f if line.strip()]
    return lines[-1][:160] if lines else "no output"


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def classify(tool, exit_code, out, err):
    """(worked, note): a program worked if it ran through and reported on the input."""
    code = int(exit_code)
    if tool == "cat":
        return code == 0, "" if code == 0 else first_line(err)
    if tool == "compose-config":
        report = load_json(out)
        if code == 0 and isinstance(report, dict) and "services" in report:
            return True, f"{len(report['services'])} services"
        return False, first_line(err)
    report = load_json(out)
    if report is None:
        return False, f"exit {code}: {first_line(err)}"
    if tool in ("orion-lint", "orion-fix"):
        note = f"{len(report['diagnostics'])} findings"
        if report["errors"]:
            note += f", {len(report['errors'])} projects not read"
        return code in (0, 1, 2), note
    if tool == "compose-lint":
        findings, errors = report.get("findings", []), report.get("errors", [])
        if errors and not findings:
            return False, f"refused: {errors[0].get('message', '')[:160]}"
        note = f"{len(findings)} findings"
        if errors:
            note += f", {len(errors)} files not linted"
        return True, note
    if tool == "dclint":
        refused = [
            m["message"]
            for f in report
            for m in f.get("messages", [])
            if m.get("rule") in ("unknown-error", "invalid-yaml")
        ]
        if report and len(refused) >= len(report):
            return False, f"refused: {refused[0][:160]}"
        note = f"{sum(len(f.get('messages', [])) for f in report)} findings"
        if refused:
            note += f", {len(refused)} files not linted"
        return True, note
    raise SystemExit(f"unknown tool {tool}")


def probe_json(probe, out):
    """The probe's `/usr/bin/time -f '%M %e %U %S'` line as a hyperfine export of one run."""
    with open(probe, encoding="utf-8") as f:
        _, elapsed, user, system = f.read().split("\n")[-2].split()
    result = {"times": [float(elapsed)], "user": float(user), "system": float(system)}
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"results": [result]}, f)


def predict(units, *history):
    """Seconds a program would take on `units`, from its "units:seconds" so far: growing as it
    did over its last two sizes, and at least linearly."""
    points = [tuple(float(x) for x in h.split(":")) for h in history]
    if not points:
        return 0.0
    n, t = points[-1]
    exponent = 1.0
    if len(points) >= 2:
        (n0, t0), (n1, t1) = points[-2:]
        exponent = max(1.0, math.log(t1 / t0) / math.log(n1 / n0))
    return round(t * (units / n) ** exponent, 1)


def runs(paths):
    """Every timed run of these hyperfine exports, and the mean user+system CPU per run."""
    times, cpu = [], []
    for path in paths:
        for result in load_json(path)["results"]:
            times.extend(result["times"])
            cpu.extend([result["user"] + result["system"]] * len(result["times"]))
    return times, cpu


class Measured:
    """One program on one input: its index.tsv row and its timed runs."""

    def __init__(self, row, results):
        self.__dict__.update(row)
        self.units = int(row["units"])
        self.bytes = int(row["bytes"])
        self.rss = int(row["rss_kb"]) * 1024 if row["rss_kb"] else None
        paths = sorted(glob.glob(f"{results}/{row['section']}.{row['input']}.{row['tool']}.*.json"))
        self.times, cpu = runs(paths) if row["status"] == "ok" else ([], [])
        self.median = statistics.median(self.times) if self.times else None
        self.cpu = statistics.mean(cpu) if cpu else None

    def cell(self, base=None):
        """The median, with the ratio base/this; or why there is none."""
        if self.median is None:
            return f"{self.status}: {self.note}" if self.note else self.status
        text = duration(self.median)
        if base is not None and base.median is not None and self is not base:
            text += f" ({base.median / self.median:.3g})"
        return text

    def timed_out_after(self):
        """The time-out of a run that did not finish, if that is why it failed."""
        match = re.fullmatch(r"timed out after (\d+) s", self.note)
        return int(match.group(1)) if self.status == "failed" and match else None


def duration(seconds):
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.001:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def size(n_bytes):
    if n_bytes is None:
        return ""
    for unit, factor in (("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= factor:
            return f"{n_bytes / factor:.1f} {unit}"
    return f"{n_bytes} B"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def met(ok):
    return "met" if ok else "**not met**"


def write(results, markdown):
    with open(f"{results}/index.tsv", encoding="utf-8") as f:
        measured = [Measured(row, results) for row in csv.DictReader(f, delimiter="\t")]
    with open(f"{results}/meta.env", encoding="utf-8") as f:
        meta = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    with open(f"{results}/callgrind.tsv", encoding="utf-8") as f:
        callgrind = list(csv.DictReader(f, delimiter="\t"))

    def get(section, input_, tool):
        return next(
            (m for m in measured if (m.section, m.input, m.tool) == (section, input_, tool)),
            None,
        )

    def inputs(section):
        return list(dict.fromkeys(m.input for m in measured if m.section == section))

    out = [
        "# orion-lint against its peers: results\n",
        f"Written by `bench/compare.sh`{' --quick' if meta['mode'] == 'quick' else ''} on "
        f"{meta['date']} at commit `{meta['commit']}`, in {meta['elapsed']} s (of which "
        f"{meta['build']} s building orion-lint in release mode). Regenerate with "
        "`bench/compare.sh`; `--quick` runs fewer sizes and repetitions.\n",
        f"Machine: {meta['nproc']} cores ({meta['cpu']}), {meta['ram']} of RAM; load average "
        f"{meta['load']}. The machine was shared with other builds while this ran, so the wall "
        "times are inflated and noisy: compare the ratios (both sides measured in the same "
        "rounds) and the callgrind counts, and rerun on a quiet machine for absolute times.\n",
        "Versions: "
        + ", ".join(
            meta[k]
            for k in ("orion-lint", "dclint", "compose-lint", "compose", "hyperfine", "valgrind",
                      "node", "python", "rustc")
        )
        + ".\n",
        "Method: each program runs once under `/usr/bin/time` first, for its peak RSS and to see "
        "whether it works on the input (its report must parse; a refusal or a time-out is "
        "reported as failed, and a peer whose previous size already failed or would take over "
        "the limit is not run). The timed runs then alternate between the programs, round "
        "after round, with `hyperfine -N` and no warm-up runs (each run a new process; the "
        "page cache is warm); a program whose first run took over 5 s is not run again, that "
        "run is its time. Times are medians over every run; a ratio in brackets is "
        "orion-lint's median over the program's, from the same rounds. All programs write "
        "JSON reports. Compose's `config` is the floor for parsing and normalising one "
        "project; it takes one project per invocation, so it has no corpus or tree runs.\n",
    ]

    # Targets.
    rows = []
    orion_10k = get("services", "services-10000", "orion-lint")
    if orion_10k and orion_10k.median is not None:
        rows.append(("10,000 services under 150 ms", duration(orion_10k.median),
                     met(orion_10k.median < SERVICES_10K_S)))
    for section, unit in (("services", "services"), ("trees", "projects")):
        series = [get(section, i, "orion-lint") for i in inputs(section)]
        series = [m for m in series if m and m.median is not None]
        worst = None
        for a, b in zip(series, series[1:]):
            # Allowed: 11x the time for 10x the input, pro rata for other steps.
            excess = (b.median / a.median) / (b.units / a.units) * 10 / GROWTH_PER_10X
            if worst is None or excess > worst[0]:
                worst = (excess, a, b)
        if worst:
            excess, a, b = worst
            rows.append((
                f"growth linear in {unit} (at most 11x the time for 10x)",
                f"worst step {a.units:,} to {b.units:,}: {b.median / a.median:.1f}x the time "
                f"for {b.units / a.units:.0f}x",
                met(excess <= 1),
            ))
    for input_ in inputs("fix"):
        fix, lint = get("fix", input_, "orion-fix"), get("fix", input_, "orion-lint")
        if fix and lint and fix.median is not None and lint.median is not None:
            rows.append((f"`--fix --plan` at most 3x a lint ({input_}, {fix.units:,} services)",
                         f"{fix.median / lint.median:.1f}x",
                         met(fix.median <= FIX_OVER_LINT * lint.median)))
    trees = [get("trees", i, "orion-lint") for i in inputs("trees")]
    trees = [m for m in trees if m and m.median is not None and m.cpu is not None]
    if trees:
        tree = trees[-1]
        cores = tree.cpu / statistics.mean(tree.times)
        nproc = int(meta["nproc"])
        rows.append((f"projects linted in parallel on every core ({tree.units:,} projects)",
                     f"{cores:.2f} cores busy of {nproc} (CPU time / wall time)",
                     met(cores >= 0.75 * nproc)))
    orion_corpus = get("corpus", "corpus", "orion-lint")
    for tool, target in (("compose-lint", CORPUS_OVER_COMPOSE_LINT), ("dclint", CORPUS_OVER_DCLINT)):
        peer = get("corpus", "corpus", tool)
        if orion_corpus and peer and orion_corpus.median is not None:
            timeout = peer.timed_out_after()
            if timeout:
                bound = timeout / orion_corpus.median
                rows.append((f"the corpus at least {target}x faster than {tool}",
                             f"over {bound:.0f}x ({tool} timed out after {timeout} s)",
                             met(True) if bound >= target else "not measured"))
            elif peer.median is None:
                rows.append((f"the corpus at least {target}x faster than {tool}",
                             f"{tool} {peer.status}", "not measured"))
            else:
                speedup = peer.median / orion_corpus.median
                rows.append((f"the corpus at least {target}x faster than {tool}",
                             f"{speedup:.0f}x", met(speedup >= target)))
    orion_one, cat_one = get("fixture", "orion", "orion-lint"), get("fixture", "orion", "cat")
    if orion_one and cat_one and orion_one.median is not None and cat_one.median is not None:
        rows.append(("one file within 2x of `cat` (the Orion fixture)",
                     f"{orion_one.median / cat_one.median:.1f}x",
                     met(orion_one.median <= ONE_FILE_OVER_CAT * cat_one.median)))
    judged = [m for m in measured if m.tool == "orion-lint" and m.section != "fix"
              and m.rss and m.bytes >= RSS_JUDGED_FROM_BYTES]
    if judged:
        worst = max(judged, key=lambda m: m.rss / m.bytes)
        rows.append(("peak RSS at most 20x the input (inputs of 1 MB and more)",
                     f"worst {worst.rss / worst.bytes:.0f}x ({worst.input}: {size(worst.rss)} "
                     f"for {size(worst.bytes)})",
                     met(worst.rss <= RSS_OVER_INPUT * worst.bytes)))
    elapsed = int(meta["elapsed"])
    rows.append(("the benchmark runs from a clean clone in under 10 minutes",
                 f"{elapsed} s ({meta['build']} s of it building)",
                 met(elapsed < BUDGET_S) + ("" if meta["mode"] == "full" else " (quick mode)")))
    out += ["## Targets\n", table(("target", "measured", ""), rows)]

    def program_table(section, input_):
        ms = [m for m in measured if (m.section, m.input) == (section, input_)]
        base = get(section, input_, "orion-lint")
        rows = []
        for m in ms:
            spread = f"{duration(min(m.times))} to {duration(max(m.times))}" if m.times else ""
            ratio = ""
            if m is not base and m.median is not None and base and base.median is not None:
                ratio = f"{base.median / m.median:.3g}"
                if m.median > base.median:
                    ratio += f" (orion-lint {m.median / base.median:.0f}x faster)"
            median = duration(m.median) if m.median is not None else m.status
            rows.append((m.tool, median, spread, len(m.times), ratio, size(m.rss), m.note))
        first = ms[0]
        return (f"Input: {first.units:,} {'files' if section == 'corpus' else 'services'}, "
                f"{size(first.bytes)}.\n\n" + table(
                    ("program", "median", "range", "runs", "orion-lint / program", "peak RSS",
                     "note"), rows))

    out += ["## (1) The Orion fixture (`testdata/orion`), cold\n", program_table("fixture", "orion")]
    if inputs("corpus"):
        out += ["## (2) Every compose file of `../shared/corpus/` in one invocation\n",
                "orion-lint and compose-lint get the list of files; so does dclint (it also takes "
                "directories with `-r`, but then it only picks the files its own pattern "
                "matches).\n\n", program_table("corpus", "corpus")]
    else:
        out += ["## (2) The corpus\n", "Not run: `../shared/corpus/` is absent.\n"]

    out.append("## (3) Synthetic inputs (`bench/generate.py`)\n")
    for section, unit, peers in (
        ("services", "service", ("compose-config", "compose-lint", "dclint")),
        ("trees", "project", ("compose-lint", "dclint")),
    ):
        out.append(
            "Files of N services (groups of redis, postgres, a Celery worker and a web app, with "
            "`mem_limit`, `deploy.resources.limits.memory`, a merge key, environment and "
            "commands):\n\n" if section == "services" else
            "Trees of N projects, each a directory with its `compose.yaml` (one group of four "
            "services) and `.env`; orion-lint and dclint (`-r`) get the directory, compose-lint "
            "the list of compose files:\n\n")
        rows = []
        previous = None
        for input_ in inputs(section):
            m = get(section, input_, "orion-lint")
            growth = ""
            if previous and previous.median and m.median:
                growth = f"{m.median / previous.median:.1f}x for {m.units / previous.units:.0f}x"
            rows.append((
                f"{m.units:,}", size(m.bytes), m.cell(),
                duration(m.median / m.units) if m.median else "", growth, size(m.rss),
                f"{m.rss / m.bytes:.0f}x" if m.rss else "",
                *(get(section, input_, p).cell(m) if get(section, input_, p) else "" for p in peers),
            ))
            previous = m
        out.append(table(
            (f"{unit}s", "input", "orion-lint", f"per {unit}", "growth", "peak RSS",
             "RSS / input", *peers), rows))
        out.append("\nPeers: median (orion-lint / peer); peak RSS of the peers:\n\n")
        out.append(table(("input", *peers), [
            (i, *(size(get(section, i, p).rss) if get(section, i, p) else "" for p in peers))
            for i in inputs(section)
        ]))
    out += ["\nA large file (`generate.py large`):\n\n", program_table("large", "large")]

    out.append("## (4) `--fix --plan cax21` against a lint of the same input\n")
    out.append(
        "Each run starts from a fresh copy (hyperfine `--prepare`). The Orion fixture is rescaled "
        "from its CAX11; the rescalable file (`generate.py rescalable`) from a CAX41, and it is "
        "the largest a CAX21 can hold: every service keeps a 6 MiB minimum, so a 10,000-service "
        "file cannot be rescaled to 8 GB (orion-lint says so and exits 2).\n\n")
    rows = []
    for input_ in inputs("fix"):
        fix, lint = get("fix", input_, "orion-fix"), get("fix", input_, "orion-lint")
        ratio = (f"{fix.median / lint.median:.1f}x"
                 if fix.median is not None and lint.median is not None else "")
        rows.append((input_, f"{fix.units:,}", size(fix.bytes), lint.cell(), fix.cell(), ratio,
                     size(lint.rss), size(fix.rss), fix.note))
    out.append(table(("input", "services", "size", "lint", "--fix --plan cax21", "fix / lint",
                      "lint RSS", "fix RSS", "note"), rows))

    out.append("## Callgrind instruction counts (orion-lint)\n")
    out.append("`valgrind --tool=callgrind`, the `Collected` total: stable across runs on a busy "
               "machine, unlike wall time.\n\n")
    out.append(table(("input", "instructions"), [
        (row["input"], f"{int(row['instructions']):,}" if row["instructions"].isdigit()
         else row["instructions"]) for row in callgrind
    ]))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(out))
    with open(markdown, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    if len(argv) >= 2 and argv[1] == "classify" and len(argv) == 6:
        worked, note = classify(*argv[2:])
        print(note)
        sys.exit(0 if worked else 1)
    if len(argv) == 4 and argv[1] == "probe":
        probe_json(argv[2], argv[3])
    elif len(argv) >= 3 and argv[1] == "predict":
        print(predict(float(argv[2]), *argv[3:]))
    elif len(argv) >= 3 and argv[1] == "median":
        print(f"{statistics.median(runs(argv[2:])[0]):.6f}")
    elif len(argv) == 4 and argv[1] == "write":
        write(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
