/**
 * One HTTP/2 flow-control window (RFC 9113 §6.9): what one sender may still send as DATA on one
 * stream, or on the whole connection. Every window of the session model is one of these, so the
 * arithmetic (DATA debits, WINDOW_UPDATE credits, SETTINGS_INITIAL_WINDOW_SIZE shifts) and the
 * "report once per overrun" rule live in one place.
 *
 * - DATA debits its whole payload, padding included (§6.1); a debit that takes the window below
 *   zero is an overrun (FLOW_CONTROL_ERROR for the receiver).
 * - WINDOW_UPDATE credits; a window above 2^31-1 is an overflow (§6.9.1).
 * - A change of SETTINGS_INITIAL_WINDOW_SIZE shifts open stream windows by the difference, which
 *   may make them negative — not an error in itself (§6.9.2): only DATA sent while it is not
 *   positive again is. A shift above 2^31-1 is an overflow.
 * - `unknown`: frames that could have changed the window were lost (capture gap): the window is
 *   no longer judged.
 */
export const MAX_WINDOW = 2 ** 31 - 1;
export const DEFAULT_WINDOW = 65535;

export interface WindowVerdict {
  /** The operation took the window past a limit this time (report it). */
  violated: boolean;
  /** Bytes below zero (debit) or above 2^31-1 (credit/shift) after the operation. */
  excess: number;
}

const OK: WindowVerdict = { violated: false, excess: 0 };

export class FlowWindow {
  /** Bytes the sender may still send; negative after an overrun or a SETTINGS reduction. */
  value: number;
  unknown = false;
  /** An overrun was reported and the window has not been positive since: one report per episode. */
  private overrun = false;

  constructor(initial: number = DEFAULT_WINDOW) {
    this.value = initial;
  }

  /** DATA of `n` payload bytes. */
  debit(n: number): WindowVerdict {
    this.value -= n;
    if (this.unknown || n === 0 || this.value >= 0) return OK;
    if (this.overrun) return { violated: false, excess: -this.value };
    this.overrun = true;
    return { violated: true, excess: -this.value };
  }

  /** WINDOW_UPDATE of `n` (n > 0). */
  credit(n: number): WindowVerdict {
    this.value += n;
    return this.afterRaise();
  }

  /** SETTINGS_INITIAL_WINDOW_SIZE changed by `delta` (positive or negative). */
  shift(delta: number): WindowVerdict {
    this.value += delta;
    return delta > 0 ? this.afterRaise() : OK;
  }

  /** The window can no longer be judged (frames that could have changed it were lost). */
  forget(): void {
    this.unknown = true;
  }

  private afterRaise(): WindowVerdict {
    if (this.value > 0) this.overrun = false;
    if (this.unknown || this.value <= MAX_WINDOW) return OK;
    return { violated: true, excess: this.value - MAX_WINDOW };
  }
}
