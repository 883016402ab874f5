#!/usr/bin/env bats
# Resource limits: cpus and memory of a container part under `berth up`:
# the limits the kernel applies inside the container (its cgroup), a change
# that recreates only that container and that plan names, and bad values
# refused at load with file:line. (Swarm services: swarm.bats.)
load helpers
load project_helpers

# The container's limits as its cgroup shows them from inside: memory in
# bytes, then CPU quota and period (cgroup v1 or v2).
limits() {
    docker_exec "$1" sh -c '
        if [ -f /sys/fs/cgroup/memory.max ]; then
            cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/cpu.max
        else
            cat /sys/fs/cgroup/memory/memory.limit_in_bytes
            echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"
        fi' | tr '\n' ' '
}
docker_exec() { /usr/bin/docker -H "$DOCKER_HOST" exec "$@"; }

write_project() { # MEMORY of part a
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[a]
recipe = container
image = $IMG
command = $QUICK
stop-timeout = 1s
cpus = 0.5
memory = $1

[b]
recipe = container
image = $IMG
command = $QUICK
stop-timeout = 1s
EOF
}

@test "cpus and memory: the container's cgroup has them; a memory change recreates only that container" {
    write_project 64m
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(limits "$P-a-main")" = "67108864 50000 100000 " ]
    # a part without limits has none
    run limits "$P-b-main"
    [[ "$output" != "67108864 "* ]]
    [[ "$output" == *" -1 100000 " || "$output" == *"max 100000 " ]]
    b_id=$(api "http://e/containers/$P-b-main/json" | jq -r .Id)

    write_project 96m
    run berth -C "$DIR" plan
    [ "$status" -eq 0 ]
    [[ "$output" == *"changes (1):"* ]]
    [[ "$output" =~ recreate\ +a:main\ +changed:\ HostConfig.Memory ]]
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [[ "$output" == *"$P: 1 change(s)"* ]]
    [ "$(limits "$P-a-main")" = "100663296 50000 100000 " ]
    [ "$(api "http://e/containers/$P-b-main/json" | jq -r .Id)" = "$b_id" ]
}

@test "cpus and memory: bad values are refused at load with file:line, before any engine call" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[a]
recipe = container
image = $IMG
cpus = half
memory = 1k

[b]
recipe = container
image = $IMG
cpus = 0
memory = 256q
EOF
    run berth -C "$DIR" up
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:7: part 'a': key 'cpus': 'half' is not a number of CPUs"* ]]
    [[ "$output" == *"berth.ini:8: part 'a': key 'memory': '1k' is too small"* ]]
    [[ "$output" == *"berth.ini:13: part 'b': key 'cpus': '0' is not more than 0"* ]]
    [[ "$output" == *"berth.ini:14: part 'b': key 'memory': '256q' is not a size"* ]]
    run api "http://e/containers/$P-a-main/json"
    [ "$status" -ne 0 ]
}
