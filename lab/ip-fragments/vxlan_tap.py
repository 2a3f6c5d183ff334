#!/usr/bin/env python3
"""A VXLAN tunnel endpoint in user space (RFC 7348): Ethernet frames read from a TAP device go out
with an 8-byte VXLAN header in UDP to REMOTE:4789; VXLAN datagrams received on port 4789 go into
the TAP device. Used where the kernel's own VXLAN device will not do what a real network does: over
an IPv6 underlay the kernel drops an outer datagram larger than the path MTU instead of
fragmenting it, while an ordinary UDP socket's datagrams are fragmented by the kernel (IPv6
Fragment headers), as any UDP tunnel endpoint in user space gets them.

    vxlan_tap.py TAP VNI LOCAL REMOTE
"""
import fcntl
import os
import select
import socket
import struct
import sys

tap_name, vni, local, remote = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454CA, 0x0002, 0x1000
tap = os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(tap, TUNSETIFF, struct.pack('16sH', tap_name.encode(), IFF_TAP | IFF_NO_PI))
family = socket.AF_INET6 if ':' in remote else socket.AF_INET
sock = socket.socket(family, socket.SOCK_DGRAM)
sock.bind((local, 4789))
header = struct.pack('!II', 0x08000000, vni << 8)
print(f'vxlan_tap: {tap_name} <-> vni {vni} {local} -> {remote}', file=sys.stderr, flush=True)
while True:
    ready, _, _ = select.select([tap, sock], [], [])
    if tap in ready:
        sock.sendto(header + os.read(tap, 65536), (remote, 4789))
    if sock in ready:
        data = sock.recv(65536)
        if len(data) > 8 and data[0] & 0x08 and struct.unpack('!I', data[4:8])[0] >> 8 == vni:
            os.write(tap, data[8:])
