import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LogReader } from './index';
import { NghttpVerboseParser } from './nghttp';
import { header, streamSequence } from './test-helpers';

// LOG_SAMPLES_DIR: check a fresh run of samples/logs/generate.sh (copied elsewhere) the same way.
const SAMPLES = process.env.LOG_SAMPLES_DIR
  ? pathToFileURL(`${process.env.LOG_SAMPLES_DIR}/`)
  : new URL('../../samples/logs/', import.meta.url);
const sample = readFileSync(new URL('nghttp-verbose.log', SAMPLES));

const EXPECTED_KINDS = new Set([
  'event.connected',
  'frame.send',
  'frame.recv',
  'detail',
  'header.recv',
  'note.error', // "[WARNING] Certificate verification failed: self-signed certificate" (run 4)
  'note.tls', // "The negotiated protocol: h2" (run 4)
]);

describe('real nghttp -v log', () => {
  const reader = new LogReader();
  reader.push(sample);
  const out = reader.finish();

  it('parses every line', () => {
    expect(out.format).toBe('nghttp-verbose');
    expect(out.unparsed).toEqual({ count: 0, lines: [] });
    for (const kind of Object.keys(out.lineKinds)) expect(EXPECTED_KINDS.has(kind), kind).toBe(true);
    expect(out.start).toBeNull();
  });

  it('one connection per nghttp run, as generate.sh ran it', () => {
    expect(out.connections).toHaveLength(4);
    expect(out.views.map((v) => v.view)).toEqual(['client', 'client', 'client', 'client']);
    const [three, post, push, tls] = out.frames;
    // Run 1: GET /, /data.json, /missing on streams 13, 15, 17 (nghttp's priority anchors use 3..11).
    expect(streamSequence(three, 13)).toBe('>H* <H <D*');
    expect(streamSequence(three, 15)).toBe('>H* <H <D*');
    expect(streamSequence(three, 17)).toBe('>H* <H <D*');
    // Who sends SETTINGS first, and whether the ACKs make it before the GOAWAY, are races.
    const control = streamSequence(three, 0).split(' ');
    expect(control).toContain('>S');
    expect(control).toContain('<S');
    expect(control[control.length - 1]).toBe('>GA');
    expect(streamSequence(three, 3)).toBe('>PRI');
    const req = three.find((f) => f.streamId === 15 && f.dir === 'c2s');
    expect(header(req, ':path')).toBe('/data.json');
    expect(req?.flagsRaw).toBe(0x25);
    expect(req?.info?.priority).toEqual({ dependsOn: 11, weight: 16, exclusive: false });
    const notFound = three.find((f) => f.streamId === 17 && f.dir === 's2c' && f.typeId === 1);
    expect(header(notFound, ':status')).toBe('404');
    expect(notFound?.headers?.length).toBe(5);
    expect(three.find((f) => f.streamId === 17 && f.typeId === 0)?.info?.dataLength).toBe(148);
    const settings = three.find((f) => f.typeId === 4 && f.dir === 'c2s');
    expect(settings?.info?.settings).toEqual([
      { id: 3, name: 'MAX_CONCURRENT_STREAMS', value: 100 },
      { id: 4, name: 'INITIAL_WINDOW_SIZE', value: 65535 },
    ]);
    expect(three.find((f) => f.typeId === 7)?.info).toMatchObject({
      lastStreamId: 0,
      errorCode: 0,
      errorName: 'NO_ERROR',
      debugData: '',
    });
    // Run 2: POST with a body.
    expect(streamSequence(post, 13)).toBe('>H >D* <H <D*');
    expect(
      header(
        post.find((f) => f.streamId === 13),
        ':method',
      ),
    ).toBe('POST');
    expect(post.find((f) => f.streamId === 13 && f.typeId === 0 && f.dir === 'c2s')?.length).toBe(15);
    // Run 3: the server pushes /data.json (promised stream 2) with /index.html. nghttp prints the
    // promise's header fields under the associated stream (13), before the PUSH_PROMISE line.
    expect(streamSequence(push, 13)).toBe('>H* <PP <H <D*');
    expect(streamSequence(push, 2)).toBe('<H <D*');
    const promise = push.find((f) => f.typeId === 5);
    expect(promise?.info?.promisedStreamId).toBe(2);
    expect(header(promise, ':path')).toBe('/data.json');
    expect(header(promise, ':method')).toBe('GET');
    expect(
      header(
        push.find((f) => f.streamId === 2 && f.typeId === 1),
        ':status',
      ),
    ).toBe('200');
    expect(
      header(
        push.find((f) => f.streamId === 13 && f.typeId === 1 && f.dir === 's2c'),
        'content-type',
      ),
    ).toBe('text/html');
    // Run 4: the same GET over TLS.
    expect(streamSequence(tls, 13)).toBe('>H* <H <D*');
    expect(header(tls[tls.findIndex((f) => f.streamId === 13)], ':scheme')).toBe('https');
  });
});

