// Test helper: follows one connection of an analyzed capture held in memory, reading its packets
// back by fileOffset/caplen as the worker does from a File.
import { gunzipSync } from 'fflate';
import type { PacketTable } from '../packets';
import type { KeyLog } from '../tls/keylog';
import { isGzip } from './ranges';
import { TcpFollower, type FollowInfo, type FollowSink } from './tcp';

/** The decompressed file (captures may be .gz: offsets are in the decompressed bytes). */
export function plainFile(bytes: Uint8Array): Uint8Array {
  return isGzip(bytes) ? gunzipSync(bytes) : bytes;
}

export function followFromBuffer(
  file: Uint8Array,
  packets: PacketTable,
  connIndex: number,
  sink: FollowSink,
  tls?: KeyLog | null,
): FollowInfo {
  const plain = plainFile(file);
  const f = new TcpFollower(sink, tls === undefined ? {} : { tls });
  for (let i = 0; i < packets.length; i++) {
    if (packets.conn[i] !== connIndex) continue;
    const off = packets.fileOffset[i];
    f.packet(i + 1, packets.time[i], packets.linkType[i], plain.subarray(off, off + packets.caplen[i]));
  }
  return f.finish();
}
