# Sourced by scripts/_etcd.sh and scripts/_kubectl.sh: install a Debian
# package that a test needs, as root or through sudo; otherwise stop with a
# message saying what to do. Quiet when it works, the whole output when not.
#   apt_install PACKAGE WHAT HINT
# WHAT names the missing tool in messages; HINT says what else would do.
apt_install() {
    local package="$1" what="$2" hint="$3" sudo log
    if [ "$(id -u)" = 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo -n"
    else
        echo "scripts/test: $what is missing and cannot be installed without root:" >&2
        echo "  run 'sudo apt-get install $package' ($hint)" >&2
        exit 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "scripts/test: $what is missing and there is no apt-get: $hint" >&2
        exit 1
    fi
    echo "scripts/test: installing $package (Debian) for the tests that need $what" >&2
    export DEBIAN_FRONTEND=noninteractive
    log="$(mktemp)"
    if ! $sudo apt-get install -y -qq "$package" >"$log" 2>&1; then
        # Perhaps the package lists are stale or missing: update them and try once more.
        if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$package"; } >>"$log" 2>&1; then
            cat "$log" >&2
            rm -f "$log"
            echo "scripts/test: apt-get install $package failed (output above)" >&2
            exit 1
        fi
    fi
    rm -f "$log"
}
