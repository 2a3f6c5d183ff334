/**
 * The columnar trace model's layout: which field of each Trace record becomes which column(s).
 * One entry per record type; the generic codec in columns.ts (write) and reader.ts (read) does the
 * rest, so a field added to lib/trace.ts needs one line here (and until then it still round-trips:
 * a key the layout does not know is kept in the row's `extra` JSON, see columns.ts).
 *
 * Field kinds:
 * - `num`: a number (or null) -> one numeric column, narrowed to the smallest type that holds every
 *   value (Uint8 ... Float64); nulls in a `<name>.valid` column, present only when a null occurred.
 * - `str`: a string (or null) -> index into the trace's one string dictionary (-1 null).
 * - `bool`: true/false/null -> 1/0/2.
 * - `json`: any plain value (a nested record, rare or irregular) -> its JSON text, interned in the
 *   string dictionary: equal values are stored once.
 * - `headers`: a header list ([name, value][]) or null -> index into the interned header-list table
 *   (-1 null); each distinct (name, value) pair is stored once in `headerFields`.
 * - `nums`: a list of numbers (or null) -> `<name>.start` / `<name>.count` (-1 null) into a
 *   one-column side table `<table>.<name>`.
 * - `rows`: a list of records of another table (a stream's frames) -> `<name>.start` /
 *   `<name>.count` into that table; the child rows of one parent are contiguous.
 * - `obj`: a nested record (or null) with its own layout -> columns prefixed `<name>.`, plus
 *   `<name>` (0 null, 1 present) and its own key-order column.
 */

export type FieldKind =
  'num' | 'str' | 'bool' | 'json' | 'headers' | 'nums' | { rows: TableName } | { obj: Layout };

/** Field name -> kind, in the order the analysis writes the fields (JSON key order follows it). */
export type Layout = Record<string, FieldKind>;

export type TableName = 'connections' | 'streams' | 'frames' | 'exchanges' | 'findings' | 'h2';

const perDir = (kind: 'num' | 'bool'): FieldKind => ({ obj: { c2s: kind, s2c: kind } });

export const FRAME: Layout = {
  number: 'num',
  connection: 'str',
  stream: 'num',
  type: 'str',
  typeId: 'num',
  flags: 'json',
  flagsRaw: 'num',
  length: 'num',
  dir: 'str',
  tS: 'num',
  packets: 'nums',
  line: 'num',
  headers: 'headers',
  info: 'json',
};

export const STREAM: Layout = {
  connection: 'str',
  id: 'num',
  method: 'str',
  path: 'str',
  authority: 'str',
  status: 'num',
  grpcStatus: 'num',
  frames: { rows: 'frames' },
  requestHeaders: 'headers',
  responseHeaders: 'headers',
  trailers: 'headers',
  startS: 'num',
  endS: 'num',
  responseS: 'num',
  responseEndS: 'num',
  state: 'str',
  endStream: perDir('bool'),
  reset: 'json',
  dataBytes: perDir('num'),
  grpc: 'json',
  sequence: 'str',
  captureGap: 'bool',
};

const MESSAGE: Layout = {
  startS: 'num',
  endS: 'num',
  headers: 'headers',
  bodyBytes: 'num',
  chunked: 'bool',
  streamOffset: 'num',
  packets: 'nums',
};

export const EXCHANGE: Layout = {
  connection: 'str',
  index: 'num',
  method: 'str',
  path: 'str',
  version: 'str',
  status: 'num',
  reason: 'str',
  requestS: 'num',
  requestEndS: 'num',
  responseS: 'num',
  responseEndS: 'num',
  request: { obj: MESSAGE },
  response: { obj: MESSAGE },
  interim: 'json',
  outcome: 'str',
  captureGap: perDir('num'),
  contentType: 'str',
  jsonKeys: 'json',
};

export const CONNECTION: Layout = {
  id: 'str',
  client: 'str',
  server: 'str',
  clientIp: 'str',
  clientPort: 'num',
  serverIp: 'str',
  serverPort: 'num',
  vlan: 'json',
  tunnel: 'str',
  directionBasis: 'str',
  startS: 'num',
  endS: 'num',
  firstPacket: 'num',
  lastPacket: 'num',
  packets: perDir('num'),
  bytes: perDir('num'),
  fin: perDir('num'),
  rst: perDir('num'),
  keepalives: perDir('num'),
  retransmissions: perDir('num'),
  end: 'str',
  protocol: 'str',
  maxIdleS: 'num',
  handshake: 'json',
  firstFin: 'json',
  firstRst: 'json',
  rsts: 'json',
  idleGaps: 'json',
  analysis: 'json',
  keepalivePackets: 'json',
  tls: 'json',
  upgrade: 'json',
  warnings: 'json',
};

export const FINDING: Layout = {
  kind: 'str',
  severity: 'str',
  title: 'str',
  explanation: 'str',
  connection: 'str',
  stream: 'num',
  startS: 'num',
  endS: 'num',
  evidence: 'json',
  details: 'json',
};

export const H2_CONNECTION: Layout = {
  connection: 'str',
  frames: { rows: 'frames' },
  settings: 'json',
  goaway: 'json',
  violations: 'json',
  prefaceSeen: 'bool',
  via: 'str',
};

export const LAYOUTS: Record<TableName, Layout> = {
  connections: CONNECTION,
  streams: STREAM,
  frames: FRAME,
  exchanges: EXCHANGE,
  findings: FINDING,
  h2: H2_CONNECTION,
};

/** The Trace's lists, in the document's order. */
export const LISTS = ['connections', 'streams', 'exchanges', 'findings', 'h2'] as const;
export type ListName = (typeof LISTS)[number];
