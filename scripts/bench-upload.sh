#!/usr/bin/env bash
# Upload throughput, server memory during an upload, `dangjian verify`, and the
# activities figures of the demo group: the numbers issue 5 asks for.
#
#   cargo build --release -p dangjian
#   scripts/bench-upload.sh [MiB]        # default 500 MiB
#
# Release build, SQLite, blobs on the local disk, curl on loopback. It starts
# `dangjian serve --demo` in a temporary data directory, records a theme day
# through the API, uploads one MP4 of the given size twice (the second with one
# byte more, so both are stored), samples the server's RSS every 100 ms, times
# GET /api/v1/orgs/{root}/stats/activities for the last year five times, runs
# `dangjian verify`, and removes everything it made.
set -euo pipefail

MIB=${1:-500}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${DANGJIAN_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/dangjian}
[[ -x $BIN ]] || { echo "build first: cargo build --release -p dangjian" >&2; exit 1; }
WORK=$(mktemp -d)
PORT=${PORT:-18093}
BASE=http://127.0.0.1:$PORT
export DANGJIAN_ADMIN_PASSWORD=bench-password-1
"$BIN" serve --data "$WORK/data" --listen "127.0.0.1:$PORT" --demo >"$WORK/serve.log" 2>&1 &
PID=$!
cleanup() { kill "$PID" "${SAMPLER:-}" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 1 300); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done

json() { python3 -c "import sys, json; print(json.load(sys.stdin)$1)"; }
CSRF=$(curl -sf -c "$WORK/jar" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$DANGJIAN_ADMIN_PASSWORD\"}" "$BASE/api/v1/login" | json '["csrf_token"]')
api() { curl -sf -b "$WORK/jar" -H "X-CSRF-Token: $CSRF" "$@"; }
ORG=$(api "$BASE/api/v1/orgs" | json '[0]["id"]' 2>/dev/null || api "$BASE/api/v1/orgs" | json '["items"][0]["id"]')
ACT=$(api -H 'content-type: application/json' -X POST "$BASE/api/v1/activities" \
    -d "{\"org_id\":$ORG,\"kind\":\"theme_day\",\"status\":\"held\",\"topic\":\"上传吞吐量测试\",\"held_on\":\"$(date +%F)\"}" |
    json '["activity"]["id"]')

FILE=$WORK/big.mp4
printf '\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2' >"$FILE"
head -c $((MIB * 1024 * 1024)) /dev/urandom >>"$FILE"

( while kill -0 "$PID" 2>/dev/null; do awk '/VmRSS/ {print $2}' "/proc/$PID/status"; sleep 0.1; done ) >"$WORK/rss" &
SAMPLER=$!
echo "server RSS before: $(awk '/VmRSS/ {print $2 " KiB"}' "/proc/$PID/status")"
for run in 1 2; do
    [[ $run == 2 ]] && printf 'x' >>"$FILE"
    api -o /dev/null -H 'content-type: application/octet-stream' -X POST -T "$FILE" \
        "$BASE/api/v1/activities/$ACT/recordings?name=big.mp4" \
        -w "upload $run: HTTP %{http_code}, %{size_upload} bytes in %{time_total} s\n" |
        awk '{print} /bytes in/ {printf "  = %.0f MiB/s\n", $5 / 1048576 / $8}'
done
kill "$SAMPLER"
echo "server RSS during uploads: max $(sort -n "$WORK/rss" | tail -1) KiB over $(wc -l <"$WORK/rss") samples"

TO=$(date +%F)
FROM=$(date -d '1 year ago' +%F)
for i in 1 2 3 4 5; do
    curl -s -o /dev/null -b "$WORK/jar" -w "stats/activities for the group (last year), run $i: %{time_total} s\n" \
        "$BASE/api/v1/orgs/$ORG/stats/activities?from=$FROM&to=$TO"
done
api "$BASE/api/v1/orgs/$ORG/stats/activities?from=$FROM&to=$TO" | python3 -c 'import sys, json; d = json.load(sys.stdin); print({k: d[k] for k in ("held", "expected", "present", "recordings", "recordings_bytes", "compliance_rate")})'

kill "$PID"; wait "$PID" 2>/dev/null || true
start=$(date +%s.%N)
"$BIN" verify --data "$WORK/data" | tail -3 || true
echo "verify: $(echo "$(date +%s.%N) - $start" | bc) s"
