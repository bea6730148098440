#!/usr/bin/env bash
# Builds laminar, starts it on port 4566 and deploys and invokes a first
# Python function with the AWS CLI. laminar keeps running in the foreground
# afterwards; Ctrl-C stops it (and every function it started).
#
# Functions run as local processes here (the host's python3), which works on
# any machine; LAMINAR_EXECUTOR=docker (or auto) runs them in the official
# Lambda images instead, which needs those images present or pullable.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${LAMINAR_PORT:-4566}"
ENDPOINT="http://127.0.0.1:$PORT"

echo "==> building laminar (release)"
cargo build --release --quiet -p laminar

if command -v aws >/dev/null 2>&1; then
    AWS=(aws)
else
    echo "==> installing the AWS CLI into .venv"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check awscli
    AWS=(.venv/bin/aws)
fi
BINARY_FORMAT=()
if "${AWS[@]}" --version 2>&1 | grep -q '^aws-cli/2'; then
    BINARY_FORMAT=(--cli-binary-format raw-in-base64-out)
fi

./target/release/laminar serve --port "$PORT" --executor "${LAMINAR_EXECUTOR:-process}" &
LAMINAR=$!
trap 'kill $LAMINAR 2>/dev/null || true' INT TERM
until curl -sf "$ENDPOINT/_laminar/health" >/dev/null; do
    kill -0 $LAMINAR 2>/dev/null || { echo "laminar did not start" >&2; exit 1; }
    sleep 0.1
done

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
WORK=$(mktemp -d)
cat > "$WORK/app.py" <<'PY'
def handler(event, context):
    return {"message": f"Hello, {event.get('name', 'world')}!"}
PY
python3 -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); z.write(sys.argv[2],'app.py'); z.close()" \
    "$WORK/function.zip" "$WORK/app.py"

echo "==> aws lambda create-function hello"
"${AWS[@]}" lambda create-function --endpoint-url "$ENDPOINT" \
    --function-name hello --runtime python3.12 --handler app.handler \
    --role arn:aws:iam::000000000000:role/lambda-role \
    --zip-file "fileb://$WORK/function.zip" --query '{FunctionArn: FunctionArn, State: State}' 2>/dev/null \
    || echo "(hello already exists)"
echo "==> aws lambda wait function-active-v2 hello"
"${AWS[@]}" lambda wait function-active-v2 --endpoint-url "$ENDPOINT" --function-name hello
echo "==> aws lambda invoke hello"
"${AWS[@]}" lambda invoke --endpoint-url "$ENDPOINT" --function-name hello \
    "${BINARY_FORMAT[@]}" --payload '{"name":"laminar"}' "$WORK/response.json"
echo "response: $(cat "$WORK/response.json")"
echo
echo "laminar is running on $ENDPOINT — Ctrl-C to stop it."
wait $LAMINAR
