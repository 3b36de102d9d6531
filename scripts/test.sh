#!/usr/bin/env bash
# The test command of dangjian: what CI runs (.ci/run) and what developers run.
#
#   scripts/test.sh                  full run: fmt, clippy, build, tests (SQLite + PostgreSQL + browser)
#   scripts/test.sh -- <args...>     pass <args> to the test runner (a test-name filter, --no-capture, ...);
#                                    doc tests are skipped when args are given
#   SKIP_LINT=1 scripts/test.sh      skip cargo fmt / cargo clippy
#   scripts/test.sh --pg-only        start the throwaway PostgreSQL, run `select version()` through
#                                    DANGJIAN_TEST_PG_URL, stop it, exit (debugs the PostgreSQL set-up)
#
# What it does:
#   1. installs what is missing, from Debian's packages (apt-get update once, only if needed):
#      postgresql, chromium, chromium-driver (as root, or through sudo)
#   2. starts a throwaway PostgreSQL on 127.0.0.1 (scripts/pg-start.sh), stopped and deleted on exit;
#      when DANGJIAN_TEST_PG_URL is already set, that server is used instead
#   3. exports DANGJIAN_TEST_PG_URL, DANGJIAN_TEST_REQUIRE_PG=1,
#      DANGJIAN_CHROMIUM, DANGJIAN_CHROMEDRIVER, DANGJIAN_TEST_REQUIRE_BROWSER=1
#   4. cargo fmt --check, cargo clippy -D warnings, cargo build, cargo nextest run (or cargo test),
#      cargo test --doc
#   5. the benchmark suite at scale S on SQLite and PostgreSQL as a smoke check (debug build, no
#      timing assertions: it fails when an endpoint answers non-200, a figure differs from the
#      ceiling query's, or a request of the mixed load fails); SKIP_BENCH=1 skips it
set -euo pipefail

START_SECONDS=$SECONDS

ROOT=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$ROOT/scripts/test.sh"
}

die() {
    echo "error: $*" >&2
    exit 1
}

# ---------------------------------------------------------------- arguments
PG_ONLY=0
EXTRA_ARGS=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --pg-only) PG_ONLY=1; shift ;;
        -h | --help) usage; exit 0 ;;
        --) shift; EXTRA_ARGS=("$@"); break ;;
        *) die "unknown argument '$1' (test-runner arguments go after '--'; see scripts/test.sh --help)" ;;
    esac
done

# ---------------------------------------------------------------- step bookkeeping
CURRENT_STEP=""
CURRENT_STEP_START=0
STEP_SUMMARY=()

end_step() {
    if [[ -n $CURRENT_STEP ]]; then
        STEP_SUMMARY+=("$(printf '%6ss  %s' "$((SECONDS - CURRENT_STEP_START))" "$CURRENT_STEP")")
        CURRENT_STEP=""
    fi
}

step() {
    end_step
    CURRENT_STEP=$1
    CURRENT_STEP_START=$SECONDS
    echo
    echo "======================================================================"
    echo "==> $1    (t+$((SECONDS - START_SECONDS))s)"
    echo "======================================================================"
}

# shellcheck source=scripts/pg-start.sh
source "$ROOT/scripts/pg-start.sh"

