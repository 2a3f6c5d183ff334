/** Validation of annotation bodies from the API: shapes, lengths, and nothing else accepted. */
import type { AnnotationTarget } from './types';

const MAX_TEXT = 10_000;
const MAX_AUTHOR = 100;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const posInt = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v < 2 ** 40;
const time = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function parseTarget(v: unknown): AnnotationTarget | null {
  if (!isObj(v)) return null;
  const keys = Object.keys(v);
  if (keys.length !== 1) return null;
  const [k] = keys;
  const x = v[k];
  switch (k) {
    case 'packet':
      return posInt(x) ? { packet: x } : null;
    case 'frame':
      return posInt(x) ? { frame: x } : null;
    case 'finding':
      return typeof x === 'number' && Number.isInteger(x) && x >= 0 ? { finding: x } : null;
    case 'connection':
      return typeof x === 'string' && /^c\d{1,9}$/.test(x) ? { connection: x } : null;
    case 'stream':
      return isObj(x) && typeof x.connection === 'string' && /^c\d{1,9}$/.test(x.connection) && posInt(x.id)
        ? { stream: { connection: x.connection, id: x.id } }
        : null;
    case 'range':
      return isObj(x) && time(x.startS) && time(x.endS) && x.endS >= x.startS
        ? { range: { startS: x.startS, endS: x.endS } }
        : null;
    default:
      return null;
  }
}

export function parseAnnotationInput(
  body: unknown,
  creating: boolean,
): { target?: AnnotationTarget; author?: string; text?: string; ifVersion?: number } | { error: string } {
  if (!isObj(body)) return { error: 'the body must be a JSON object' };
  const out: { target?: AnnotationTarget; author?: string; text?: string; ifVersion?: number } = {};
  if (body.target !== undefined || creating) {
    const t = parseTarget(body.target);
    if (!t)
      return {
        error:
          'target must be one of {packet:N}, {frame:N}, {stream:{connection,id}}, {connection:"cN"}, {finding:N}, {range:{startS,endS}}',
      };
    out.target = t;
  }
  if (body.text !== undefined || creating) {
    if (typeof body.text !== 'string' || body.text.trim() === '' || body.text.length > MAX_TEXT)
      return { error: `text must be 1 to ${MAX_TEXT} characters` };
    out.text = body.text;
  }
  if (body.author !== undefined) {
    if (typeof body.author !== 'string' || body.author.length > MAX_AUTHOR)
      return { error: `author must be at most ${MAX_AUTHOR} characters` };
    out.author = body.author.trim() || 'anonymous';
  }
  if (body.ifVersion !== undefined) {
    if (!posInt(body.ifVersion)) return { error: 'ifVersion must be a positive integer' };
    out.ifVersion = body.ifVersion;
  }
  return out;
}
