#!/usr/bin/env bash
# Builds the container images laminar's Docker tests use, without any container
# registry (none is reachable from the test machines):
#
#   public.ecr.aws/lambda/python:3.11      stand-in for the official Python base image
#   public.ecr.aws/lambda/provided:al2023  stand-in for the official custom-runtime image
#                                          (with curl, as AWS's shell-bootstrap tutorial needs)
#   public.ecr.aws/lambda/nodejs:20        stand-in for the official Node.js base image: Debian
#                                          bookworm's Node.js (18.x, not 20) and laminar's own
#                                          Node runtime client (crates/executor/runtimes/node)
#   laminar-test/image-function:latest     a container-image function FROM the first one
#
# The root filesystem is a Debian bookworm minbase made with debootstrap from the
# Debian mirror this machine's apt is set up with; the official Python runtime
# interface client (awslambdaric) comes from PyPI. The images keep the official
# layout and configuration: /lambda-entrypoint.sh as ENTRYPOINT, the handler as
# CMD, /var/task (code), /var/runtime (runtime), /opt (layers), the same ENV.
# They have no runtime interface emulator: they need AWS_LAMBDA_RUNTIME_API.
#
# Idempotent: an image already in the local Docker engine is skipped (the Node.js
# one only when it carries the runtime client of this checkout). Set
# LAMINAR_IMAGES_REBUILD=1 to rebuild all of them, or a comma-separated list of
# python, provided, nodejs, function to rebuild only those. The debootstrap root and the
# PyPI wheels are cached in $LAMINAR_IMAGE_CACHE (default /var/tmp/laminar-images).
# Building needs root (debootstrap, and reading the root's files to tar them).
set -euo pipefail

PYTHON_IMAGE=public.ecr.aws/lambda/python:3.11
PROVIDED_IMAGE=public.ecr.aws/lambda/provided:al2023
NODE_IMAGE=public.ecr.aws/lambda/nodejs:20
FUNCTION_IMAGE=laminar-test/image-function:latest

SUITE=bookworm
# One root for every image: an extra package costs seconds once, not per image.
INCLUDE=python3,ca-certificates,curl,nodejs
AWSLAMBDARIC_VERSION=4.2.2
CACHE="${LAMINAR_IMAGE_CACHE:-/var/tmp/laminar-images}"
# Named by its package set: checkouts with different sets keep their own root.
ROOTFS="$CACHE/rootfs-$SUITE-${INCLUDE//,/-}"
NODE_CLIENT="$(cd "$(dirname "$0")/.." && pwd)/crates/executor/runtimes/node/laminar_runtime.js"
RUNTIME_PY="$CACHE/runtime-python3.11-awslambdaric-$AWSLAMBDARIC_VERSION"

STARTED=$SECONDS
log() { printf '==> [%3ds] %s\n' "$((SECONDS - STARTED))" "$*"; }
die() {
    printf 'build-test-images: error: %s\n' "$*" >&2
    exit 1
}

# The configuration every image gets, as the official base images set it.
COMMON_CHANGES=(
    --change 'ENV LAMBDA_TASK_ROOT=/var/task'
    --change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime'
    --change 'ENV LANG=en_US.UTF-8'
    --change 'ENV TZ=:/etc/localtime'
    --change 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin'
    --change 'ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib'
    --change 'WORKDIR /var/task'
    --change 'ENTRYPOINT ["/lambda-entrypoint.sh"]'
    --change 'LABEL org.laminar.stand-in=true'
    --change "LABEL org.laminar.packages=$INCLUDE"
)

# With LAMINAR_IMAGES_REBUILD=1 the image a tag named before is left untagged:
# remove it (Docker refuses while a child image still uses it; that is fine).
drop_replaced() { # image old-id
    local now
    now=$(docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true)
    if [ -n "$2" ] && [ "$2" != "$now" ]; then
        docker rmi "$2" >/dev/null 2>&1 || true
    fi
}

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# Whether LAMINAR_IMAGES_REBUILD asks for this kind of image (python, provided, …).
rebuild_asked() {
    local asked=",${LAMINAR_IMAGES_REBUILD:-0},"
    [ "$asked" = ",1," ] || [[ "$asked" == *",$1,"* ]]
}

