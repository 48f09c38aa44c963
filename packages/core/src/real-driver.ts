import type { Driver, WakeHandle } from "./driver.js";
import { outsideScopes } from "./tick-scope.js";

/** Node fires any delay above 2^31−1 ms after 1 ms; longer sleeps are taken in pieces. */
const MAX_TIMEOUT = 2_147_483_647;

/**
 * Sleeps of at least this many milliseconds are *long*: a timer taking one is idle, and waits
 * in the shared {@link coldArm} queue rather than holding a `setTimeout` handle of its own.
 */
export const LONG_SLEEP = 1000;

interface RuntimeTimeout {
  unref?(): unknown;
  ref?(): unknown;
  refresh?(): unknown;
  _idleTimeout?: number;
}

let retiming: boolean | undefined;

/**
 * True for a handle of Node's own timers (not a fake clock's): one whose callback runs in the
 * async context it was made in, and whose delay `_idleTimeout` can be changed before a refresh.
 */
export function isNodeTimeout(handle: unknown): boolean {
  return retimes() && typeof (handle as RuntimeTimeout | undefined)?._idleTimeout === "number";
}

/** Node itself, whose Timeout re-arms for a new `_idleTimeout` (Bun and Deno look alike but differ). */
function retimes(): boolean {
  const runtime = globalThis as {
    process?: { release?: { name?: string } };
    Bun?: unknown;
    Deno?: unknown;
  };
  retiming ??=
    runtime.process?.release?.name === "node" &&
    runtime.Bun === undefined &&
    runtime.Deno === undefined;
  return retiming;
}

type SetTimeout = (callback: (arg?: unknown) => void, ms: number, arg?: unknown) => unknown;
type ClearTimeout = (handle: unknown) => void;

// Every global is looked up at call time, never captured at import: a test that installs
// @sinonjs/fake-timers or vi.useFakeTimers() after importing this module still drives it.
const setTimeoutNow = (): SetTimeout => globalThis.setTimeout as unknown as SetTimeout;

/**
 * One re-armable wake. The same object is re-armed sleep after sleep: when the delay is
 * unchanged and `setTimeout` is still the function that made the handle, Node's
 * `Timeout#refresh()` re-arms it without allocating a new one.
 */
export class RealWake {
  handle: unknown = undefined;
  /** The whole-millisecond delay the handle was armed with; -1 while a long sleep is in pieces. */
  delay = -1;
  armedWith: SetTimeout | undefined = undefined;
  /**
   * The `clearTimeout` of the same timer API: fake timers installed or removed between arming
   * and clearing would otherwise be handed a handle they did not make, and ignore it — leaving a
   * real timeout armed that keeps the process alive after `cancel()`.
   */
  clearWith: ClearTimeout | undefined = undefined;
}

/**
 * Arms `wake` to call `callback` after `ms` whole milliseconds (at most {@link MAX_TIMEOUT}),
 * re-using its handle when it can. The handle is made in the caller's async context, which its
 * callback keeps for as long as the handle is refreshed. True when a new handle was made.
 */
export function armWake(wake: RealWake, ms: number, callback: () => void, unref: boolean): boolean {
  if (rearm(wake, ms)) return false;
  clearWake(wake);
  const handle = setTimeout(callback, ms);
  if (unref) unrefHandle(handle);
  wake.handle = handle;
  wake.delay = ms;
  wake.armedWith = setTimeout;
  wake.clearWith = globalThis.clearTimeout as ClearTimeout;
  return true;
}

/**
 * Re-arms `wake`'s handle for `ms` without making a new one, if it can: the same delay, or
 * another on Node's own Timeout, whose `_idleTimeout` re-aims it (what its legacy
 * `timers.active()` did) — a fixed_rate timer re-aiming at its slot needs no new handle. False
 * when a new handle is needed (none yet, another delay elsewhere, `setTimeout` replaced).
 */
