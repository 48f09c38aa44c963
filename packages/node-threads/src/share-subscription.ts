import { threadId } from "node:worker_threads";
import type { Logger, Subscription, Timer } from "@async-timer/core";
import { Connection, type ControlTarget } from "./connection.js";
import { ThreadControlError } from "./errors.js";
import type { SubscriptionHandle } from "./handles.js";
import { LatchWriter, storeFloat } from "./latch.js";
import {
  G_DROPPED,
  G_QSIZE,
  PROTOCOL,
  S_COPY,
  S_COPY_WORDS,
  S_DROPPED,
  S_QSIZE,
  S_SEQ,
  SUBSCRIPTION_BYTES,
} from "./layout.js";
import { type CallRequest, describe, labelOf, type Op } from "./protocol.js";
import { type Dependent, type SharedTimer, sharedTimerOf } from "./share-timer.js";
import { defineMethod } from "./wrap.js";

const INT32_MAX = 0x7fff_ffff;
const SUBSCRIPTION_OPS: readonly Op[] = ["close"];

const sharedSubscriptions = new WeakMap<object, SharedSubscription<any>>();
const OWNER = Symbol.for("async-timer.owner");

/**
 * Makes a handle through which another thread reads `subscription.qsize` and `droppedCount`
 * and closes the subscription ({@link openSubscription}). Call it on the owner thread, once per
 * thread you hand it to.
 *
 * `timer` is the timer the subscription was made from: the owner learns of new values from the
 * timer's ticks (a subscription has no public way to tell), and of consumption by wrapping the
 * subscription's `next`, `dropOldest` and `close` on the instance.
 *
 * @throws TypeError if `subscription` or `timer` is not one, or if the subscription was not
 *   made by `timer.subscribe()` (the message names both).
 *
 * @example
 * ```ts
 * import { shareSubscription } from "@async-timer/node-threads";
 *
 * const feed = timer.subscribe({ maxsize: 100, name: "exporter" });
 * const handle = shareSubscription(feed, timer);
 * monitor.postMessage({ feed: handle }, handle.transfer); // the monitor watches the backlog
 * for await (const sample of feed) await exportSample(sample);
 * ```
 */
export function shareSubscription<T>(
  subscription: Subscription<T>,
  timer: Timer<T>,
): SubscriptionHandle<T> {
  if (!isSubscription(subscription)) {
    throw new TypeError(
      `shareSubscription(subscription, timer): subscription must be a Subscription; got ${describe(subscription)}`,
    );
  }
  if (typeof timer !== "object" || timer === null || typeof timer.isRunning !== "function") {
    throw new TypeError(
      `shareSubscription(subscription, timer): timer must be the Timer the subscription was made from; got ${describe(timer)}`,
    );
  }
  // Core marks a subscription with the timer that made it, under a registered symbol that every
  // installed copy of core agrees on: a subscription of another timer would be fed by ticks
  // that are not its own.
  const owner = (subscription as unknown as Record<symbol, unknown>)[OWNER];
  if (owner !== timer) {
    throw new TypeError(
      `shareSubscription(subscription, timer): ${labelOf("subscription", subscription.name)} ${
        owner === undefined ? "was not made by timer.subscribe()" : `belongs to ${String(owner)}`
      }, not to ${String(timer)}`,
    );
  }
  let shared = sharedSubscriptions.get(subscription) as SharedSubscription<T> | undefined;
  if (shared === undefined) {
    shared = new SharedSubscription(subscription, sharedTimerOf(timer));
    sharedSubscriptions.set(subscription, shared);
  }
  return shared.connect();
}

class SharedSubscription<T> implements ControlTarget, Dependent {
  readonly label: string;
  readonly ops = SUBSCRIPTION_OPS;
  readonly owner: SharedTimer<T>;
  readonly subscription: Subscription<T>;
  readonly state = new SharedArrayBuffer(SUBSCRIPTION_BYTES);
  readonly #words = new Int32Array(this.state);
  readonly #latch = new LatchWriter(this.#words, S_SEQ, S_COPY, S_COPY_WORDS);
  #users = 0;
  #qsize = -1;
  #dropped = -1;

  constructor(subscription: Subscription<T>, owner: SharedTimer<T>) {
    this.subscription = subscription;
    this.owner = owner;
    this.label = labelOf("subscription", subscription.name);
    this.#wrap();
    this.refresh();
  }

  get logger(): Logger {
    return this.owner.logger;
  }

  connect(): SubscriptionHandle<T> {
    const connection = new Connection(this, this.owner.thread);
    this.#users++;
    if (this.#users === 1) {
      this.owner.dependents.add(this);
      this.owner.retain();
      this.refresh();
    }
    const port = connection.remotePort;
    return {
      kind: "subscription",
      protocol: PROTOCOL,
      name: this.subscription.name,
      maxsize: this.subscription.maxsize,
      ownerThreadId: threadId,
      thread: this.owner.thread.buffer as SharedArrayBuffer,
      channel: connection.channel,
      state: this.state,
      port,
      transfer: [port],
    };
  }

  detach(_connection: Connection): void {
    this.#users--;
    if (this.#users > 0) return;
    this.owner.dependents.delete(this);
    this.owner.release();
  }

  perform(request: CallRequest): unknown {
    if (this.owner.generation === 0) {
      throw new ThreadControlError(
        "not-started",
        `${request.op}: ${this.owner.label}, which ${this.label} belongs to, has never been started; call start() on its owner thread first`,
      );
    }
    this.subscription.close();
    return undefined;
  }

  refresh(): void {
    const qsize = this.subscription.qsize;
    const dropped = this.subscription.droppedCount;
    if (qsize === this.#qsize && dropped === this.#dropped) return;
    this.#qsize = qsize;
    this.#dropped = dropped;
    this.#latch.write(this.#fill);
    Atomics.store(this.#words, S_QSIZE, Math.min(qsize, INT32_MAX));
    Atomics.store(this.#words, S_DROPPED, dropped <= INT32_MAX ? dropped : -1);
  }

  readonly #fill = (base: number): void => {
    Atomics.store(this.#words, base + G_QSIZE, Math.min(this.#qsize, INT32_MAX));
    storeFloat(this.#words, base + G_DROPPED, this.#dropped);
  };

  /** Consumption changes qsize without a tick: publish after each consumer-side call. */
  #wrap(): void {
    const subscription = this.subscription;
    const next = subscription.next;
    const dropOldest = subscription.dropOldest;
    const close = subscription.close;
    const refresh = (): void => {
      if (this.#users > 0) this.refresh();
    };
    defineMethod(subscription, "next", function next_(this: Subscription<T>) {
      const result = next.call(this);
      refresh();
      return result;
    });
    defineMethod(
      subscription,
      "dropOldest",
      function dropOldest_(this: Subscription<T>, n: number) {
        const removed = dropOldest.call(this, n);
        refresh();
        return removed;
      },
    );
    defineMethod(subscription, "close", function close_(this: Subscription<T>) {
      close.call(this);
      refresh();
    });
  }
}

function isSubscription(value: unknown): value is Subscription<unknown> {
  const subscription = value as Partial<Subscription<unknown>> | null;
  return (
    typeof subscription === "object" &&
    subscription !== null &&
    typeof subscription.qsize === "number" &&
    typeof subscription.droppedCount === "number" &&
    typeof subscription.close === "function" &&
    typeof subscription.next === "function" &&
    typeof subscription.dropOldest === "function"
  );
}
