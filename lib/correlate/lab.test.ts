/**
 * The correlation against real programs in network namespaces (lab/): for every lab/vantage-*
 * scenario, its correlation.json (which hop injected each RST, the losses per direction, the clock
 * offset added with editcap, NAT and MSS facts), and a few older scenarios captured on both sides.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LAB_DIR } from '../../tests/corpus';
import { correlate, loadInput, FATE, type CorrelationDoc } from './index';
import type { Finding } from '../trace';
import { K } from '../findings/kinds';

interface CaseExpectation {
  inputs: string[];
  /** Clock of the second input minus the first's (absent: not checked, e.g. a log beside one capture). */
  offsetS?: number;
  offsetToleranceS?: number;
  /** Every finding kind the correlation yields, and how many (when given: exactly these). */
  findingCounts?: Record<string, number>;
  /** A debug log matched to a capture: frames matched, and the bound on its clock's offset. */
  logMatched?: { input: string; frames: number; of: number; maxUncertaintyS: number };
  logFramesNotOnWire?: number;
  fates: Partial<Record<keyof CorrelationDoc['fates'], number>>;
  injectedRst: {
    observedAt: string;
    missingAt: string;
    claimedSender: string;
    hopsFromObserver: number;
    senderHopsFromObserver: number;
  }[];
  loss: {
    observedAt: string;
    missingAt?: string;
    direction: string;
    packets: number;
    retransmitted?: number;
    evidence?: number[];
  }[];
  /** Three or more captures: their order along the path, nearest the client first. */
  pathOrder?: string[];
  nat?: { connections: number; portsRewritten: number };
  mssClamp?: { from: number; to: number; syns: number };
  /** Through a terminating proxy: connections matched by their requests. */
  requestMatches?: number;
  proxyGaveUp?: { requests: string[]; status: number; waitedS: [number, number]; answeredLater: number };
}

function run(dir: string, files: string[]): CorrelationDoc {
  return correlate(files.map((f) => loadInput(f, new Uint8Array(readFileSync(path.join(dir, f))))));
}

function of(doc: CorrelationDoc, kind: string): Finding[] {
  return doc.findings.filter((f) => f.kind === kind);
}

const scenarios = readdirSync(LAB_DIR)
  .filter((d) => d.startsWith('vantage-') && existsSync(path.join(LAB_DIR, d, 'correlation.json')))
  .sort();

