// The glyph table of the aligned view: one entry per glyph — when it applies, its colour, how it
// is painted, and its legend line. Drawing and the legend both read this table, so a new glyph is
// one entry here and nowhere else. Packet glyphs are tried in order; the first that applies wins.
import { FATE } from '@/lib/correlate/types';
import type { LanePackets } from '@/lib/lanes/index';
import { TCP_FIN, TCP_RST, TCP_SYN } from '@/lib/packets';

export interface PaintArgs {
  g: CanvasRenderingContext2D;
  x: number;
  /** Lane centre line. */
  y: number;
  /** Pixels toward the neighbouring group (+: below, -: above, 0: none) for lost/injected stubs. */
  toward: number;
  color: string;
  /** Direction of the packet: true client → server (bar above the line); absent in the legend (both). */
  up?: boolean;
}

export interface PacketGlyph {
  id: string;
  label: string;
  /** Legend explanation. */
  hint: string;
  color: string;
  applies(p: LanePackets, row: number): boolean;
  paint(a: PaintArgs): void;
}

const fateIs = (code: number) => (p: LanePackets, r: number) => p.fate[r] === code;
const flagged = (bits: number) => (p: LanePackets, r: number) => (p.tcpFlags[r] & bits) !== 0;

/** A small vertical bar: above the line client → server, below server → client (legend: both). */
function bar(a: PaintArgs, width = 2): void {
  a.g.fillStyle = a.color;
  const x = Math.round(a.x) - width / 2;
  if (a.up !== false) a.g.fillRect(x, a.y - 7, width, 6);
  if (a.up !== true) a.g.fillRect(x, a.y + 1, width, 6);
}

function diamond(a: PaintArgs, r: number): void {
  const { g, x, y } = a;
  g.beginPath();
  g.moveTo(x, y - r);
  g.lineTo(x + r, y);
  g.lineTo(x, y + r);
  g.lineTo(x - r, y);
  g.closePath();
  g.fillStyle = a.color;
  g.fill();
}

/** Packet glyphs, most specific first. */
export const PACKET_GLYPHS: PacketGlyph[] = [
  {
    id: 'injected',
    label: 'injected',
    hint: 'arrived here from the other point’s side, which never saw it pass (a box in between sent it)',
    color: '#d9267a',
    applies: fateIs(FATE.injected),
    paint(a) {
      const { g, x, y, toward } = a;
      if (toward !== 0) {
        g.strokeStyle = a.color;
        g.setLineDash([3, 2]);
        g.beginPath();
        g.moveTo(x, y + toward * 0.5);
        g.lineTo(x, y);
        g.stroke();
        g.setLineDash([]);
      }
      diamond(a, 6);
      g.fillStyle = '#fff';
      g.font = 'bold 8px ui-sans-serif, system-ui';
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText('!', x, y + 0.5);
      g.textAlign = 'start';
    },
  },
  {
    id: 'lost',
    label: 'lost',
    hint: 'passed this point toward the other one and never arrived there',
    color: '#dc2626',
    applies: fateIs(FATE.lost),
    paint(a) {
      const { g, x, y, toward } = a;
      const end = y + (toward === 0 ? 10 : toward * 0.5);
      g.strokeStyle = a.color;
      g.lineWidth = 1.5;
      g.beginPath();
      g.moveTo(x, y);
      g.lineTo(x, end);
      g.moveTo(x - 4, end - 4);
      g.lineTo(x + 4, end + 4);
      g.moveTo(x + 4, end - 4);
      g.lineTo(x - 4, end + 4);
      g.stroke();
      g.lineWidth = 1;
      g.beginPath();
      g.arc(x, y, 4, 0, Math.PI * 2);
      g.fillStyle = a.color;
      g.fill();
    },
  },
  {
    id: 'rst',
    label: 'RST',
    hint: 'a reset seen at both points',
    color: '#ea580c',
    applies: flagged(TCP_RST),
    paint: (a) => diamond(a, 5),
  },
  {
    id: 'delayed',
    label: 'delayed',
    hint: 'arrived, its one-way delay well above the path’s minimum',
    color: '#d97706',
    applies: fateIs(FATE.delayed),
    paint: (a) => bar(a, 3),
  },
  {
    id: 'reordered',
    label: 'reordered',
    hint: 'arrived after a packet sent later in the same direction',
    color: '#9333ea',
    applies: fateIs(FATE.reordered),
    paint: (a) => bar(a, 3),
  },
  {
    id: 'rewritten',
    label: 'rewritten',
    hint: 'arrived with addresses, ports, MSS or window changed (NAT, MSS clamp)',
    color: '#0891b2',
    applies: fateIs(FATE.rewritten),
    paint: (a) => bar(a, 3),
  },
  {
    id: 'syn-fin',
    label: 'SYN / FIN',
    hint: 'connection opening or closing, seen at both points',
    color: '#2563eb',
    applies: (p, r) => flagged(TCP_SYN | TCP_FIN)(p, r) && p.fate[r] !== FATE.unmatched,
    paint(a) {
      a.g.fillStyle = a.color;
      a.g.fillRect(Math.round(a.x) - 2, a.y - 7, 4, 14);
    },
  },
  {
    id: 'delivered',
    label: 'delivered',
    hint: 'seen at both points (bar above: client → server, below: server → client)',
    color: '#16a34a',
    applies: fateIs(FATE.delivered),
    paint: (a) => bar(a),
  },
  {
    id: 'not-observed',
    label: 'outside the other capture',
    hint: 'before or after the other capture ran: nothing is claimed',
    color: '#a1a1aa',
    applies: fateIs(FATE.notObserved),
    paint: (a) => bar(a),
  },
  {
    id: 'unmatched',
    label: 'not compared',
    hint: 'its connection was not seen at the other point',
    color: '#71717a',
    applies: () => true,
    paint: (a) => bar(a),
  },
];

