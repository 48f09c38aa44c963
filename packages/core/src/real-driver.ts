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

/**
 * What waits in the cold queue. The waiting object carries its own links (a Timer is its own
 * entry), so arming allocates nothing and taking it out is an unlink.
 */
export interface ColdEntry {
  /** When it is due, in monotonic milliseconds. */
  coldAt: number;
  coldNext: ColdEntry | undefined;
  coldPrev: ColdEntry | undefined;
  /** The list it waits in; undefined while it does not wait. */
  coldList: ColdList | undefined;
}

/**
 * The entries of one sleep length in whole milliseconds, in the order they were armed. Armed on
 * a clock that never goes back, they are in due order to within the millisecond the runtime's
 * own timers round to — the design of Node's timer lists.
 */
class ColdList {
  head: ColdEntry | undefined = undefined;
  tail: ColdEntry | undefined = undefined;
  /** The head's due time when the list took its place in the heap: never later than the head's. */
  expiry: number;

  constructor(
    readonly queue: ColdQueue,
    readonly ms: number,
    expiry: number,
  ) {
    this.expiry = expiry;
  }
}

/**
 * Idle timers (sleeping {@link LONG_SLEEP} or more) wait here under one `setTimeout` for the
 * earliest: an idle timer costs a few fields of its own instead of a runtime timer handle. Entries
 * of one sleep length share a list (appended when armed, unlinked when cleared: O(1) both), and
 * the lists wait in a binary heap by due time — as many as there are distinct sleep lengths (with
 * jitter, a list per sleep: a heap of lists of one, as cheap as a heap of entries). One
 * queue per `setTimeout` function (timers armed under fake timers stay on the fake clock, the
 * others on the real one), and per ref'd or unref'd: an `unref` timer's queue never keeps a
 * process alive, and an empty queue keeps no handle at all.
 */
class ColdQueue {
  /** Lists by sleep length; each one is also in `heap` (an emptied one until it reaches the top). */
  readonly lists = new Map<number, ColdList>();
  readonly heap: ColdList[] = [];
  /** Entries waiting. */
  size = 0;
  /** Lists in the heap that were emptied by `clear()` and are waiting to be swept. */
  emptied = 0;
  readonly wake = new RealWake();
  /** The due time the handle is armed for; Infinity when disarmed. */
  armedAt = Number.POSITIVE_INFINITY;

  constructor(
    readonly setTimeout: SetTimeout,
    readonly unref: boolean,
    readonly due: (entry: any) => void,
  ) {}

  readonly fire = (): void => {
    this.armedAt = Number.POSITIVE_INFINITY;
    this.wake.handle = undefined; // fired: nothing to clear
    // Due within the millisecond, as the runtime's own timers are.
    const due = globalThis.performance.now() + 1;
    const fired: ColdEntry[] = [];
    const heap = this.heap;
    while (heap.length > 0 && (heap[0] as ColdList).expiry <= due) {
      const list = this.pop();
      if (list.head === undefined) this.emptied--;
      for (let entry = list.head; entry !== undefined && entry.coldAt <= due; entry = list.head) {
        this.unlink(entry);
        fired.push(entry);
      }
      if (list.head === undefined) this.lists.delete(list.ms);
      else {
        list.expiry = list.head.coldAt;
        this.push(list);
      }
    }
    this.schedule();
    for (const entry of fired) this.due(entry);
  };

  add(entry: ColdEntry, at: number, ms: number): void {
    let list = this.lists.get(ms);
    if (list === undefined) {
      list = new ColdList(this, ms, at);
      this.lists.set(ms, list);
      this.push(list);
    } else if (list.head === undefined) this.emptied--;
    const tail = list.tail;
    entry.coldAt = at;
    entry.coldList = list;
    entry.coldPrev = tail;
    entry.coldNext = undefined;
    if (tail === undefined) list.head = entry;
    else tail.coldNext = entry;
    list.tail = entry;
    this.size++;
    // Every list's expiry is at or after the armed time, so only a new list can come first.
    if (at < this.armedAt) this.schedule();
  }