export function rearm(wake: RealWake, ms: number): boolean {
  const handle = wake.handle as RuntimeTimeout | undefined;
  if (wake.armedWith !== setTimeoutNow() || typeof handle?.refresh !== "function") return false;
  if (wake.delay !== ms) {
    if (wake.delay < 0 || !isNodeTimeout(handle)) return false;
    handle._idleTimeout = ms;
    wake.delay = ms;
  }
  handle.refresh();
  return true;
}

/** Disarms `wake`; it can be armed again. */
export function clearWake(wake: RealWake): void {
  // Called bare, as a global: a browser's clearTimeout throws "Illegal invocation" on any other `this`.
  const clear = wake.clearWith;
  if (wake.handle !== undefined) clear?.(wake.handle);
  wake.handle = undefined;
  wake.delay = -1; // a cleared Timeout is not refreshed: arm a new one next time
}

function unrefHandle(handle: unknown): void {
  if (typeof handle === "object" && handle !== null) {
    (handle as RuntimeTimeout).unref?.();
    return;
  }
  // Deno returns numeric ids and unrefs them through its namespace.
  const deno = (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno;
  if (typeof handle === "number") deno?.unrefTimer?.(handle);
}

function armAt(wake: RealWake, at: number, callback: () => void, unref: boolean): void {
  // Whole milliseconds, rounded up: Node fires timers on a millisecond clock, so a fractional
  // 9.99 would wake early, and every distinct fraction costs Node a timer list of its own.
  const remaining = Math.max(0, Math.ceil(at - globalThis.performance.now()));
  if (remaining <= MAX_TIMEOUT) {
    armWake(wake, remaining, callback, unref);
    return;
  }
  armWake(wake, MAX_TIMEOUT, () => armAt(wake, at, callback, unref), unref);
  wake.delay = -1; // the piece's callback differs: never refresh it for another sleep
}

// ─── The cold queue: long sleeps share one handle ───────────────────────────────────────────

/** A long sleep waiting in the cold queue. */
export interface ColdEntry {
  readonly at: number;
  /** What `due` is called with; dropped when the entry is cleared, so nothing is kept alive. */
  arg: unknown;
  /** 0 while it waits; -1 once fired or cleared. */
  index: number;
}

/**
 * Idle timers (sleeping {@link LONG_SLEEP} or more) wait here, in a binary heap ordered by due
 * time, under one `setTimeout` for the earliest: an idle timer costs one small entry instead of
 * a runtime timer handle. One queue per `setTimeout` function (timers armed under fake timers
 * stay on the fake clock, the others on the real one), and per ref'd or unref'd: an `unref`
 * timer's queue never keeps a process alive.
 *
 * Taking an entry out costs O(1): it is marked and left where it is (its timer let go), and the
 * marked ones are swept when they reach the top, or all at once when they outnumber the rest —
 * a service cancelling thousands of timers at shutdown does no heap work per timer.
 */
class ColdQueue {
  heap: ColdEntry[] = [];
  /** Entries in the heap that were cleared but not swept yet. */
  dead = 0;
  readonly wake = new RealWake();
  /** The due time the handle is armed for; Infinity when disarmed. */
  armedAt = Number.POSITIVE_INFINITY;

  constructor(
    readonly setTimeout: SetTimeout,
    readonly unref: boolean,
    readonly due: (arg: any) => void,
  ) {}

  readonly fire = (): void => {
    this.armedAt = Number.POSITIVE_INFINITY;
    this.wake.handle = undefined; // fired: nothing to clear
    // Due within the millisecond, as the runtime's own timers are.
    const due = globalThis.performance.now() + 1;
    const fired: unknown[] = [];
    for (let first = this.top(); first !== undefined && first.at <= due; first = this.top()) {
      this.pop();
      first.index = -1;
      fired.push(first.arg);
      first.arg = undefined;
    }
    this.schedule();
    for (const arg of fired) this.due(arg);
  };

  /** The earliest live entry, sweeping cleared ones off the top. */
  top(): ColdEntry | undefined {
    const heap = this.heap;
    while (heap.length > 0 && (heap[0] as ColdEntry).index < 0) {
      this.pop();
      this.dead--;
    }
    return heap[0];
  }

  add(entry: ColdEntry): void {
    entry.index = 0;
    this.heap.push(entry);
    this.up(this.heap.length - 1);
    this.schedule();
  }

  /** Takes `entry` out: marked now, swept later. */
  clear(entry: ColdEntry): void {
    entry.index = -1;
    entry.arg = undefined;
    const heap = this.heap;
    if (++this.dead >= heap.length) {
      this.heap = [];
      this.dead = 0;
    } else if (this.dead > 64 && this.dead * 2 > heap.length) {
      // Mostly cleared: keep the live ones and rebuild the heap from them.
      this.heap = heap.filter((live) => live.index >= 0);
      this.dead = 0;
      for (let i = this.heap.length >> 1; i >= 0; i--) this.down(i);
    }
    this.schedule();
  }

  pop(): void {
    const heap = this.heap;
    const last = heap.pop() as ColdEntry;
    if (heap.length > 0) {
      heap[0] = last;
      this.down(0);
    }
  }

  /**
   * Arms the handle when the earliest entry is due before it would fire. A handle armed for an
   * entry that has gone since is left to fire early (it finds nothing due and re-arms): taking
   * a timer out must not cost a new runtime timer. An empty queue keeps no handle.
   */
  schedule(): void {
    const wake = this.wake;
    if (this.heap.length === this.dead) {
      clearWake(wake);
      this.armedAt = Number.POSITIVE_INFINITY;
      this.heap = [];
      this.dead = 0;
      // An empty queue is forgotten: one per fake clock a test suite installs would add up.
      queues.splice(queues.indexOf(this), 1);
      if (lastQueue === this) lastQueue = undefined;
      return;
    }
    const first = this.heap[0] as ColdEntry;
    if (first.at >= this.armedAt) return;
    this.armedAt = first.at;
    const ms = Math.min(
      MAX_TIMEOUT,
      Math.max(0, Math.ceil(first.at - globalThis.performance.now())),
    );
    // Armed through the queue's own setTimeout, outside whichever async context is current:
    // the handle outlives the code that happens to arm it.
    clearWake(wake);
    const handle = outsideScopes(arm, this, ms);
    if (this.unref) unrefHandle(handle);
    wake.handle = handle;
    wake.armedWith = this.setTimeout;
    wake.clearWith = globalThis.clearTimeout as ClearTimeout;
  }

  up(index: number): void {
    const heap = this.heap;
    const entry = heap[index] as ColdEntry;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent] as ColdEntry;
      if (above.at <= entry.at) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = entry;
  }

  down(index: number): void {
    const heap = this.heap;
    const entry = heap[index] as ColdEntry;
    const size = heap.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && (heap[right] as ColdEntry).at < (heap[child] as ColdEntry).at)
        child = right;
      const below = heap[child] as ColdEntry;
      if (below.at >= entry.at) break;
      heap[index] = below;
      index = child;
    }
    heap[index] = entry;
  }
}

