#!/usr/bin/env bash
# Mutation testing of one contract module in bounded time (mutmut 3, configured in
# pyproject.toml [tool.mutmut]: which files may be mutated, which tests run).
#
#   scripts/mutation.sh MODULES [SECONDS] [CHILDREN] [SAMPLE]
#   scripts/mutation.sh tensorlite.random.philox 1200 2
#   scripts/mutation.sh tensorlite.nn.init
#   scripts/mutation.sh "tensorlite.random.sampling tensorlite._validation" 1800 2 150
#
# MODULES is one module or several (space-separated, one mutmut run: its start-up
# runs every selected test once, minutes, so several modules share it). mutmut copies the package into mutants/, records which tests reach each function,
# then runs each mutant of MODULE against those tests only, stopping at SECONDS
# (default 1800; results so far are kept in mutants/ and a rerun continues them).
# With SAMPLE, only that many of MODULE's mutants run, drawn uniformly at random with
# a fixed seed (MUTATION_SEED, default 18), so the score is an unbiased estimate and a
# rerun draws the same mutants; the first call with SAMPLE lists the mutants with a
# run that only generates them. Prints each module's score (killed / tested) and its
# surviving mutants with their diffs. Triage goes to reports/mutation.md: each survivor is killed
# by a new test or explained as equivalent.
set -uo pipefail
cd "$(dirname "$0")/.."
read -r -a modules <<< "${1:?usage: scripts/mutation.sh MODULES [SECONDS] [CHILDREN] [SAMPLE]}"
seconds=${2:-1800}
children=${3:-2}
sample=${4:-}
python=${PYTHON:-python}
# test_kernels_host builds a C++ harness (~1 min) per pytest session, and mutmut starts a
# session per mutant: build it once per harness source and share it.
key=$(cat tests/kernel_host_check.cu kernels/* 2>/dev/null | sha1sum | cut -c1-12)
export TENSORLITE_HARNESS_DIR=${TENSORLITE_HARNESS_DIR:-${TMPDIR:-/tmp}/tensorlite-harness-$key}
mkdir -p mutants

log=mutants/run-$(IFS=-; echo "${modules[*]}").log
names=()
listing=$("$python" -m mutmut results --all true 2>/dev/null)
for module in "${modules[@]}"; do
    if [ -z "$sample" ]; then
        names+=("${module}.*")
        continue
    fi
    if ! grep -c "^ *${module}\." > /dev/null <<< "$listing"; then  # not generated yet
        "$python" -m mutmut run --max-children "$children" "no-such-mutant" > /dev/null 2>&1
        listing=$("$python" -m mutmut results --all true 2>/dev/null)
    fi
    "$python" -c '
import random, sys
module, size, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
names = sorted(line.strip().rsplit(": ", 1)[0] for line in sys.stdin
               if line.strip().startswith(module + "."))
print("\n".join(sorted(random.Random(seed).sample(names, min(size, len(names))))))
' "$module" "$sample" "${MUTATION_SEED:-18}" <<< "$listing" > "mutants/sample-${module}.txt"
    mapfile -t -O "${#names[@]}" names < "mutants/sample-${module}.txt"
done

timeout --signal=INT "$seconds" "$python" -m mutmut run --max-children "$children" "${names[@]}" \
    > "$log" 2>&1 || echo "mutmut stopped (time limit ${seconds}s or error): partial results"
results=$("$python" -m mutmut results --all true)
for module in "${modules[@]}"; do
    sample_file=/nonexistent
    [ -n "$sample" ] && sample_file="mutants/sample-${module}.txt"
    "$python" -c '
import collections, subprocess, sys
module, sample_file = sys.argv[1], sys.argv[2]
try:
    chosen = set(open(sample_file).read().split())
except OSError:
    chosen = None
rows = [line.strip().rsplit(": ", 1) for line in sys.stdin if line.strip().startswith(module + ".")]
if chosen is not None:
    rows = [(name, status) for name, status in rows if name in chosen]
count = collections.Counter(status for _, status in rows)
tested = sum(n for status, n in count.items() if status not in ("not checked", "skipped"))
killed = count["killed"] + count["timeout"]
print(f"{module}: {dict(count)}" + (f" (sample of {len(chosen)})" if chosen is not None else ""))
print(f"score {killed}/{tested} = {100 * killed / max(tested, 1):.1f}% of the mutants tested")
for name, status in rows:
    if status not in ("killed", "timeout", "not checked"):
        diff = subprocess.run([sys.executable, "-m", "mutmut", "show", name], capture_output=True,
                              text=True).stdout.splitlines()
        change = " | ".join(line[1:].strip() for line in diff if line[:1] in "+-"
                            and line[:3] not in ("---", "+++"))
        print(f"  {status}: {name}\n      {change}")
' "$module" "$sample_file" <<< "$results"
done
