/**
 * The remote's end of one handle: posts requests to the owner and waits for the answers.
 *
 * A blocking call stores PENDING in the sync slot, posts the request, then `Atomics.wait`s on
 * the owner's doorbell until its slot says DONE, the owner is gone, or the timeout passes
 * (without one: {@link DEFAULT_TIMEOUT_MS}, or sooner once the owner's heartbeat has been still
 * for {@link GIVE_UP_SILENT_MS} — a terminated owner runs no exit handler, and a blocked thread
 * cannot hear its port close). At the timeout it takes the slot back with a compare-exchange:
 * from PENDING (the owner never started the work and now never will), or from RUNNING (the work
 * is under way: it may still complete if the owner's heartbeat moves, and only if that thread
 * resumes if it does not). If the owner is already writing the reply, the call takes it.
 *
 * A non-blocking call uses one of the other slots the same way and gets its answer as a
 * message; while one is pending the port keeps the thread alive, like any pending I/O.
 *
 * @module
 */
import { receiveMessageOnPort, threadId } from "node:worker_threads";
import { realDriver, TimerTimeoutError, type WakeHandle } from "@async-timer/core";
import { ThreadControlError } from "./errors.js";
import type { AnyHandle } from "./handles.js";
import {
  C_DATA_OFFSET,
  C_REPLY_LENGTH,
  C_REPLY_OK,
  DONE,
  FREE,
  MAX_ID,
  PENDING,
  PROTOCOL,
  RUNNING,
  SLOTS,
  SYNC_SLOT,
  slotWord,
  T_ALIVE,
  T_BEAT,
  T_DOORBELL,
  TAG,
  WRITING,
} from "./layout.js";
import { BEAT_MS, isAlive, markGone } from "./owner-thread.js";
import {
  type CallRequest,
  type DelayRequest,
  decodeOutcome,
  type Encoded,
  parseReply,
} from "./protocol.js";
import { probeWatched, watchedCount } from "./watch-owner.js";

/** How often a blocked call checks workers this thread watches (see `watchOwner`). */
const PROBE_MS = 50;
/**
 * A blocking call without a timeout gives up after this long, or once the owner's heartbeat has
 * been still for {@link GIVE_UP_SILENT_MS}: a terminated owner must not hang its callers.
 */
export const DEFAULT_TIMEOUT_MS = 60_000;
export const GIVE_UP_SILENT_MS = 5000;
/** A heartbeat still for this long (several beats) means the owner is not running. */
const SILENT_MS = 1000;

// `Atomics.wait` sleeps in real time, so its deadline is real time too, even where a test has
// installed fake timers after this module loaded.
const now = performance.now.bind(performance);

interface Pending {
  readonly slot: number;
  readonly method: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** The call's deadline: core's real driver, which holds timeouts longer than setTimeout can. */
  timer: WakeHandle | undefined;
  /** The owner's heartbeat when the call was sent. */
  readonly beat: number;
}

/** Names a call in messages, e.g. `cancelSync() on timer "cache"`. */
export interface CallSite {
  /** E.g. `cancelSync()`. */
  readonly method: string;
  /** What to use on the owner thread instead, e.g. `await timer.cancel()`. */
  readonly onOwner: string;
}

export class Channel {
  readonly label: string;
  readonly ownerThreadId: number;
  readonly thread: Int32Array;
  readonly #port: AnyHandle["port"];
  readonly #slots: Int32Array;
  readonly #data: Uint8Array;
  readonly #pending = new Map<number, Pending>();
  readonly #freeSlots: number[] = [];
  readonly #waitingForSlot: (() => void)[] = [];
  #nextId = 1;
  #state: "open" | "disconnected" | "gone" = "open";