describe('nghttp frame details', () => {
  function parse(text: string) {
    const p = new NghttpVerboseParser();
    text.split('\n').forEach((l, i) => p.line(l, i + 1));
    return p.finish();
  }

  it('RST_STREAM, WINDOW_UPDATE, PING, PUSH_PROMISE and padded DATA', () => {
    const out = parse(
      [
        '[  0.001] Connected',
        '[  0.010] recv (stream_id=1) :method: GET',
        '[  0.010] recv (stream_id=1) :path: /style.css',
        '[  0.010] recv PUSH_PROMISE frame <length=30, flags=0x04, stream_id=1>',
        '          ; END_HEADERS',
        '          (padlen=0, promised_stream_id=2)',
        '[  0.011] send RST_STREAM frame <length=4, flags=0x00, stream_id=2>',
        '          (error_code=REFUSED_STREAM(0x07))',
        '[  0.012] send WINDOW_UPDATE frame <length=4, flags=0x00, stream_id=0>',
        '          (window_size_increment=1048576)',
        '[  0.013] recv PING frame <length=8, flags=0x00, stream_id=0>',
        '          (opaque_data=0102030405060708)',
        '[  0.014] recv DATA frame <length=20, flags=0x09, stream_id=1>',
        '          ; END_STREAM | PADDED',
        '          (padlen=9)',
        '[  0.015] recv GOAWAY frame <length=12, flags=0x00, stream_id=0>',
        '          (last_stream_id=1, error_code=PROTOCOL_ERROR(0x01), opaque_data(4)=[oops])',
      ].join('\n'),
    );
    expect(out.unparsed.lines).toEqual([]);
    const f = out.connections[0].frames;
    expect(f[0]).toMatchObject({ typeId: 5, dir: 's2c', tS: 0.01, info: { promisedStreamId: 2 } });
    expect(f[0].headers).toEqual([
      [':method', 'GET'],
      [':path', '/style.css'],
    ]);
    expect(f[1]).toMatchObject({
      typeId: 3,
      dir: 'c2s',
      streamId: 2,
      info: { errorCode: 7, errorName: 'REFUSED_STREAM' },
    });
    expect(f[2].info).toEqual({ increment: 1048576 });
    expect(f[3].info).toEqual({ pingPayload: '0102030405060708' });
    expect(f[4].info).toEqual({ padLength: 9, dataLength: 10 });
    expect(f[5].info).toEqual({
      lastStreamId: 1,
      errorCode: 1,
      errorName: 'PROTOCOL_ERROR',
      debugData: 'oops',
    });
  });

  it('reports malformed lines with their numbers and starts a connection when "Connected" is missing', () => {
    const out = parse(
      [
        '[  0.000] send SETTINGS frame <length=0, flags=0x00, stream_id=0>',
        '          (niv=0)',
        '          this is not a detail line',
        'body text printed by nghttp without -n',
        '[  0.001] send BOGUS frame <length=0, flags=0x00, stream_id=0>',
        '[  0.002] send HEADERS frame <length=1, flags=0x05, stream_id=1',
      ].join('\n'),
    );
    expect(out.unparsed.lines).toEqual([3, 4, 5, 6]);
    expect(out.connections).toHaveLength(1);
    expect(out.connections[0].frames).toHaveLength(1);
    expect(out.warnings.join('\n')).toMatch(/before any "Connected"/);
  });

  it('h2c upgrade (nghttp -u): the HTTP/1.1 text between the upgrade events is known, not frames', () => {
    // As nghttp 1.52 prints it (the request as seen on a server that refused it, then a success).
    const out = parse(
      [
        '[  0.000] Connected',
        '[  0.000] HTTP Upgrade request',
        'GET /index.html HTTP/1.1',
        'host: 127.0.0.1:28490',
        'connection: Upgrade, HTTP2-Settings',
        'upgrade: h2c',
        'http2-settings: AAMAAABkAAQAAP__',
        '',
        '',
        '[  0.001] HTTP Upgrade response',
        'HTTP/1.1 101 Switching Protocols',
        'Connection: Upgrade',
        'Upgrade: h2c',
        '',
        '[  0.001] HTTP Upgrade success',
        '[  0.002] recv SETTINGS frame <length=0, flags=0x00, stream_id=0>',
        '          (niv=0)',
      ].join('\n'),
    );
    expect(out.unparsed.lines).toEqual([]);
    expect(out.lineKinds['upgrade.http1']).toBe(8);
    expect(out.connections[0].frames).toHaveLength(1);
  });
});