# Present, not asked to be rebuilt, and made from a root with today's packages.
image_exists() { # image kind
    ! rebuild_asked "$2" &&
        [ "$(docker image inspect -f '{{index .Config.Labels "org.laminar.packages"}}' "$1" 2>/dev/null)" = "$INCLUDE" ]
}

# The Debian mirror, read from this machine's apt configuration (deb822 sources
# first, then the one-line format); LAMINAR_DEBIAN_MIRROR overrides it.
debian_mirror() {
    if [ -n "${LAMINAR_DEBIAN_MIRROR:-}" ]; then
        echo "$LAMINAR_DEBIAN_MIRROR"
        return
    fi
    local mirror="" f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # The URIs of the stanza whose Suites has the bare release name.
        mirror=$(awk -v suite="$SUITE" '
            function flush() { if (!done && uris != "" && ok) { print uris; done = 1; exit } uris = ""; ok = 0 }
            /^[[:space:]]*$/ { flush(); next }
            tolower($1) == "uris:" { uris = $2 }
            tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
            END { flush() }' "$f")
        [ -n "$mirror" ] && break
    done
    if [ -z "$mirror" ]; then
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [ -f "$f" ] || continue
            mirror=$(awk -v suite="$SUITE" '
                $1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                              if ($(i + 1) == suite) { print $i; exit } }' "$f")
            [ -n "$mirror" ] && break
        done
    fi
    [ -n "$mirror" ] || die "no Debian mirror for '$SUITE' in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list (set LAMINAR_DEBIAN_MIRROR)"
    echo "${mirror%/}"
}

# rm -rf for a directory debootstrap may have left with /proc or /sys mounted in it.
remove_tree() {
    local dir=$1 mnt
    [ -e "$dir" ] || return 0
    awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r mnt; do umount -l "$mnt" || true; done
    rm -rf --one-file-system "$dir"
}

need_root() {
    [ "$(id -u)" = 0 ] || die "building $1 needs root (debootstrap, and reading every file of the root to tar it)"
}

build_rootfs() {
    if [ "$(cat "$ROOTFS/.laminar-rootfs-complete" 2>/dev/null)" = "$SUITE minbase $INCLUDE" ]; then
        log "debootstrap root: cached in $ROOTFS"
        return
    fi
    if ! command -v debootstrap >/dev/null 2>&1; then
        log "installing debootstrap (apt-get)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 ||
            { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } ||
            die "could not install debootstrap with apt-get"
    fi
    local mirror tmp="$ROOTFS.partial"
    mirror=$(debian_mirror)
    log "debootstrap --variant=minbase --include=$INCLUDE $SUITE into $tmp — a minute or two"
    remove_tree "$tmp"
    remove_tree "$ROOTFS"
    if ! debootstrap --variant=minbase --include="$INCLUDE" \
        "$SUITE" "$tmp" "$mirror" >"$CACHE/debootstrap.log" 2>&1; then
        tail -n 20 "$CACHE/debootstrap.log" >&2
        die "debootstrap failed (full log: $CACHE/debootstrap.log)"
    fi
    # What an image has no use for: package lists and downloaded packages.
    rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/*.bin "$tmp"/var/cache/apt/archives/*.deb
    echo "$SUITE minbase $INCLUDE" >"$tmp/.laminar-rootfs-complete"
    mv "$tmp" "$ROOTFS"
    log "debootstrap root ready: $(du -sh "$ROOTFS" | cut -f1)"
}

# awslambdaric and its two dependencies, as wheels for CPython 3.11 on x86_64
# glibc (the root's python3), whatever Python runs pip here.
fetch_runtime_client() {
    if [ -f "$RUNTIME_PY/.laminar-complete" ]; then
        log "awslambdaric $AWSLAMBDARIC_VERSION: cached in $RUNTIME_PY"
        return
    fi
    local pip=()
    if python3 -m pip --version >/dev/null 2>&1; then
        pip=(python3 -m pip)
    elif command -v pip3 >/dev/null 2>&1; then
        pip=(pip3)
    else
        log "installing pip (apt-get)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null 2>&1 ||
            { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null; } ||
            die "could not install pip with apt-get"
        pip=(python3 -m pip)
    fi
    log "pip install awslambdaric==$AWSLAMBDARIC_VERSION simplejson snapshot-restore-py (cp311 manylinux wheels)"
    rm -rf "$RUNTIME_PY" "$RUNTIME_PY.partial"
    PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore "${pip[@]}" install --quiet --disable-pip-version-check \
        --no-deps --target "$RUNTIME_PY.partial" \
        --python-version 3.11 --implementation cp --abi cp311 --only-binary=:all: \
        --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
        "awslambdaric==$AWSLAMBDARIC_VERSION" simplejson snapshot-restore-py ||
        die "pip could not install the runtime interface client"
    touch "$RUNTIME_PY.partial/.laminar-complete"
    mv "$RUNTIME_PY.partial" "$RUNTIME_PY"
}

# A throw-away copy of the root (hard links: only new files are written to it).
new_stage() {
    local stage="$CACHE/stage-$1"
    remove_tree "$stage"
    cp -al "$ROOTFS" "$stage"
    rm -f "$stage/.laminar-rootfs-complete"
    mkdir -p "$stage/var/task" "$stage/var/runtime" "$stage/var/lang/bin" "$stage/opt"
    # Amazon Linux's /bin/sh is bash (AWS's shell-bootstrap tutorial relies
    # on it); Debian's is dash.
    ln -sf bash "$stage/bin/sh"
    echo "$stage"
}

import_stage() { # stage image docker-import-args...
    local stage=$1 image=$2 old
    shift 2
    old=$(image_id "$image")
    log "docker import $image"
    tar --numeric-owner -C "$stage" -c . | docker import "${COMMON_CHANGES[@]}" "$@" - "$image" >/dev/null
    drop_replaced "$image" "$old"
    remove_tree "$stage"
    log "built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
}

# A runtime's /var/runtime/bootstrap: runs COMMAND on the handler ($1, else
# $_HANDLER) from the function's code directory, through
# AWS_LAMBDA_EXEC_WRAPPER when one is set.
write_bootstrap() { # stage "what it is" "lines before the start" command...
    local stage=$1 what=$2 setup=$3
    shift 3
    {
        printf '#!/bin/sh\n# %s (laminar'\''s stand-in image): runs %s on the\n' "$what" "$*"
        printf '# handler ($1, else $_HANDLER), from the function'\''s code directory,\n'
        printf '# against $AWS_LAMBDA_RUNTIME_API.\n'
        cat <<'EOF'
if [ $# -ge 1 ]; then
    _HANDLER=$1
fi
if [ -z "${_HANDLER:-}" ]; then
    echo "bootstrap: no handler: give it as the first argument or in _HANDLER" >&2
    exit 142
fi
export _HANDLER
EOF
        [ -z "$setup" ] || printf '%s\n' "$setup"
        cat <<'EOF'
cd "${LAMBDA_TASK_ROOT:-/var/task}" || exit 1
if [ -n "${AWS_LAMBDA_EXEC_WRAPPER:-}" ]; then
    if [ ! -f "$AWS_LAMBDA_EXEC_WRAPPER" ]; then
        echo "$AWS_LAMBDA_EXEC_WRAPPER: does not exist" >&2
        exit 127
    fi
    if [ ! -x "$AWS_LAMBDA_EXEC_WRAPPER" ]; then
        echo "$AWS_LAMBDA_EXEC_WRAPPER: is not an executable" >&2
        exit 126
    fi
    exec "$AWS_LAMBDA_EXEC_WRAPPER" RUNTIME_COMMAND "$_HANDLER"
fi
exec RUNTIME_COMMAND "$_HANDLER"
EOF
    } | sed "s|RUNTIME_COMMAND|$*|" >"$stage/var/runtime/bootstrap"
    chmod 755 "$stage/var/runtime/bootstrap"
}

# The /lambda-entrypoint.sh of a language image: the handler as the one
# argument (the image's CMD), then /var/runtime/bootstrap.
write_entrypoint() { # stage language
    {
        printf '#!/bin/sh\n# Entrypoint of laminar'\''s stand-in for the Lambda %s base image. As in the\n' "$2"
        cat <<'EOF'
# official image the handler comes as the one argument (the image's CMD) and the
# runtime is /var/runtime/bootstrap. This image has no runtime interface
# emulator, so it only runs against a Runtime API given in AWS_LAMBDA_RUNTIME_API.
if [ $# -gt 1 ]; then
    echo "entrypoint requires the handler name to be the first argument" >&2
    exit 142
fi
if [ $# -eq 1 ]; then
    export _HANDLER="$1"
fi
if [ -z "${_HANDLER:-}" ]; then
    echo "entrypoint requires the handler name to be the first argument" >&2
    exit 142
fi
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
    echo "lambda-entrypoint: AWS_LAMBDA_RUNTIME_API is not set, and this image has no runtime interface emulator (aws-lambda-rie) to start; run it under laminar, which sets it" >&2
    exit 1
fi
exec /var/runtime/bootstrap "$@"
EOF
    } >"$1/lambda-entrypoint.sh"
    chmod 755 "$1/lambda-entrypoint.sh"
}

build_python_image() {
    local stage
    stage=$(new_stage python3.11)
    cp -a "$RUNTIME_PY/." "$stage/var/runtime/"
    rm -f "$stage/var/runtime/.laminar-complete"
    # The official image keeps its interpreter in /var/lang/bin.
    ln -s /usr/bin/python3 "$stage/var/lang/bin/python3"
    ln -s /usr/bin/python3 "$stage/var/lang/bin/python3.11"

    write_bootstrap "$stage" "Python 3.11 runtime" \
        '# Layers first, then the runtime client, then whatever the function set.
export PYTHONPATH="/opt/python/lib/python3.11/site-packages:/opt/python:/var/runtime${PYTHONPATH:+:$PYTHONPATH}"' \
        /usr/bin/python3 -m awslambdaric
    write_entrypoint "$stage" Python
    import_stage "$stage" "$PYTHON_IMAGE" --message "laminar stand-in for $PYTHON_IMAGE"
}

build_provided_image() {
    local stage
    stage=$(new_stage provided.al2023)
    cat >"$stage/lambda-entrypoint.sh" <<'EOF'
#!/bin/sh
# Entrypoint of laminar's stand-in for the Lambda OS-only (custom runtime) base
# image. Runs the first bootstrap it finds: /var/runtime/bootstrap (what a
# container image built FROM this one copies in), then the function's own
# $LAMBDA_TASK_ROOT/bootstrap (a .zip function), then /opt/bootstrap (a layer).
# The handler, if any, comes as the one argument (the image's CMD) and reaches
# the bootstrap as $_HANDLER. This image has no runtime interface emulator, so
# it only runs against a Runtime API given in AWS_LAMBDA_RUNTIME_API.
if [ $# -gt 1 ]; then
    echo "entrypoint requires the handler name to be the first argument" >&2
    exit 142
fi
if [ $# -eq 1 ]; then
    export _HANDLER="$1"
fi
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
    echo "lambda-entrypoint: AWS_LAMBDA_RUNTIME_API is not set, and this image has no runtime interface emulator (aws-lambda-rie) to start; run it under laminar, which sets it" >&2
    exit 1
fi
for bootstrap in /var/runtime/bootstrap "${LAMBDA_TASK_ROOT:-/var/task}/bootstrap" /opt/bootstrap; do
    if [ -f "$bootstrap" ]; then
        exec "$bootstrap"
    fi
done
echo "lambda-entrypoint: no bootstrap in /var/runtime, ${LAMBDA_TASK_ROOT:-/var/task} or /opt" >&2
exit 127
EOF
    chmod 755 "$stage/lambda-entrypoint.sh"
    import_stage "$stage" "$PROVIDED_IMAGE" --message "laminar stand-in for $PROVIDED_IMAGE"
}

node_client_sha() { sha256sum "$NODE_CLIENT" | cut -c1-16; }

# The Node.js image is current when it carries this checkout's runtime client.
node_image_current() {
    [ "$(docker image inspect -f '{{index .Config.Labels "org.laminar.runtime-client"}}' "$NODE_IMAGE" 2>/dev/null)" = "$(node_client_sha)" ]
}

build_node_image() {
    local stage version
    stage=$(new_stage nodejs20)
    version=$(chroot "$ROOTFS" /usr/bin/node --version 2>/dev/null || echo unknown)
    cp "$NODE_CLIENT" "$stage/var/runtime/laminar_runtime.js"
    # The official image keeps its interpreter in /var/lang/bin.
    ln -s /usr/bin/node "$stage/var/lang/bin/node"
    # Debian's Node.js and laminar's own runtime client, not AWS's.
    write_bootstrap "$stage" "Node.js runtime" "" /var/lang/bin/node /var/runtime/laminar_runtime.js
    write_entrypoint "$stage" Node.js
    import_stage "$stage" "$NODE_IMAGE" \
        --change 'ENV NODE_PATH=/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task' \
        --change "LABEL org.laminar.stand-in.node-version=$version" \
        --change "LABEL org.laminar.runtime-client=$(node_client_sha)" \
        --message "laminar stand-in for $NODE_IMAGE: Debian's Node.js $version and laminar's runtime client"
}

build_function_image() {
    local ctx old
    old=$(image_id "$FUNCTION_IMAGE")
    ctx=$(mktemp -d)
    cat >"$ctx/app.py" <<'EOF'
import os


def handler(event, context):
    return {"image": True, "event": event, "cwd": os.getcwd()}


def other(event, context):
    return {"other": True, "cwd": os.getcwd()}
EOF
    cat >"$ctx/Dockerfile" <<EOF
FROM $PYTHON_IMAGE
ENV PYTHONPATH=/var/runtime
WORKDIR /var/task
COPY app.py /var/task/app.py
ENTRYPOINT ["/usr/bin/python3", "-m", "awslambdaric"]
CMD ["app.handler"]
EOF
    log "docker build $FUNCTION_IMAGE (FROM $PYTHON_IMAGE)"
    # The classic builder: it uses the local base image and needs no registry.
    if ! DOCKER_BUILDKIT=0 docker build --pull=false -q -t "$FUNCTION_IMAGE" "$ctx" >"$ctx/build.log" 2>&1; then
        cat "$ctx/build.log" >&2
        rm -rf "$ctx"
        die "docker build of $FUNCTION_IMAGE failed"
    fi
    rm -rf "$ctx"
    drop_replaced "$FUNCTION_IMAGE" "$old"
    log "built $FUNCTION_IMAGE ($(docker image inspect -f '{{.Size}}' "$FUNCTION_IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
}

main() {
    command -v docker >/dev/null 2>&1 || die "docker is not installed"
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
        die "the Docker engine is not reachable (is dockerd running, and may this user use it?): $(docker version 2>&1 | tail -n 1)"

    local todo=()
    image_exists "$PYTHON_IMAGE" python && log "$PYTHON_IMAGE: exists, skipped" || todo+=(python)
    image_exists "$PROVIDED_IMAGE" provided && log "$PROVIDED_IMAGE: exists, skipped" || todo+=(provided)
    if image_exists "$NODE_IMAGE" nodejs && node_image_current; then
        log "$NODE_IMAGE: exists, skipped"
    else
        todo+=(nodejs)
    fi
    if image_exists "$FUNCTION_IMAGE" function; then
        log "$FUNCTION_IMAGE: exists, skipped"
    else
        todo+=(function)
    fi
    if [ ${#todo[@]} -eq 0 ]; then
        log "all images present"
        return
    fi

    mkdir -p "$CACHE"
    exec 9>"$CACHE/.lock"
    flock 9

    local what
    for what in "${todo[@]}"; do
        case $what in
        python)
            need_root "$PYTHON_IMAGE"
            build_rootfs
            fetch_runtime_client
            build_python_image
            ;;
        provided)
            need_root "$PROVIDED_IMAGE"
            build_rootfs
            build_provided_image
            ;;
        nodejs)
            need_root "$NODE_IMAGE"
            build_rootfs
            build_node_image
            ;;
        function)
            build_function_image
            ;;
        esac
    done
    log "done"
}

main "$@"