  /**
   * Takes `entry` out. A list it empties stays in the heap (taken out when it reaches the top, or
   * refilled by the next sleep of its length) — unless emptied lists come to outnumber the
   * others: jittered sleeps make a list each, and a cancelled one would otherwise be kept until
   * it was due.
   */
  clear(entry: ColdEntry): void {
    const list = entry.coldList as ColdList;
    this.unlink(entry);
    if (this.size === 0) {
      this.schedule();
      return;
    }
    if (list.head !== undefined || ++this.emptied <= 64 || this.emptied * 2 <= this.heap.length)
      return;
    const lists = this.heap.splice(0);
    for (const swept of lists)
      if (swept.head === undefined) this.lists.delete(swept.ms);
      else this.push(swept);
    this.emptied = 0;
  }

  unlink(entry: ColdEntry): void {
    const list = entry.coldList as ColdList;
    const { coldPrev: prev, coldNext: next } = entry;
    if (prev === undefined) list.head = next;
    else prev.coldNext = next;
    if (next === undefined) list.tail = prev;
    else next.coldPrev = prev;
    entry.coldList = entry.coldPrev = entry.coldNext = undefined;
    this.size--;
  }

  /**
   * Arms the handle for the earliest list: called when the queue fired, when a new list comes
   * before the armed time, and when the last entry goes (an empty queue keeps no handle). A
   * handle armed for an entry that has gone since is left to fire early (it finds nothing due
   * and re-arms): taking a timer out must not cost a new runtime timer.
   */
  schedule(): void {
    const wake = this.wake;
    if (this.size === 0) {
      clearWake(wake);
      this.armedAt = Number.POSITIVE_INFINITY;
      this.lists.clear();
      this.heap.length = 0;
      this.emptied = 0;
      return;
    }
    const first = (this.heap[0] as ColdList).expiry;
    this.armedAt = first;
    const ms = Math.min(MAX_TIMEOUT, Math.max(0, Math.ceil(first - globalThis.performance.now())));
    // Armed through the queue's own setTimeout, outside whichever async context is current:
    // the handle outlives the code that happens to arm it.
    clearWake(wake);
    const handle = outsideScopes(arm, this, ms);
    if (this.unref) unrefHandle(handle);
    wake.handle = handle;
    wake.armedWith = this.setTimeout;
    wake.clearWith = globalThis.clearTimeout as ClearTimeout;
  }

  push(list: ColdList): void {
    const heap = this.heap;
    let index = heap.length;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent] as ColdList;
      if (above.expiry <= list.expiry) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = list;
  }

  pop(): ColdList {
    const heap = this.heap;
    const top = heap[0] as ColdList;
    const last = heap.pop() as ColdList;
    const size = heap.length;
    if (size === 0) return top;
    let index = 0;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && (heap[right] as ColdList).expiry < (heap[child] as ColdList).expiry)
        child = right;
      const below = heap[child] as ColdList;
      if (below.expiry >= last.expiry) break;
      heap[index] = below;
      index = child;
    }
    heap[index] = last;
    return top;
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
 * Queues `due(entry)` for monotonic time `at`, `ms` from now, in the cold queue of the current
 * `setTimeout`. Take it out with {@link coldClear}.
 */
export function coldArm(
  entry: ColdEntry,
  at: number,
  ms: number,
  due: (entry: any) => void,
  unref: boolean,
): void {
  const setTimeout = setTimeoutNow();
  let queue = lastQueue;
  if (
    queue === undefined ||
    queue.setTimeout !== setTimeout ||
    queue.unref !== unref ||
    queue.due !== due
  ) {
    queue = queues.find((q) => q.setTimeout === setTimeout && q.unref === unref && q.due === due);
    if (queue === undefined) {
      // Empty queues are forgotten here, when another is made: one per fake clock a test suite
      // installs would add up, while the one in use is kept through its idle moments.
      for (let i = queues.length - 1; i >= 0; i--)
        if ((queues[i] as ColdQueue).size === 0) queues.splice(i, 1);
      queue = new ColdQueue(setTimeout, unref, due);
      queues.push(queue);
    }
    lastQueue = queue;
  }
  queue.add(entry, at, ms);
}

/** Takes `entry` out of its cold queue, if it is still waiting. */
export function coldClear(entry: ColdEntry): void {
  const list = entry.coldList;
  if (list !== undefined) list.queue.clear(entry);
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
