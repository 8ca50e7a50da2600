# Sourced by scripts/test: the Kubernetes front end's tests run the real
# kubectl. Where none is on PATH (and KUBECTL_BINARY names none), install
# Debian's kubernetes-client. A kubectl already installed is left alone: the
# Debian package would clash with it over /usr/bin/kubectl.
source "$(dirname "${BASH_SOURCE[0]}")/_apt.sh"
if [ -z "${KUBECTL_BINARY:-}" ] && ! command -v kubectl >/dev/null 2>&1; then
    apt_install kubernetes-client kubectl "or put a kubectl on PATH, or set KUBECTL_BINARY"
fi