/** Arms `queue`'s handle; one function for every queue, called outside every async scope. */
function arm(queue: ColdQueue, ms: number): unknown {
  const setTimeout = queue.setTimeout; // called bare: see clearWake
  return setTimeout(queue.fire, ms);
}

/** The last queue used, and every queue by its setTimeout, its ref'dness and its callback. */
let lastQueue: ColdQueue | undefined;
const queues: ColdQueue[] = [];

/**
 * Queues `due(arg)` for monotonic time `at` in the cold queue of the current `setTimeout`.
 * Returns the entry, for {@link coldClear}.
 */
export function coldArm(
  at: number,
  due: (arg: any) => void,
  arg: unknown,
  unref: boolean,
): ColdEntry {
  const setTimeout = setTimeoutNow();
  let queue = lastQueue;
  if (
    queue === undefined ||
    queue.setTimeout !== setTimeout ||
    queue.unref !== unref ||
    queue.due !== due
  ) {
    queue = queues.find((q) => q.setTimeout === setTimeout && q.unref === unref && q.due === due);
    lastQueue = queue;
  }
  if (queue === undefined || (queue.heap.length === 0 && !queues.includes(queue))) {
    queue = new ColdQueue(setTimeout, unref, due);
    queues.push(queue);
    lastQueue = queue;
  }
  const entry: ColdEntry & { queue: ColdQueue } = { at, arg, index: -1, queue };
  queue.add(entry);
  return entry;
}

