# Sourced by scripts/test: the Kubernetes front end's tests run the real
# kubectl. Where none is on PATH, install Debian's kubernetes-client (as root
# or through sudo); otherwise stop with a message saying what to do. A kubectl
# already installed is left alone (the Debian package would clash with it).
if [ -z "${KUBECTL_BINARY:-}" ] && ! command -v kubectl >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        SUDO=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "scripts/test: kubectl is missing and cannot be installed without root:" >&2
        echo "  run 'sudo apt-get install kubernetes-client' (or put any kubectl on PATH)" >&2
        exit 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "scripts/test: kubectl is missing and there is no apt-get: put a kubectl on PATH" >&2
        exit 1
    fi
    echo "scripts/test: installing kubernetes-client (Debian) for the kubectl tests" >&2
    export DEBIAN_FRONTEND=noninteractive
    log="$(mktemp)"
    if ! { $SUDO apt-get install -y -qq kubernetes-client >"$log" 2>&1 \
            || { $SUDO apt-get update -qq >>"$log" 2>&1 && $SUDO apt-get install -y -qq kubernetes-client >>"$log" 2>&1; }; }; then
        cat "$log" >&2
        echo "scripts/test: apt-get install kubernetes-client failed (its output is above)" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
fi