/** Glyphs drawn as a plain direction bar: thousands of them, so one per pixel column is drawn. */
export const DIRECTIONAL = new Set(['delivered', 'not-observed', 'unmatched']);

export function glyphOf(p: LanePackets, row: number): PacketGlyph {
  for (const gl of PACKET_GLYPHS) if (gl.applies(p, row)) return gl;
  return PACKET_GLYPHS[PACKET_GLYPHS.length - 1];
}

/** Non-packet marks, in the same table form, for the legend. */
export interface MarkGlyph {
  id: string;
  label: string;
  hint: string;
  color: string;
  /** Legend swatch. */
  paint(a: PaintArgs): void;
}

export const MARK_GLYPHS: MarkGlyph[] = [
  {
    id: 'rung',
    label: 'same packet at two points',
    hint: 'a rung of the ladder: where it was seen at each point, on one aligned clock',
    color: 'rgba(22,163,74,0.55)',
    paint(a) {
      a.g.strokeStyle = a.color;
      a.g.beginPath();
      a.g.moveTo(a.x - 6, a.y - 6);
      a.g.lineTo(a.x + 6, a.y + 6);
      a.g.stroke();
    },
  },
  {
    id: 'log',
    label: 'debug-log frame',
    hint: 'an HTTP/2 frame the program logged, on its connection’s lane',
    color: '#7c3aed',
    paint(a) {
      a.g.fillStyle = a.color;
      a.g.beginPath();
      a.g.arc(a.x, a.y, 3, 0, Math.PI * 2);
      a.g.fill();
    },
  },
  {
    id: 'selected',
    label: 'selected',
    hint: 'a finding’s evidence or a clicked packet, with its copies at the other points',
    color: '#facc15',
    paint(a) {
      a.g.strokeStyle = '#ca8a04';
      a.g.lineWidth = 2;
      a.g.beginPath();
      a.g.arc(a.x, a.y, 6, 0, Math.PI * 2);
      a.g.stroke();
      a.g.lineWidth = 1;
    },
  },
];
