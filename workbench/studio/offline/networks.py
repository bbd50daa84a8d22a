"""The networks the managed Label Studio may not send requests to: Label Studio's own
list of reserved networks (``core/utils/io.py``, ``validate_ip``, in 1.23.2), with
127.0.0.1 alone taken out of loopback for ``workbench watch``'s listener."""

from __future__ import annotations

import ipaddress

CALLS_LOOPBACK = "WORKBENCH_SERVER_CALLS_LOOPBACK"  # "1": the server may call 127.0.0.1
_LISTENER = ipaddress.ip_network("127.0.0.1/32")

_RESERVED = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "233.252.0.0/24",
    "240.0.0.0/4", "255.255.255.255/32",
    "::/128", "::1/128", "::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48",
    "100::/64", "2001:0000::/32", "2001:20::/28", "2001:db8::/32", "2002::/16", "fc00::/7",
    "fe80::/10", "ff00::/8",
)


def banned_but_loopback() -> list[str]:
    banned: list[str] = []
    for text in _RESERVED:
        network = ipaddress.ip_network(text)
        if network.version == 4 and _LISTENER.subnet_of(network):  # type: ignore[arg-type]
            banned += [str(part) for part in network.address_exclude(_LISTENER)]  # type: ignore[arg-type]
        else:
            banned.append(text)
    return banned
