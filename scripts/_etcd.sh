# Sourced by scripts/test: the etcd tests start their own members from
# Debian's etcd-server package (/usr/bin/etcd). Install it when it is missing,
# as root or through sudo; otherwise stop with a message saying what to do.
if [ -z "${ETCD_BINARY:-}" ] && ! command -v etcd >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        SUDO=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "scripts/test: etcd is missing and cannot be installed without root:" >&2
        echo "  run 'sudo apt-get install etcd-server' (or set ETCD_BINARY to an etcd 3.4+ binary)" >&2
        exit 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "scripts/test: etcd is missing and there is no apt-get: install etcd 3.4+ or set ETCD_BINARY" >&2
        exit 1
    fi
    echo "scripts/test: installing etcd-server (Debian) for the etcd tests" >&2
    export DEBIAN_FRONTEND=noninteractive
    # Quiet when it works; the whole output when it does not.
    log="$(mktemp)"
    if ! $SUDO apt-get install -y -qq etcd-server >"$log" 2>&1; then
        # Perhaps the package lists are stale or missing: update them and try once more.
        if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq etcd-server; } >>"$log" 2>&1; then
            cat "$log" >&2
            rm -f "$log"
            echo "scripts/test: apt-get install etcd-server failed (output above)" >&2
            exit 1
        fi
    fi
    rm -f "$log"
    # The package starts a system etcd on 2379 where systemd runs; the tests
    # use members of their own on free ports and do not need it.
fi
