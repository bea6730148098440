#!/usr/bin/env bash
# Runs every test of laminar: the shape of the crates, formatting and lints, the Rust unit and
# integration tests (aws-sdk-lambda, lambda_runtime), and the Python suite
# (AWS CLI, boto3, awslambdaric). Installs what it needs into ./.venv.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Python test tools (.venv)"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt

echo "==> the rooms keep their shape (import circles, layering, file and crate sizes)"
python3 tools/check_layers.py

echo "==> cargo fmt --check, cargo clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "==> build laminar and the test fixtures"
cargo build --workspace --bins --quiet
# The init the docker executor puts into containers: static, so that it runs
# whatever C library an image has (seconds: std and libc only).
RUSTFLAGS="-C target-feature=+crt-static" cargo build --quiet --release \
    --target x86_64-unknown-linux-gnu -p laminar-init

if docker info >/dev/null 2>&1; then
    echo "==> Lambda images for the docker executor tests (built offline, skipped when present)"
    ./scripts/build-test-images.sh
else
    echo "==> no Docker engine answers: the docker executor tests will be skipped"
fi

echo "==> Rust tests"
# Functions run by the process executor get a /tmp of their own, as in Lambda:
# the folders the tests share with them (tempfile's) live under /var/tmp.
export TMPDIR=/var/tmp
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi

echo "==> Python tests"
LAMINAR_BIN="$PWD/target/debug/laminar" .venv/bin/pytest -q tests/python

echo "==> Conformance harness (every operation of the API model; fails below tools/conformance/baseline.json)"
LAMINAR_BIN="$PWD/target/debug/laminar" .venv/bin/python tools/conformance/conformance.py