on_exit() {
    local rc=$?
    set +e
    local failed_step=$CURRENT_STEP
    end_step
    dangjian_pg_stop
    echo
    echo "======================================================================"
    if [[ ${#STEP_SUMMARY[@]} -gt 0 ]]; then
        echo "step times:"
        printf '  %s\n' "${STEP_SUMMARY[@]}"
    fi
    local total=$((SECONDS - START_SECONDS))
    if [[ $rc -eq 0 ]]; then
        echo "scripts/test.sh: OK, total elapsed $((total / 60))m $((total % 60))s"
    else
        echo "scripts/test.sh: FAILED (exit $rc)${failed_step:+ in step: $failed_step}, total elapsed $((total / 60))m $((total % 60))s"
    fi
    echo "======================================================================"
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- environment
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-always}
export RUST_BACKTRACE=${RUST_BACKTRACE:-1}
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

# Run a command as root: directly when we are root, else through sudo.
as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run '$*' (installing system packages): run as root, install sudo, or install the packages yourself"
    fi
}

find_chromium() {
    if [[ -n ${DANGJIAN_CHROMIUM:-} && -x ${DANGJIAN_CHROMIUM} ]]; then
        printf '%s\n' "$DANGJIAN_CHROMIUM"
    else
        command -v chromium || command -v chromium-browser
    fi
}

find_chromedriver() {
    if [[ -n ${DANGJIAN_CHROMEDRIVER:-} && -x ${DANGJIAN_CHROMEDRIVER} ]]; then
        printf '%s\n' "$DANGJIAN_CHROMEDRIVER"
    else
        command -v chromedriver
    fi
}

# ---------------------------------------------------------------- system packages
step "system packages"
MISSING_PKGS=()
if [[ -n ${DANGJIAN_TEST_PG_URL:-} ]]; then
    echo "DANGJIAN_TEST_PG_URL is set by the caller: not installing or starting PostgreSQL"
elif dangjian_pg_find_bindir >/dev/null; then
    echo "postgresql: present ($(dangjian_pg_find_bindir))"
else
    MISSING_PKGS+=(postgresql)
fi
if [[ $PG_ONLY -eq 0 ]]; then
    if find_chromium >/dev/null; then
        echo "chromium: present ($(find_chromium))"
    else
        MISSING_PKGS+=(chromium)
    fi
    if find_chromedriver >/dev/null; then
        echo "chromedriver: present ($(find_chromedriver))"
    else
        MISSING_PKGS+=(chromium-driver)
    fi
fi
if [[ ${#MISSING_PKGS[@]} -gt 0 ]]; then
    echo "missing: ${MISSING_PKGS[*]}"
    command -v apt-get >/dev/null 2>&1 ||
        die "apt-get not found; install these by hand (Debian names): ${MISSING_PKGS[*]}"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${MISSING_PKGS[@]}"
else
    echo "nothing to install"
fi

# ---------------------------------------------------------------- PostgreSQL
step "PostgreSQL"
if [[ -n ${DANGJIAN_TEST_PG_URL:-} ]]; then
    echo "using the caller's server: $DANGJIAN_TEST_PG_URL"
else
    dangjian_pg_start
fi
export DANGJIAN_TEST_PG_URL
export DANGJIAN_TEST_REQUIRE_PG=${DANGJIAN_TEST_REQUIRE_PG:-1}

if [[ $PG_ONLY -eq 1 ]]; then
    step "psql smoke test"
    PSQL=psql
    if [[ -n ${DANGJIAN_PG_BINDIR:-} && -x $DANGJIAN_PG_BINDIR/psql ]]; then
        PSQL=$DANGJIAN_PG_BINDIR/psql
    fi
    echo "DANGJIAN_TEST_PG_URL=$DANGJIAN_TEST_PG_URL"
    echo "DANGJIAN_TEST_REQUIRE_PG=$DANGJIAN_TEST_REQUIRE_PG"
    "$PSQL" "$DANGJIAN_TEST_PG_URL" -v ON_ERROR_STOP=1 -X -c 'select version()' \
        -c 'show server_encoding' -c 'show lc_collate' -c 'show max_connections' -c 'show fsync'
    exit 0
fi

# ---------------------------------------------------------------- browser
step "browser"
DANGJIAN_CHROMIUM=$(find_chromium) || die "chromium not found after install"
DANGJIAN_CHROMEDRIVER=$(find_chromedriver) || die "chromedriver not found after install"
export DANGJIAN_CHROMIUM DANGJIAN_CHROMEDRIVER
export DANGJIAN_TEST_REQUIRE_BROWSER=${DANGJIAN_TEST_REQUIRE_BROWSER:-1}
echo "DANGJIAN_CHROMIUM=$DANGJIAN_CHROMIUM  ($(timeout 30 "$DANGJIAN_CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
echo "DANGJIAN_CHROMEDRIVER=$DANGJIAN_CHROMEDRIVER  ($(timeout 30 "$DANGJIAN_CHROMEDRIVER" --version 2>/dev/null || echo 'version unknown'))"

# ---------------------------------------------------------------- toolchain
step "toolchain"
cargo --version
rustc --version
HAVE_NEXTEST=0
if NEXTEST_VERSION=$(cargo nextest --version 2>/dev/null); then
    HAVE_NEXTEST=1
    echo "${NEXTEST_VERSION%%$'\n'*}"
else
    echo "cargo-nextest not found: tests will run with cargo test"
fi
echo "DANGJIAN_TEST_PG_URL=$DANGJIAN_TEST_PG_URL DANGJIAN_TEST_REQUIRE_PG=$DANGJIAN_TEST_REQUIRE_PG" \
    "DANGJIAN_TEST_REQUIRE_BROWSER=$DANGJIAN_TEST_REQUIRE_BROWSER"

# ---------------------------------------------------------------- lint
if [[ ${SKIP_LINT:-0} == 1 ]]; then
    echo
    echo "SKIP_LINT=1: skipping cargo fmt and cargo clippy"
else
    step "cargo fmt --all --check"
    cargo fmt --all --check

    step "cargo clippy --workspace --all-targets --locked -- -D warnings"
    cargo clippy --workspace --all-targets --locked -- -D warnings
fi

# ---------------------------------------------------------------- build
step "cargo build --workspace --all-targets --locked"
cargo build --workspace --all-targets --locked

# ---------------------------------------------------------------- tests
if [[ $HAVE_NEXTEST -eq 1 ]]; then
    step "cargo nextest run --workspace --locked --no-fail-fast${EXTRA_ARGS[*]:+ ${EXTRA_ARGS[*]}}"
    cargo nextest run --workspace --locked --no-fail-fast "${EXTRA_ARGS[@]}"

    if [[ ${#EXTRA_ARGS[@]} -eq 0 ]]; then
        step "cargo test --workspace --doc --locked"
        cargo test --workspace --doc --locked
    else
        echo
        echo "test-runner arguments given: skipping doc tests"
    fi
else
    step "cargo test --workspace --locked${EXTRA_ARGS[*]:+ ${EXTRA_ARGS[*]}}"
    cargo test --workspace --locked "${EXTRA_ARGS[@]}"
fi

# ---------------------------------------------------------------- benchmark smoke
# The debug binaries the build step made; scale S, a second of load: it checks
# that the suite runs and that the figures agree with the ceiling queries.
if [[ ${SKIP_BENCH:-0} == 1 || ${#EXTRA_ARGS[@]} -gt 0 ]]; then
    echo
    echo "benchmark smoke skipped (SKIP_BENCH=1 or test-runner arguments given)"
else
    step "benchmark smoke: dangjian-bench --scale S --db both (debug)"
    BENCH_TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
    "$BENCH_TARGET/debug/dangjian-bench" --scale S --db both --pg-url "$DANGJIAN_TEST_PG_URL" \
        --runs 3 --duration 1 --clients 16 --work "$BENCH_TARGET/bench-smoke" --out "$BENCH_TARGET/bench-smoke.json"
    # The driver comparison on the database the smoke run left: it runs, and the drivers agree.
    "$BENCH_TARGET/debug/dangjian-bench-drivers" "$BENCH_TARGET/bench-smoke/sqlite-S/dangjian.db" 20
fi

end_step
