#!/usr/bin/env python3
"""tshark's view of a capture's TCP, for lib/capture/tunnels.test.ts: per frame the tcp.stream and
tcp.len, per stream the endpoints and the bytes `-z follow,tcp,raw` reassembles in each direction
(length and SHA-256), and the `-z conv,tcp` frame counts. Writes CAPTURE.tshark.json.

tshark keys tcp.stream on addresses and ports only, so when a capture holds VXLAN or Geneve, the
follow digests are also computed per VNI on the capture cut to that VNI (`overlays`): the truth for
connections tshark merges across overlays.

    python3 tshark_truth.py CAPTURE [tshark options...]
"""
import os
import tempfile
import hashlib
import json
import re
import subprocess
import sys

cap = sys.argv[1]
opts = sys.argv[2:]


def tshark(*args, file=None):
    return subprocess.run(['tshark', '-r', file or cap, *opts, *args], capture_output=True, text=True, check=True).stdout


def follow(file, count):
    """Per stream: endpoints, and length and SHA-256 of each node's reassembled bytes."""
    streams = []
    if not count:
        return streams
    out = tshark('-q', *sum([['-z', f'follow,tcp,raw,{i}'] for i in range(count)], []), file=file)
    cur = None
    for l in out.split('\n'):
        m = re.match(r'^Filter: tcp\.stream eq (\d+)$', l)
        if m:
            cur = {'stream': int(m.group(1)), 'node0': '', 'node1': '', 'hex0': '', 'hex1': ''}
            streams.append(cur)
        elif l.startswith('===='):
            cur = None
        elif cur is not None:
            if l.startswith('Node 0: '):
                cur['node0'] = l[8:]
            elif l.startswith('Node 1: '):
                cur['node1'] = l[8:]
            elif re.match(r'^[0-9a-f]+$', l):
                cur['hex0'] += l
            elif re.match(r'^\t[0-9a-f]+$', l):
                cur['hex1'] += l[1:]
    for s in streams:
        for k in ('0', '1'):
            b = bytes.fromhex(s.pop('hex' + k))
            s['bytes' + k] = len(b)
            s['sha' + k] = hashlib.sha256(b).hexdigest()
    return streams


version = subprocess.run(['tshark', '-v'], capture_output=True, text=True).stdout.split('\n')[0]
frames = []
for line in tshark('-Y', 'tcp', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.stream', '-e', 'tcp.len').splitlines():
    f, s, n = line.split('\t')
    frames.append([int(f), int(s), int(n)])
count = max((s for _, s, _ in frames), default=-1) + 1
streams = follow(None, count)
overlays = {}
for proto in ('vxlan', 'geneve'):
    field = f'{proto}.vni'
    vnis = sorted({int(v, 0) for l in tshark('-Y', proto, '-T', 'fields', '-e', field).split() for v in l.split(',')})
    for vni in vnis:
        with tempfile.TemporaryDirectory() as d:
            part = os.path.join(d, 'part.pcap')
            subprocess.run(['tshark', '-r', cap, *opts, '-Y', f'{field} == {vni}', '-w', part], check=True, capture_output=True)
            n = len({l for l in tshark('-Y', 'tcp', '-T', 'fields', '-e', 'tcp.stream', file=part).split()})
            overlays[f'{proto} {vni}'] = follow(part, n)
conv = []
for l in tshark('-q', '-z', 'conv,tcp').splitlines():
    m = re.match(r'^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+\d+\s+\S*\s*(\d+)\s+\d+\s+\S*\s*(\d+)', l)
    if m:
        conv.append({'a': m.group(1), 'b': m.group(2), 'frames': int(m.group(5))})
with open(cap + '.tshark.json', 'w') as fh:
    json.dump({'tshark': version, 'options': opts, 'frames': frames, 'streams': streams, 'conv': conv, 'overlays': overlays}, fh, indent=None, separators=(',', ':'))
    fh.write('\n')
print(f'{cap}: {len(frames)} TCP frames, {count} streams, {len(conv)} conversations ({version})')