describe('lab vantage scenarios: correlation.json', () => {
  it('there are vantage scenarios', () => expect(scenarios.length).toBeGreaterThanOrEqual(5));
  for (const s of scenarios) {
    const dir = path.join(LAB_DIR, s);
    const { cases } = JSON.parse(readFileSync(path.join(dir, 'correlation.json'), 'utf8')) as {
      cases: CaseExpectation[];
    };
    for (const c of cases)
      it(`${s}: ${c.inputs.join(' + ')}`, () => {
        const doc = run(dir, c.inputs);
        if (c.offsetS !== undefined) {
          expect(doc.offsetS).not.toBeNull();
          expect(Math.abs((doc.offsetS as number) - c.offsetS)).toBeLessThanOrEqual(
            c.offsetToleranceS ?? 0.001,
          );
        }
        if (c.findingCounts) {
          const counts: Record<string, number> = {};
          for (const f of doc.findings) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
          expect(counts).toEqual(c.findingCounts);
        }
        if (c.logMatched) {
          const lm = c.logMatched;
          expect(
            doc.notes.some(
              (n) => n.startsWith(`${lm.input} matched`) && n.includes(`${lm.frames} of ${lm.of} frames`),
            ),
          ).toBe(true);
          const inp = doc.inputs.find((x) => x.name === lm.input)!;
          expect(inp.offsetS).not.toBeNull();
          expect(inp.offsetUncertaintyS).toBeLessThanOrEqual(lm.maxUncertaintyS);
        }
        if (c.logFramesNotOnWire !== undefined)
          expect(of(doc, K.pathLogFrameNotOnWire)[0]?.details.frames ?? 0).toBe(c.logFramesNotOnWire);
        for (const [k, v] of Object.entries(c.fates))
          expect({ [k]: doc.fates[k as keyof typeof doc.fates] }).toEqual({ [k]: v });
        const rsts = of(doc, K.pathInjectedRst).map((f) => ({
          observedAt: (f.details.observedAt as string[])[0],
          missingAt: (f.details.missingAt as string[])[0],
          claimedSender: f.details.claimedSender,
          hopsFromObserver: f.details.hopsFromObserver,
          senderHopsFromObserver: f.details.senderHopsFromObserver,
        }));
        expect(rsts).toEqual(c.injectedRst);
        const losses = of(doc, K.pathLoss);
        expect(losses).toHaveLength(c.loss.length);
        for (const l of c.loss) {
          const f = losses.find(
            (x) =>
              (x.details.observedAt as string[])[0] === l.observedAt && x.details.direction === l.direction,
          );
          expect(f, `loss ${l.direction} at ${l.observedAt}`).toBeDefined();
          if (l.missingAt) expect(f!.details.missingAt).toEqual([l.missingAt]);
          expect(f!.details.packets).toBe(l.packets);
          if (l.retransmitted !== undefined) expect(f!.details.retransmitted).toBe(l.retransmitted);
          if (l.evidence) expect(f!.evidence.map((e) => e.packet)).toEqual(l.evidence);
        }
        const nat = of(doc, K.pathNat);
        if (c.nat) {
          expect(nat).toHaveLength(1);
          expect(nat[0].details.connections).toBe(c.nat.connections);
          expect(nat[0].details.portsRewritten).toBe(c.nat.portsRewritten);
        } else expect(nat).toEqual([]);
        const mss = of(doc, K.pathMssClamp);
        if (c.mssClamp) {
          expect(mss).toHaveLength(1);
          const changes = mss[0].details.changes as { sent: number; received: number }[];
          expect(changes).toHaveLength(c.mssClamp.syns);
          for (const x of changes) expect([x.sent, x.received]).toEqual([c.mssClamp.from, c.mssClamp.to]);
        } else expect(mss).toEqual([]);
        if (c.pathOrder)
          expect(doc.notes).toContain(`path order, nearest the client first: ${c.pathOrder.join(' → ')}`);
        if (c.requestMatches !== undefined)
          expect(doc.matches.filter((m) => m.via === 'request')).toHaveLength(c.requestMatches);
        const gaveUp = of(doc, K.pathProxyGaveUp);
        if (c.proxyGaveUp) {
          expect(gaveUp).toHaveLength(1);
          const byProxy = doc.pairs[0].proxied.filter((p) => p.answeredByProxy);
          expect(byProxy.map((p) => p.request).sort()).toEqual(c.proxyGaveUp.requests);
          for (const p of byProxy) {
            expect(p.statusA).toBe(c.proxyGaveUp.status);
            expect(p.proxyWaitedS).toBeGreaterThanOrEqual(c.proxyGaveUp.waitedS[0]);
            expect(p.proxyWaitedS).toBeLessThanOrEqual(c.proxyGaveUp.waitedS[1]);
          }
          expect(gaveUp[0].details.answeredLaterByUpstream).toBe(c.proxyGaveUp.answeredLater);
        } else expect(gaveUp).toEqual([]);
        // The columns agree with the counts: every lost packet has no peer, every delivered one has.
        const [ca] = doc.pairs[0]?.columns ?? [{ fate: new Uint8Array(0), peer: new Int32Array(0) }];
        ca.fate.forEach((f, i) => {
          if (f === FATE.lost || f === FATE.injected) expect(ca.peer[i]).toBe(0);
          if (f === FATE.delivered || f === FATE.rewritten) expect(ca.peer[i]).toBeGreaterThan(0);
        });
      });
  }

  it('vantage-loss: the losses per direction are the middlebox DROP rules’ packet counters', () => {
    const dir = path.join(LAB_DIR, 'vantage-loss');
    const observed = readFileSync(path.join(dir, 'observed.txt'), 'utf8');
    const counter = (port: 'spt' | 'dpt'): number => {
      const m = new RegExp(`^\\s*(\\d+)\\s+\\d+\\s+DROP\\b.*tcp ${port}:8080`, 'm').exec(observed);
      expect(m, port).not.toBeNull();
      return Number(m![1]);
    };
    const doc = run(dir, ['client.pcap.gz', 'server.pcap.gz']);
    const loss = doc.pairs[0].loss;
    // Input 1 (server side) → input 0: the server's packets dropped on their way (rule spt:8080).
    expect(loss.find((l) => l.from === 1)?.packets).toBe(counter('spt'));
    expect(loss.find((l) => l.from === 0)?.packets).toBe(counter('dpt'));
  });
});

