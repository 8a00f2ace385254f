#!/usr/bin/env bash
# Mutation testing of one contract module in bounded time (mutmut 3, configured in
# pyproject.toml [tool.mutmut]: which files may be mutated, which tests run).
#
#   scripts/mutation.sh MODULE [SECONDS] [CHILDREN]
#   scripts/mutation.sh tensorlite.random.philox 1200 2
#   scripts/mutation.sh tensorlite.nn.init
#
# mutmut copies the package into mutants/, records which tests reach each function,
# then runs each mutant of MODULE against those tests only, stopping at SECONDS
# (default 1800; results so far are kept in mutants/ and a rerun continues them).
# Prints the score (killed / tested) and the surviving mutants; `mutmut show NAME`
# prints a mutant's diff. Triage goes to reports/mutation.md: each survivor is killed
# by a new test or explained as equivalent.
set -uo pipefail
cd "$(dirname "$0")/.."
module=${1:?usage: scripts/mutation.sh MODULE [SECONDS] [CHILDREN]}
seconds=${2:-1800}
children=${3:-2}
python=${PYTHON:-python}

timeout --signal=INT "$seconds" "$python" -m mutmut run --max-children "$children" "${module}.*" \
    > "mutants/run-${module}.log" 2>&1 || echo "mutmut stopped (time limit ${seconds}s or error): partial results"
"$python" -m mutmut results --all true | "$python" -c '
import collections, sys
module = sys.argv[1]
rows = [line.strip().rsplit(": ", 1) for line in sys.stdin if line.strip().startswith(module + ".")]
count = collections.Counter(status for _, status in rows)
tested = sum(n for status, n in count.items() if status not in ("not checked", "skipped"))
killed = count["killed"] + count["timeout"]
print(f"{module}: {dict(count)}")
print(f"score {killed}/{tested} = {100 * killed / max(tested, 1):.1f}% of the mutants tested")
for name, status in rows:
    if status not in ("killed", "timeout"):
        print(f"  {status}: {name}")
' "$module"