/** Takes `entry` out of its cold queue, if it is still waiting. */
export function coldClear(entry: ColdEntry): void {
  if (entry.index >= 0) (entry as ColdEntry & { queue: ColdQueue }).queue.clear(entry);
}

// ─── Clocks ──────────────────────────────────────────────────────────────────────────────────

/**
 * The monotonic clock of timers on the real driver, in whole milliseconds — the resolution the
 * runtime's timers have. A whole number stays a small integer inside the engine, where a
 * fraction would be boxed on every call that passes it: a third of a tick's cost, measured.
 */
export function monotonicNow(): number {
  // `globalThis.performance` is a lazy getter in Node, dearer than the clock itself: the object is
  // read again whenever `setTimeout` changes — fake timers replace both together — and its
  // `now` at every call (sinon also patches `now` on Node's own performance object).
  const setTimeout = globalThis.setTimeout;
  if (setTimeout !== clockOwner || clock === undefined) {
    clockOwner = setTimeout;
    clock = globalThis.performance;
  }
  return Math.floor(clock.now());
}

let clockOwner: unknown;
let clock: { now(): number } | undefined;

let wallOffset = 0;
let wallSampledAt = Number.NEGATIVE_INFINITY;
/** The `setTimeout` the offset was sampled under: fake timers replace it with the clocks. */
let wallOwner: unknown;

/**
 * The epoch time (`Date.now()` convention) of monotonic time `now` (as {@link monotonicNow}):
 * the offset between the two clocks is sampled at most once a second — reading both costs more
 * than the rest of a tick — and again at once when the timer functions are replaced (fake
 * timers, which replace the clocks with them) or the monotonic clock goes back.
 */
export function wallTime(now: number): number {
  if (now - wallSampledAt >= 1000 || now < wallSampledAt || clockOwner !== wallOwner) {
    wallOwner = clockOwner;
    wallSampledAt = now;
    wallOffset = Date.now() - monotonicNow();
  }
  return now + wallOffset;
}

/**
 * The driver every timer uses unless told otherwise: `setTimeout`/`clearTimeout`,
 * `performance.now()` (in whole milliseconds), `Date.now()` and `Math.random()`, each looked up
 * when called.
 * Sleeps longer than `setTimeout` can hold (about 24.8 days) are split, so they last their full
 * length.
 *
 * @example
 * ```ts
 * import { realDriver, Timer } from "@async-timer/core";
 * const timer = new Timer(30 * 24 * 3600, monthlyReport, { driver: realDriver }); // 30 days, really
 * ```
 */
export const realDriver: Driver = {
  now: monotonicNow,
  wallNow: () => Date.now(),
  random: () => Math.random(),
  setWake(at: number, wake: () => void, unref: boolean, spent?: WakeHandle): WakeHandle {
    const handle = spent instanceof RealWake ? spent : new RealWake();
    armAt(handle, at, wake, unref);
    return handle;
  },
  clearWake(handle: WakeHandle): void {
    if (handle instanceof RealWake) clearWake(handle);
  },
};
