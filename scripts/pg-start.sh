#!/usr/bin/env bash
# Throwaway PostgreSQL server for dangjian's tests.
#
# Sourced by scripts/test.sh, which uses:
#   dangjian_pg_start   initdb into a fresh temp dir, start a server on 127.0.0.1,
#                       export DANGJIAN_TEST_PG_URL (admin URL, user "postgres", trust auth)
#   dangjian_pg_stop    stop the server and delete its temp dir (safe to call twice)
#
# Run directly (scripts/pg-start.sh) it starts a server, prints the URL to export,
# and keeps it running until Ctrl-C, then stops it and removes its files.
#
# Knobs: DANGJIAN_PG_PORT (first port tried, default 55432; the next free one is
# used if it is taken).  As root the server runs as the OS user "postgres" that
# Debian's postgresql package creates (PostgreSQL refuses to run as root); as any
# other user it runs as that user.

# Print the bin dir of the newest PostgreSQL server installed.
dangjian_pg_find_bindir() {
    local initdb
    initdb=$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
    if [[ -x $initdb && -x ${initdb%/initdb}/pg_ctl ]]; then
        printf '%s\n' "${initdb%/initdb}"
        return 0
    fi
    # Non-Debian layouts (developer machines): initdb and pg_ctl on PATH.
    if initdb=$(command -v initdb) && [[ -x ${initdb%/initdb}/pg_ctl ]]; then
        printf '%s\n' "${initdb%/initdb}"
        return 0
    fi
    return 1
}

# Run a command as the server's OS user, from a directory that user can read.
_dangjian_pg_as_owner() {
    if [[ $EUID -ne 0 ]]; then
        (cd / && "$@")
    elif command -v runuser >/dev/null 2>&1; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && su postgres -s /bin/bash -c "$(printf '%q ' "$@")")
    fi
}

# Exit status 0 when something accepts TCP connections on 127.0.0.1:$1.
_dangjian_port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

dangjian_pg_start() {
    local bindir dir locale port attempt started=0
    if ! bindir=$(dangjian_pg_find_bindir); then
        echo "error: no PostgreSQL server binaries (looked for /usr/lib/postgresql/*/bin/initdb and initdb on PATH);" >&2
        echo "       install Debian's package: apt-get install postgresql" >&2
        return 1
    fi
    if [[ $EUID -eq 0 ]] && ! getent passwd postgres >/dev/null; then
        echo "error: running as root, but there is no 'postgres' OS user to run the server as" >&2
        echo "       (Debian's postgresql package creates it)" >&2
        return 1
    fi

    # Under /tmp (not $TMPDIR) so the postgres user can reach it and the socket path stays short.
    dir=$(mktemp -d /tmp/dangjian-pg.XXXXXX) || return 1
    DANGJIAN_PG_DIR=$dir
    DANGJIAN_PG_BINDIR=$bindir
    if [[ $EUID -eq 0 ]]; then
        chown postgres: "$dir" || return 1
    fi

    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        locale=C.UTF-8
    else
        locale=C
    fi
    echo "PostgreSQL: $("$bindir/postgres" --version) from $bindir, data in $dir/data, locale $locale"
    if ! _dangjian_pg_as_owner "$bindir/initdb" -D "$dir/data" --auth=trust --username=postgres \
        --encoding=UTF8 --locale="$locale" --no-sync >"$dir/initdb.log" 2>&1; then
        if [[ $locale != C ]]; then
            echo "initdb with --locale=$locale failed; retrying with --locale=C"
            _dangjian_pg_as_owner rm -rf "$dir/data"
            locale=C
            _dangjian_pg_as_owner "$bindir/initdb" -D "$dir/data" --auth=trust --username=postgres \
                --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 || {
                echo "error: initdb failed:" >&2
                cat "$dir/initdb.log" >&2
                return 1
            }
        else
            echo "error: initdb failed:" >&2
            cat "$dir/initdb.log" >&2
            return 1
        fi
    fi

    port=${DANGJIAN_PG_PORT:-55432}
    for attempt in $(seq 1 20); do
        if _dangjian_port_in_use "$port"; then
            echo "port $port is taken; trying $((port + 1))"
            port=$((port + 1))
            continue
        fi
        if _dangjian_pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
            start >"$dir/pg_ctl.log" 2>&1; then
            started=1
            break
        fi
        # Lost a race for the port: try the next one.  Anything else is fatal.
        if grep -qiE 'could not bind|address already in use|could not create any TCP/IP sockets' \
            "$dir/server.log" 2>/dev/null; then
            echo "port $port could not be bound (attempt $attempt); trying $((port + 1))"
            _dangjian_pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
            port=$((port + 1))
            continue
        fi
        break
    done
    if [[ $started -ne 1 ]]; then
        echo "error: PostgreSQL did not start. pg_ctl said:" >&2
        cat "$dir/pg_ctl.log" >&2 || true
        echo "---- server log ($dir/server.log) ----" >&2
        cat "$dir/server.log" >&2 || true
        echo "---- end of server log ----" >&2
        return 1
    fi

    DANGJIAN_PG_PORT=$port
    export DANGJIAN_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "PostgreSQL is up: $DANGJIAN_TEST_PG_URL"
}

dangjian_pg_stop() {
    local dir=${DANGJIAN_PG_DIR:-}
    [[ -n $dir ]] || return 0
    DANGJIAN_PG_DIR=
    if [[ -f $dir/data/postmaster.pid ]]; then
        # Throwaway data: an immediate stop is fine and fast.
        _dangjian_pg_as_owner "$DANGJIAN_PG_BINDIR/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop \
            >/dev/null 2>&1 || echo "warning: pg_ctl stop failed (server may already be gone)" >&2
    fi
    rm -rf "$dir"
    echo "PostgreSQL stopped; removed $dir"
}

# Executed directly: keep a server running for manual use until interrupted.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    trap dangjian_pg_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    dangjian_pg_start
    echo
    echo "In another shell:"
    echo "  export DANGJIAN_TEST_PG_URL=$DANGJIAN_TEST_PG_URL DANGJIAN_TEST_REQUIRE_PG=1"
    echo "Press Ctrl-C to stop the server and delete its files."
    while :; do sleep 1; done
fi
