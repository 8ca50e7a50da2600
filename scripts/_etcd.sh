# Sourced by scripts/test: the etcd tests start their own members from
# Debian's etcd-server package (/usr/bin/etcd). Install it when it is missing.
source "$(dirname "${BASH_SOURCE[0]}")/_apt.sh"
if [ -z "${ETCD_BINARY:-}" ] && ! command -v etcd >/dev/null 2>&1; then
    apt_install etcd-server etcd "or set ETCD_BINARY to an etcd 3.4+ binary"
    # The package starts a system etcd on 2379 where systemd runs; the tests
    # use members of their own on free ports and do not need it.
fi
