import { TimerCancelledError } from "./errors.js";
import type { Fence } from "./gate.js";
import { RealWake } from "./real-driver.js";
import type { TickContext } from "./target.js";

/**
 * What a busy timer reuses tick after tick, so that a tick allocates nothing of ours: the
 * context the target receives, the callbacks its promise settles through, and the handle its
 * next wake is armed on. Made at a timer's first tick and kept while it ticks often; a timer
 * going idle (a long sleep) drops it, so an idle timer holds none of this.
 *
 * The context is the tick's own while the tick runs: `hitCount` and `signal` describe the
 * current tick. Read them during the tick (destructuring the argument does).
 */
export class Tick implements TickContext {
  /** Successful ticks before this one (`timer.hitCount` when the tick started). */
  hitCount = 0;
  /** The tick this kit serves. A kit given up on (an abandoned tick) keeps its last one. */
  tick = 0;
  /** With a `lease`: the epoch and slot the gate granted this tick. */
  fence: Fence | undefined = undefined;
  /** A synchronous settlement's value and time, on their way to the timer's effects. */
  held: unknown = undefined;
  heldAt = 0;
  /** The real driver's re-armable wake of this timer. */
  readonly wake = new RealWake();
  /**
   * Its handle is one of Node's own, made inside the timer's async scope: its callback runs
   * there, so a wake need not check. (A fake clock's callbacks run in the test's context.)
   */
  scoped = false;
  /** The settle callbacks of its target's promise, and the callback of its wake, made once. */
  readonly ok: (value: unknown) => void;
  readonly err: (error: unknown) => void;
  readonly fire: () => void;
  #controller: AbortController | undefined = undefined;
  #controllerTick = 0;
  /** Why the current tick's signal must be aborted (its run ended, it was abandoned). */
  #abortedWith: unknown = undefined;

  constructor(ok: (value: unknown) => void, err: (error: unknown) => void, fire: () => void) {
    this.ok = ok;
    this.err = err;
    this.fire = fire;
  }

  /**
   * Aborts when this tick is abandoned or the timer's run ends (cancel, a stopping error, the
   * source running out), with a `TimerCancelledError` as its reason. Each tick has its own,
   * made on first read: a target that never reads it costs nothing, and listeners a tick adds
   * go with it.
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined || this.#controllerTick !== this.tick) {
      this.#controller = new AbortController();
      this.#controllerTick = this.tick;
      if (this.#abortedWith !== undefined) this.#controller.abort(this.#abortedWith);
    }
    return this.#controller.signal;
  }

  /** Tick `tick` starts, with `hitCount` successes before it. */
  begin(tick: number, hitCount: number): void {
    this.tick = tick;
    this.hitCount = hitCount;
    this.fence = undefined;
    this.#abortedWith = undefined;
  }

  /** The current tick's run is over (or the tick was abandoned): abort its signal. */
  abort(why: string): void {
    this.abortWith(new TimerCancelledError(why));
  }

  /** Aborts the current tick's signal with `reason` (a lease that was lost, say), once. */
  abortWith(reason: unknown): void {
    if (this.#abortedWith !== undefined) return;
    this.#abortedWith = reason;
    if (this.#controllerTick === this.tick) this.#controller?.abort(reason);
  }
}