  constructor(handle: AnyHandle, label: string) {
    this.label = label;
    this.ownerThreadId = handle.ownerThreadId;
    this.thread = new Int32Array(handle.thread);
    this.#port = handle.port;
    this.#slots = new Int32Array(handle.channel);
    this.#data = new Uint8Array(handle.channel, C_DATA_OFFSET);
    for (let slot = SLOTS - 1; slot > SYNC_SLOT; slot--) this.#freeSlots.push(slot);
    this.#port.on("message", this.#onMessage);
    this.#port.once("close", this.#onClose);
    // Listening refs an open port. One whose owner died while it was in transit to this thread
    // arrives closed, and then emits no "close" event: it is recognisable only here.
    const open = (this.#port as { hasRef?(): boolean }).hasRef?.() ?? true;
    this.#port.unref();
    if (!open) this.#lost();
  }

  /** Whether the owner thread is alive, as far as this thread can tell. */
  ownerAlive(): boolean {
    return this.#state !== "gone" && isAlive(this.thread);
  }

  /** A blocking call: returns the owner's answer, or throws. */
  callSync(
    op: CallRequest["op"],
    site: CallSite,
    timeoutMs: number | undefined,
    generation: number | undefined,
    check?: (method: string) => void,
  ): unknown {
    if (threadId === this.ownerThreadId) {
      throw new ThreadControlError(
        "owner-thread",
        `${site.method} was called on the thread that owns ${this.label} (thread ${threadId}); blocking it would block the event loop the work needs. Use \`${site.onOwner}\` there`,
      );
    }
    this.#usable(site.method);
    check?.(site.method);
    const id = this.#id();
    const slot = SYNC_SLOT;
    Atomics.store(this.#slots, slot, slotWord(id, PENDING));
    this.#port.postMessage(request(op, id, slot, true, generation));
    const started = now();
    const deadline = started + (timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const done = slotWord(id, DONE);
    // The owner's heartbeat, and when it last moved: how long the owner has been silent.
    let beat = Atomics.load(this.thread, T_BEAT);
    let beatAt = started;
    for (;;) {
      // The doorbell is read before the slot: a DONE stored after this read rings it again,
      // so the wait below cannot miss it.
      const bell = Atomics.load(this.thread, T_DOORBELL);
      const word = Atomics.load(this.#slots, slot);
      if (word === done) break;
      if (Atomics.load(this.thread, T_ALIVE) === 0) {
        Atomics.store(this.#slots, slot, FREE);
        throw this.#gone(site.method, true);
      }
      const at = now();
      if (Atomics.load(this.thread, T_BEAT) !== beat) {
        beat = Atomics.load(this.thread, T_BEAT);
        beatAt = at;
      }
      const silent = at - beatAt;
      // Without a timeout, an owner silent this long is given up on before the default timeout.
      const giveUp = timeoutMs === undefined && silent >= GIVE_UP_SILENT_MS;
      let wait = Math.min(deadline - at, BEAT_MS); // wake to watch the heartbeat
      if (wait <= 0 || giveUp) {
        if (word !== slotWord(id, WRITING)) {
          this.#giveUp(id, slot, site.method, at - started, timeoutMs, silent);
        }
        wait = 1; // the reply is being written right now
      }
      if (watchedCount() > 0) wait = Math.min(wait, PROBE_MS);
      Atomics.wait(this.thread, T_DOORBELL, bell, wait);
      if (watchedCount() > 0) probeWatched();
    }
    const length = Atomics.load(this.#slots, C_REPLY_LENGTH);
    const reply: Encoded =
      length >= 0
        ? { ok: Atomics.load(this.#slots, C_REPLY_OK) === 1, bytes: this.#data.slice(0, length) }
        : this.#receive(id);
    Atomics.store(this.#slots, slot, FREE);
    return decodeOutcome(reply.ok, reply.bytes);
  }

  /**
   * At the deadline: takes the slot back, so the owner will not (or did) run the work, and says
   * what is known of the owner: whether its heartbeat still moves.
   */
  #giveUp(
    id: number,
    slot: number,
    method: string,
    waitedMs: number,
    timeoutMs: number | undefined,
    silentMs: number,
  ): void {
    const after =
      timeoutMs !== undefined
        ? `timed out after ${seconds(timeoutMs)}s`
        : silentMs >= GIVE_UP_SILENT_MS
          ? `gave up after ${seconds(waitedMs, true)}s (no timeout was given)`
          : `timed out after ${seconds(DEFAULT_TIMEOUT_MS)}s (the default; pass a timeout to wait longer)`;
    const silence =
      silentMs >= SILENT_MS
        ? `has shown no sign of life for the last ${seconds(silentMs, true)}s (it was terminated, or its event loop is blocked)`
        : undefined;
    const pending = slotWord(id, PENDING);
    if (Atomics.compareExchange(this.#slots, slot, pending, FREE) === pending) {
      throw this.#timedOut(
        method,
        after,
        `had not started it, and now never will${silence === undefined ? "" : `; it ${silence}`}`,
      );
    }
    const running = slotWord(id, RUNNING);
    if (Atomics.compareExchange(this.#slots, slot, running, FREE) === running) {
      throw this.#timedOut(
        method,
        after,
        silence === undefined
          ? "started it and was running moments ago: it may still complete there"
          : `started it, then ${silence}: it completes only if that thread resumes`,
      );
    }
  }

  /** A call's deadline passed; `what` says what the owner did with it. */
  #timedOut(method: string, after: string, what: string): TimerTimeoutError {
    return new TimerTimeoutError(
      `${method} ${after}: the owner thread (thread ${this.ownerThreadId}) ${what}`,
    );
  }

  /** A large blocking reply, posted by the owner before it stored DONE. */
  #receive(id: number): Encoded {
    for (;;) {
      const received = receiveMessageOnPort(this.#port);
      if (received === undefined) {
        throw new Error(`internal error: the reply to request ${id} is missing from the port`);
      }
      const reply = parseReply(received.message);
      if (reply?.id === id) return reply;
      this.#onMessage(received.message); // an answer to a non-blocking call
    }
  }

  /** A non-blocking call. */
  callAsync(
    op: CallRequest["op"],
    site: CallSite,
    timeoutMs: number | undefined,
    generation: number | undefined,
    check?: (method: string) => void,
  ): Promise<unknown> {
    try {
      this.#usable(site.method);
      check?.(site.method);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      // Armed at the call: time spent queued for a free request slot counts against the timeout.
      let expire = (): void => {
        const queued = this.#waitingForSlot.indexOf(send);
        if (queued >= 0) this.#waitingForSlot.splice(queued, 1);
        reject(
          this.#timedOut(
            site.method,
            `timed out after ${seconds(timeoutMs as number)}s`,
            "had not started it, and now never will (every request slot of this handle was taken by calls still pending)",
          ),
        );
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : realDriver.setWake(realDriver.now() + timeoutMs, () => expire(), false);
      const send = (): void => {
        if (this.#state !== "open" || !isAlive(this.thread)) {
          if (timer !== undefined) realDriver.clearWake(timer);
          reject(
            this.#state === "disconnected"
              ? this.#disconnected(site.method)
              : this.#gone(site.method, false),
          );
          return;
        }
        const slot = this.#freeSlots.pop() as number;
        const id = this.#id();
        const beat = Atomics.load(this.thread, T_BEAT);
        const pending: Pending = { slot, method: site.method, resolve, reject, timer, beat };
        if (this.#pending.size === 0) this.#port.ref();
        this.#pending.set(id, pending);
        Atomics.store(this.#slots, slot, slotWord(id, PENDING));
        this.#port.postMessage(request(op, id, slot, false, generation));
        expire = () => this.#expire(id, pending, timeoutMs as number);
      };
      if (this.#freeSlots.length > 0) send();
      else this.#waitingForSlot.push(send);
    });
  }

  #expire(id: number, pending: Pending, timeoutMs: number): void {
    pending.timer = undefined;
    try {
      // A heartbeat that has not moved since the call was sent: silent for the whole timeout.
      const silent = Atomics.load(this.thread, T_BEAT) === pending.beat ? timeoutMs : 0;
      this.#giveUp(id, pending.slot, pending.method, timeoutMs, timeoutMs, silent);
    } catch (error) {
      this.#release(id, pending);
      pending.reject(error);
    }
    // Otherwise the owner has answered already: the reply is on its way.
  }

  /** Fire and forget (`setDelay`). */
  post(message: DelayRequest, method: string): void {
    this.#usable(method);
    this.#port.postMessage(message);
  }

  /** Closes this thread's end; pending non-blocking calls reject. Idempotent. */
  disconnect(): void {
    if (this.#state !== "open") return;
    this.#state = "disconnected";
    this.#port.close();
    this.#rejectAll();
  }

  #usable(method: string): void {
    if (this.#state === "disconnected") throw this.#disconnected(method);
    if (this.#state === "gone" || !isAlive(this.thread)) throw this.#gone(method, false);
  }

  #disconnected(method: string, during = false): ThreadControlError {
    // A call already sent may have run on the owner before the disconnect: say so, as owner-gone does.
    const tail = during ? " while the call was in progress; it may or may not have run" : "";
    return new ThreadControlError(
      "disconnected",
      `${method}: this handle of ${this.label} was disconnected on this thread${tail}`,
    );
  }

  #gone(method: string, during: boolean): ThreadControlError {
    const tail = during ? " while the call was in progress; it may or may not have run" : "";
    return new ThreadControlError(
      "owner-gone",
      `${method}: the thread that owned ${this.label} (thread ${this.ownerThreadId}) has exited${tail}`,
    );
  }

  readonly #onMessage = (message: unknown): void => {
    const reply = parseReply(message);
    if (reply === undefined) return; // not ours, or a stale answer: nothing to do
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#release(reply.id, pending);
    try {
      pending.resolve(decodeOutcome(reply.ok, reply.bytes));
    } catch (error) {
      pending.reject(error);
    }
  };

  readonly #onClose = (): void => {
    if (this.#state === "open") this.#lost();
    else this.#rejectAll();
  };

  /**
   * The owner never closes its end, so a port closed from there means the owner thread is gone.
   * Say so to every thread blocked on it too: its exit handler may never have run (terminated).
   */
  #lost(): void {
    this.#state = "gone";
    markGone(this.thread);
    this.#rejectAll();
  }

  #release(id: number, pending: Pending): void {
    if (pending.timer !== undefined) realDriver.clearWake(pending.timer);
    this.#pending.delete(id);
    Atomics.store(this.#slots, pending.slot, FREE);
    this.#freeSlots.push(pending.slot);
    if (this.#pending.size === 0) this.#port.unref();
    this.#waitingForSlot.shift()?.();
  }

  #rejectAll(): void {
    for (const [id, pending] of [...this.#pending]) {
      this.#release(id, pending);
      pending.reject(
        this.#state === "disconnected"
          ? this.#disconnected(pending.method, true)
          : this.#gone(pending.method, true),
      );
    }
    for (const send of this.#waitingForSlot.splice(0)) send();
  }

  #id(): number {
    const id = this.#nextId;
    this.#nextId = id === MAX_ID ? 1 : id + 1;
    return id;
  }
}

function request(
  op: CallRequest["op"],
  id: number,
  slot: number,
  sync: boolean,
  generation: number | undefined,
): CallRequest {
  return generation === undefined
    ? { t: TAG, v: PROTOCOL, op, id, slot, sync }
    : { t: TAG, v: PROTOCOL, op, id, slot, sync, generation };
}

/** Milliseconds as seconds for a message: `0.15`, `60`; a measured time to a tenth. */
function seconds(ms: number, measured = false): number {
  return measured ? Math.round(ms / 100) / 10 : ms / 1000;
}