describe('lab scenarios captured on both sides before the correlation existed', () => {
  it('nat-idle-reset: both RSTs were made by the NAT (0 hops from the client capture, the server 1)', () => {
    for (const [a, b] of [
      ['client.pcap', 'server.pcap'],
      ['client6.pcap', 'server6.pcap'],
    ]) {
      const doc = run(path.join(LAB_DIR, 'nat-idle-reset'), [a, b]);
      const rsts = of(doc, K.pathInjectedRst);
      expect(rsts).toHaveLength(2);
      for (const f of rsts)
        expect(f.details).toMatchObject({
          observedAt: [a],
          missingAt: [b],
          claimedSender: 'server',
          hopsFromObserver: 0,
          senderHopsFromObserver: 1,
        });
      // The requests the NAT rejected never reached the server.
      expect(of(doc, K.pathLoss).map((f) => [f.details.direction, f.details.packets])).toEqual([
        ['client-to-server', 2],
      ]);
      expect(of(doc, K.pathNat)[0].details.connections).toBe(6);
      expect(Math.abs(doc.offsetS as number)).toBeLessThan(0.001);
    }
  });

  it('netem-loss-burst: the drops were on the way from the server, and every one was sent again', () => {
    const doc = run(path.join(LAB_DIR, 'netem-loss-burst'), ['client.pcap.gz', 'server.pcap.gz']);
    const losses = of(doc, K.pathLoss);
    expect(losses).toHaveLength(1);
    expect(losses[0].details.direction).toBe('server-to-client');
    expect(losses[0].details.packets).toBe(losses[0].details.retransmitted);
    expect(losses[0].details.packets).toBe(doc.fates.lost);
    // What the server sent = what the client got + what was lost.
    expect(doc.inputs[1].packets - doc.fates.lost).toBe(doc.fates.delivered);
    expect(of(doc, K.pathInjectedRst)).toEqual([]);
  });

  it('nginx-grpc-read-timeout: gRPC calls through nginx matched by :path; the 4 slow calls cut by the proxy at 3 s', () => {
    const doc = run(path.join(LAB_DIR, 'nginx-grpc-read-timeout'), ['client.pcap', 'server.pcap']);
    expect(doc.matches.filter((m) => m.via === 'request')).toHaveLength(9);
    expect(doc.matches.filter((m) => m.via === 'packets')).toHaveLength(0);
    const f = of(doc, K.pathProxyGaveUp);
    expect(f).toHaveLength(1);
    expect(f[0].details.requests).toBe(4);
    for (const w of f[0].details.proxyWaitedS as number[]) {
      expect(w).toBeGreaterThan(2.95);
      expect(w).toBeLessThan(3.1);
    }
  });

  it('benign-cancel-via-proxy: HAProxy forwarding the same gRPC bytes on its own connections is not one connection seen twice', () => {
    const doc = run(path.join(LAB_DIR, 'benign-cancel-via-proxy'), [
      'haproxy-client.pcap.gz',
      'haproxy-server.pcap.gz',
    ]);
    expect(doc.matches.filter((m) => m.via === 'packets')).toEqual([]);
    expect(doc.fates.lost + doc.fates.injected).toBe(0);
    expect(doc.matches.filter((m) => m.via === 'request').length).toBeGreaterThan(0);
    expect(Math.abs(doc.offsetS as number)).toBeLessThan(0.001);
  });

  it('nginx-proxy-read-timeout: the two sides of the proxy matched by request; the 504s came from the proxy', () => {
    const doc = run(path.join(LAB_DIR, 'nginx-proxy-read-timeout'), ['client.pcap', 'server.pcap']);
    const viaRequest = doc.matches.filter((m) => m.via === 'request');
    expect(viaRequest).toHaveLength(10);
    expect(doc.pairs[0].offsetFrom).toBe('requests');
    const byProxy = doc.pairs[0].proxied.filter((p) => p.answeredByProxy);
    expect(byProxy.map((p) => p.request).sort()).toEqual([1, 2, 3, 4].map((i) => `GET /slow/${i}?ms=5000`));
    for (const p of byProxy) {
      expect(p.statusA).toBe(504);
      // nginx closed upstream 3 s after the request (proxy_read_timeout 3s).
      expect(p.proxyWaitedS).toBeGreaterThan(2.9);
      expect(p.proxyWaitedS).toBeLessThan(3.1);
    }
    expect(of(doc, K.pathProxyGaveUp)[0].details).toMatchObject({ requests: 4, answeredLaterByUpstream: 4 });
  });
});
