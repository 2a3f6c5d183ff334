/**
 * The network layer with memory: decodeNetwork (link layers, tunnels) plus IP fragment
 * reassembly. One per capture; `decode` once per packet in file order.
 *
 * A fragment that does not complete its datagram comes back as itself (fragment set, nothing to
 * hand to TCP). The fragment that completes one comes back as the datagram's content — looked into
 * again for tunnels (VXLAN over fragmented UDP is common when the underlay's MTU is not raised),
 * and reassembled again if what it carries is itself fragmented — with `reassembled` holding the
 * bytes its offsets index. Those bytes live only until the caller has handed the packet on: the
 * per-packet table keeps offsets into the file, and a view that shows this packet reads the
 * frame, as Wireshark's frame view does.
 */
import { IpReassembler, type ReassemblyLimits } from './ip-fragments';
import { decodeNetwork, descend, skipIpv6Extensions } from './link';
import type { NetDecodeFailure, NetPacket } from './types';

/** Fragmented datagrams inside fragmented datagrams followed before giving up. */
const MAX_NESTING = 4;

export class NetworkLayer {
  readonly reassembler: IpReassembler;

  constructor(limits: Partial<ReassemblyLimits> = {}) {
    this.reassembler = new IpReassembler(limits);
  }

  private lastT = 0;

  /** `tS`: the packet's time in seconds (fragments time out); omitted, the last time given. */
  decode(linkType: number, data: Uint8Array, tS?: number): NetPacket | NetDecodeFailure {
    if (tS !== undefined) this.lastT = tS;
    const now = this.lastT;
    let r = decodeNetwork(linkType, data);
    let buf = data;
    for (let depth = 0; depth < MAX_NESTING; depth++) {
      if ('reason' in r || !r.frag) return r;
      const context = `${r.vlan.join('.')}@${r.tunnel ?? ''}`;
      const whole = this.reassembler.push(r, buf, now, context);
      if (!whole) return r;
      const payload = whole.payload;
      let protocol = whole.next;
      let l4Offset = 0;
      if (r.ipVersion === 6) {
        const upper = skipIpv6Extensions(payload, whole.next, 0, payload.length);
        if (!upper)
          return { reason: 'malformed', detail: 'reassembled IPv6 extension headers run past the payload' };
        protocol = upper.protocol;
        l4Offset = upper.offset;
      }
      const datagram: NetPacket = {
        ipVersion: r.ipVersion,
        src: r.src,
        dst: r.dst,
        protocol,
        ttl: r.ttl,
        ipId: r.ipId,
        vlan: r.vlan,
        l4Offset,
        l4Length: payload.length - l4Offset,
        fragment: false,
        firstFragment: true,
      };
      if (r.tunnel) datagram.tunnel = r.tunnel;
      const inner = descend(datagram, payload, 1);
      if ('reason' in inner) return inner;
      buf = payload;
      if (inner.frag) {
        r = inner;
        continue;
      }
      // This frame is a fragment; what TCP sees is the datagram it completed.
      inner.fragment = true;
      inner.reassembled = payload;
      return inner;
    }
    return { reason: 'malformed', detail: `fragments nested more than ${MAX_NESTING} deep` };
  }

  /** Ends the capture: incomplete datagrams are counted. Returns the warnings for the input. */
  finish(): string[] {
    this.reassembler.finish();
    return this.reassembler.warnings();
  }
}
