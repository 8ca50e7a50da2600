# Sourced by scripts/serve and scripts/test: make .venv and install the
# project into it (with extras "$1", e.g. "[test]") when it is missing or
# setup.cfg changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"
extras="${1:-}"

_venv_fail() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

# A .venv whose pip does not run (a venv made without ensurepip, or an
# interrupted one) is made again rather than failing later, obscurely.
if [ -x "$VENV/bin/python" ] && ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    echo "$(basename "$0"): $VENV has no working pip; making it again" >&2
    rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
    command -v "$PYTHON" >/dev/null 2>&1 || _venv_fail "$PYTHON not found: install Python 3.11+ or set PYTHON"
    # Debian and Ubuntu ship venv's ensurepip in a separate package.
    if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        _venv_fail "$PYTHON cannot make a virtualenv (no venv/ensurepip module): on Debian or Ubuntu run" \
            "'sudo apt-get install python3-venv' (or python3.X-venv for your $("$PYTHON" -V 2>&1))"
    fi
    if ! output="$("$PYTHON" -m venv "$VENV" 2>&1)"; then
        rm -rf "$VENV"
        echo "$output" >&2
        _venv_fail "'$PYTHON -m venv $VENV' failed (above); on Debian or Ubuntu 'sudo apt-get install python3-venv' provides ensurepip"
    fi
fi
stamp="$VENV/.installed${extras}"
if [ ! -f "$stamp" ] || [ "$ROOT/setup.cfg" -nt "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    # An old pip may still install the project: say so and carry on.
    if ! output="$("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1)"; then
        echo "$output" >&2
        echo "$(basename "$0"): warning: upgrading pip failed (above); installing with $("$VENV/bin/python" -m pip --version)" >&2
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT$extras"
    touch "$stamp"
fi
