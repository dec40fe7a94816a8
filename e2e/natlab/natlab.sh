#!/usr/bin/env bash
# The project's NAT lab: two clients behind two NAT routers and a "public internet" namespace that
# holds the Rendezvous server, all Linux network namespaces on this machine (nothing reaches the
# host's own network).
#
#   client a (P-a) --lan-- NAT a (P-nata) --wan--+
#                                                +-- public (P-pub): server 203.0.113.1
#   client b (P-b) --lan-- NAT b (P-natb) --wan--+
#
# NAT types: cone      = masquerade keeping ports (endpoint-independent mapping) with a stateful
#                        firewall (address-and-port-dependent filtering): hole punching works;
#            symmetric = masquerade with fully random ports (a new public port per destination):
#                        hole punching cannot work.
# Usage (root): natlab.sh up [cone|symmetric] [cone|symmetric] | down | exec pub|nata|natb|a|b CMD...
# Needs iproute2 and nftables. Env: NATLAB_PREFIX (default rdvlab).
set -euo pipefail

P=${NATLAB_PREFIX:-rdvlab}
PUB=$P-pub; NATA=$P-nata; NATB=$P-natb; A=$P-a; B=$P-b
ALL=("$A" "$B" "$NATA" "$NATB" "$PUB")
SERVER=203.0.113.1
WAN_A=198.51.100; WAN_B=192.0.2       # .1 = public side, .2 = NAT's public address
LAN_A=198.18.1; LAN_B=198.18.2        # .1 = NAT's LAN side, .2 = client

die() { echo "natlab: $*" >&2; exit 2; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
exists() { [ -e "/run/netns/$1" ]; }

ns_of() {
  case $1 in
    pub) echo "$PUB" ;; nata) echo "$NATA" ;; natb) echo "$NATB" ;; a) echo "$A" ;; b) echo "$B" ;;
    *) die "unknown host '$1' (pub, nata, natb, a, b)" ;;
  esac
}

prepare() { # namespace, forwarding 0|1: do not inherit the host's settings
  in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_forward="$2"
  in_ns "$1" ip link set lo up
}

nat() { # namespace, cone|symmetric
  local random=""
  case $2 in
    cone) ;;
    symmetric) random="fully-random" ;;
    *) die "NAT type must be cone or symmetric, not '$2'" ;;
  esac
  # Unsolicited packets to the router itself are dropped: with them accepted, a punched flow can
  # clash with a conntrack entry the router made for the early packet and never reach the client.
  in_ns "$1" nft -f - <<NFT
flush ruleset
table ip natlab_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan0" masquerade $random
  }
}
table inet natlab_filter {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan0" ct state established,related accept
    iifname "wan0" ip protocol icmp accept
    iifname "wan0" drop
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan0" oifname "wan0" accept
  }
}
NFT
}

down() {
  local ns pid
  for ns in "${ALL[@]}"; do
    exists "$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  for ns in "${ALL[@]}"; do
    exists "$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns"
  done
}

up() {
  local ta=${1:-cone} tb=${2:-cone} ns
  down
  trap 'echo "natlab: up failed" >&2; down' ERR
  for ns in "${ALL[@]}"; do ip netns add "$ns"; done
  prepare "$PUB" 1; prepare "$NATA" 1; prepare "$NATB" 1; prepare "$A" 0; prepare "$B" 0
  ip -n "$PUB" addr add "$SERVER/32" dev lo
  # Links are made inside the namespaces, never in the host's.
  ip -n "$PUB" link add wan-a type veth peer name wan0 netns "$NATA"
  ip -n "$PUB" link add wan-b type veth peer name wan0 netns "$NATB"
  ip -n "$PUB" addr add "$WAN_A.1/24" dev wan-a; ip -n "$PUB" link set wan-a up
  ip -n "$PUB" addr add "$WAN_B.1/24" dev wan-b; ip -n "$PUB" link set wan-b up
  # The server's address lives on lo; make it the source of everything the public side sends, as
  # on a real server whose public address is on its uplink. Otherwise a socket bound to 0.0.0.0
  # replies from the wan link's address and the client's NAT drops the reply as unsolicited.
  ip -n "$PUB" route replace "$WAN_A.0/24" dev wan-a src "$SERVER"
  ip -n "$PUB" route replace "$WAN_B.0/24" dev wan-b src "$SERVER"
  ip -n "$NATA" addr add "$WAN_A.2/24" dev wan0; ip -n "$NATA" link set wan0 up
  ip -n "$NATB" addr add "$WAN_B.2/24" dev wan0; ip -n "$NATB" link set wan0 up
  ip -n "$NATA" route add default via "$WAN_A.1"
  ip -n "$NATB" route add default via "$WAN_B.1"
  ip -n "$NATA" link add lan0 type veth peer name eth0 netns "$A"
  ip -n "$NATB" link add lan0 type veth peer name eth0 netns "$B"
  ip -n "$NATA" addr add "$LAN_A.1/24" dev lan0; ip -n "$NATA" link set lan0 up
  ip -n "$NATB" addr add "$LAN_B.1/24" dev lan0; ip -n "$NATB" link set lan0 up
  nat "$NATA" "$ta"
  nat "$NATB" "$tb"
  ip -n "$A" addr add "$LAN_A.2/24" dev eth0; ip -n "$A" link set eth0 up; ip -n "$A" route add default via "$LAN_A.1"
  ip -n "$B" addr add "$LAN_B.2/24" dev eth0; ip -n "$B" link set eth0 up; ip -n "$B" route add default via "$LAN_B.1"
  trap - ERR
  echo "natlab up: NAT a $ta ($WAN_A.2), NAT b $tb ($WAN_B.2), server $SERVER"
}

[ "$(id -u)" = 0 ] || die "must run as root"
cmd=${1:-}; shift || true
case $cmd in
  up) up "$@" ;;
  down) down ;;
  exec) ns=$(ns_of "${1:?host}"); shift; exec ip netns exec "$ns" "$@" ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
