#!/usr/bin/env bash
# The project loader (src/lib/project) is a pipeline: project.c runs the
# stages in order, each stage works on what the previous ones left in the
# loader state, and all of them share the helpers of loader.c and model.c.
# This script counts the call sites from each file of the loader into the
# functions each other file defines (a grep, comments skipped), and fails
# when a file calls one of its own rank or above: a stage calling back into
# project.c, one stage calling another, a helper calling a stage.
#
#   tools/loader-calls.sh           the check (run by tools/test.sh)
#   tools/loader-calls.sh --matrix  every count, allowed or not
#
# Ranks, from the top (docs/architecture.md):
#   0  project.c                       project_load: the pipeline
#   1  zeroconf dockeropsconf sources keys subst resolve graph   the stages
#   2  checks instances dockerfile     steps of the resolve stage
#   3  loader model                    shared helpers, the model's accessors
#   4  ini schema values               the language: no loader state
set -euo pipefail
cd "$(dirname "$0")/../src/lib/project"

declare -A rank=(
    [project]=0
    [zeroconf]=1 [dockeropsconf]=1 [sources]=1 [keys]=1 [subst]=1 [resolve]=1 [graph]=1
    [checks]=2 [instances]=2 [dockerfile]=2
    [loader]=3 [model]=3
    [ini]=4 [schema]=4 [values]=4
)
matrix=false
[ "${1:-}" = --matrix ] && matrix=true

# Non-static functions a file defines: a line at column 0 that is not a
# declaration (no ';'), names one, and does not start with static.
defined() {
    { grep -E '^[A-Za-z_][A-Za-z0-9_ *]*[ *][a-z_][a-z0-9_]*\(' "$1" || true; } |
        { grep -Ev '^(static|typedef|enum|struct [a-z_]+ \{)|;\s*$' || true; } |
        sed -E 's/^[^(]*[ *]([a-z_][a-z0-9_]*)\(.*/\1/' | sort -u
}
# The code without its comments (string and character literals kept whole,
# so "unix://" starts no comment).
code() {
    perl -0777 -pe 's{("(?:\\.|[^"\\])*"|'"'"'(?:\\.|[^'"'"'\\])*'"'"')|/\*.*?\*/|//[^\n]*}{defined $1 ? $1 : " "}gse' "$1"
}

bad=0 total=0
for callee in *.c; do
    c=${callee%.c}
    names=$(defined "$callee" | paste -sd'|')
    [ -n "$names" ] || continue
    for caller in *.c; do
        [ "$caller" = "$callee" ] && continue
        n=$(code "$caller" | { grep -oE "(^|[^a-z0-9_])($names)\(" || true; } | wc -l)
        [ "$n" -gt 0 ] || continue
        r=${caller%.c}
        if [ -z "${rank[$r]:-}" ] || [ -z "${rank[$c]:-}" ]; then
            echo "src/lib/project/$caller -> $callee: a file with no rank (add it to tools/loader-calls.sh and docs/architecture.md)"
            bad=1
            continue
        fi
        if [ "${rank[$c]}" -le "${rank[$r]}" ]; then
            echo "src/lib/project/$caller -> $callee: $n call(s) back up or across the pipeline"
            total=$((total + n))
            bad=1
        elif $matrix; then
            echo "$caller -> $callee: $n"
        fi
    done
done
if [ $bad -eq 0 ]; then
    echo "loader: ok (project.c -> stages -> resolve's steps -> loader.c, model.c -> ini, schema, values)"
else
    echo "loader: $total call(s) against the pipeline's order"
fi
exit $bad
