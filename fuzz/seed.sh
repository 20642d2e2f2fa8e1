#!/usr/bin/env bash
# Seed the fuzz corpora (fuzz/corpus/<target>/, not committed) from testdata/ and, when it is
# present beside the repository, ../shared/corpus/. Each compose file becomes one input, with
# the `.env` and `redis.conf` beside it appended as `#%% NAME` sections (see
# tests/properties/checks.rs); the size values written in them seed the `units` target.
set -euo pipefail
cd "$(dirname "$0")"
sources=(../testdata)
if [ -d ../../shared/corpus ]; then
    sources+=(../../shared/corpus)
else
    echo "note: ../shared/corpus is not present; seeding from testdata/ only" >&2
fi
mkdir -p corpus/units corpus/load corpus/lint corpus/fix

add() { # add TARGET: stdin becomes an input named by its hash
    local tmp
    tmp=$(mktemp)
    cat >"$tmp"
    mv "$tmp" "corpus/$1/$(sha1sum <"$tmp" | cut -c1-16)"
}

count=0
while IFS= read -r -d '' compose; do
    dir=$(dirname "$compose")
    input=$(mktemp)
    cat "$compose" >"$input"
    for extra in .env redis.conf; do
        if [ -f "$dir/$extra" ]; then
            printf '\n#%%%% %s\n' "$extra" >>"$input"
            cat "$dir/$extra" >>"$input"
        fi
    done
    for target in load lint fix; do add "$target" <"$input"; done
    rm "$input"
    count=$((count + 1))
done < <(find "${sources[@]}" -type f \( -name '*.yml' -o -name '*.yaml' \) -print0)

# Size values: what follows a memory key or flag, quotes removed.
grep -rhoE '(mem_limit|mem_reservation|memswap_limit|memory|maxmemory|shared_buffers|work_mem)[:= ]+[^ #,]+' \
    "${sources[@]}" 2>/dev/null | sed -E 's/^[a-z_]+[:= ]+//; s/["'\'']//g' | sort -u |
    while IFS= read -r value; do printf '%s' "$value" | add units; done

echo "seeded $count projects and $(ls corpus/units | wc -l) size values into fuzz/corpus/" >&2
