#!/usr/bin/env bash
# Fails when a lower layer of src/lib includes a higher one, or when a file
# includes a library header without its folder (the folder shows the layer).
# The layers, and what each may include (docs/architecture.md):
#   base      base
#   engine    base engine
#   project   base project
#   compose   base project compose
#   transfer  base engine transfer
#   registry  base engine registry
#   converge  base engine project transfer registry converge
#   swarm     base engine project transfer registry converge swarm
#   src/cmd, src/main.c: everything
# Inside project/, tools/loader-calls.sh checks the loader's stages the same way.
set -euo pipefail
cd "$(dirname "$0")/../src/lib"

declare -A may=(
    [base]="base"
    [engine]="base engine"
    [project]="base project"
    [compose]="base project compose"
    [transfer]="base engine transfer"
    [registry]="base engine registry"
    [converge]="base engine project transfer registry converge"
    [swarm]="base engine project transfer registry converge swarm"
)
bad=0
for dir in */; do
    dir=${dir%/}
    [ -n "${may[$dir]:-}" ] || { echo "src/lib/$dir: a folder with no place in the layers (add it to tools/check-layers.sh and docs/architecture.md)"; bad=1; continue; }
    while IFS=: read -r file line text; do
        inc=${text#*\"}; inc=${inc%\"*}
        case $inc in
            */*) layer=${inc%%/*} ;;
            *) echo "src/lib/$file:$line: #include \"$inc\" hides its layer: write \"<folder>/$inc\""; bad=1; continue ;;
        esac
        case " ${may[$dir]} " in
            *" $layer "*) ;;
            *) echo "src/lib/$file:$line: $dir may not include $layer (\"$inc\"): a lower layer never includes a higher one"; bad=1 ;;
        esac
    done < <(grep -n '^#include "' "$dir"/*.[ch] || true)
done
[ $bad -eq 0 ] && echo "layers: ok (base <- engine, project <- compose, transfer <- converge <- cmd)"
# Inside project/: the loader's pipeline order (no stage calls back up).
bash ../../tools/loader-calls.sh || bad=1
exit $bad
