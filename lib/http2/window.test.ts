import { describe, expect, it } from 'vitest';
import { FlowWindow, MAX_WINDOW } from './window';

describe('FlowWindow', () => {
  it('debits DATA, reports one overrun per episode, credits WINDOW_UPDATE', () => {
    const w = new FlowWindow(10);
    expect(w.debit(10)).toEqual({ violated: false, excess: 0 });
    expect(w.debit(3)).toEqual({ violated: true, excess: 3 });
    expect(w.debit(1)).toEqual({ violated: false, excess: 4 }); // same episode
    expect(w.credit(10).violated).toBe(false);
    expect(w.value).toBe(6);
    expect(w.debit(7)).toEqual({ violated: true, excess: 1 }); // a new episode
  });

  it('a zero-length DATA never overruns, even on an exhausted window', () => {
    const w = new FlowWindow(0);
    expect(w.debit(0).violated).toBe(false);
  });

  it('a SETTINGS reduction may make it negative without a violation; DATA then is one', () => {
    const w = new FlowWindow(65535);
    w.debit(60000);
    expect(w.shift(16 - 65535)).toEqual({ violated: false, excess: 0 });
    expect(w.value).toBe(5535 - 65519);
    expect(w.debit(1).violated).toBe(true);
  });

  it('overflow above 2^31-1 by WINDOW_UPDATE or by a SETTINGS raise', () => {
    const a = new FlowWindow(65535);
    expect(a.credit(MAX_WINDOW - 65535).violated).toBe(false);
    expect(a.credit(1)).toEqual({ violated: true, excess: 1 });
    const b = new FlowWindow(MAX_WINDOW);
    expect(b.shift(5)).toEqual({ violated: true, excess: 5 });
  });

  it('a forgotten window (frames lost to a capture gap) is no longer judged', () => {
    const w = new FlowWindow(10);
    w.forget();
    expect(w.debit(100).violated).toBe(false);
    expect(w.credit(MAX_WINDOW).violated).toBe(false);
  });
});
