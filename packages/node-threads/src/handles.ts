/**
 * Handles: the plain, structured-cloneable objects that carry a shared timer, subscription or
 * group to another thread. Post one with its `transfer` list; open it there with `openTimer`,
 * `openSubscription` or `openGroup`.
 *
 * @module
 */
import { MessagePort, threadId } from "node:worker_threads";
import {
  CHANNEL_BYTES,
  PROTOCOL,
  SUBSCRIPTION_BYTES,
  THREAD_BYTES,
  TIMER_BYTES,
} from "./layout.js";
import { describe, labelOf } from "./protocol.js";

/** Carries the value type from `shareTimer(timer)` to `openTimer(handle)`; never set. */
declare const valueType: unique symbol;

/**
 * What every handle holds.
 *
 * @example
 * ```ts
 * const base: HandleBase = shareTimer(timer);
 * console.log(base.ownerThreadId, base.name);
 * ```
 */
export interface HandleBase {
  /** The layout and protocol version; a copy of the package that speaks another refuses it. */
  readonly protocol: number;
  /** The name of the shared timer, subscription or group. */
  readonly name: string | undefined;
  /** `threadId` of the owner thread (0 for the main thread). */
  readonly ownerThreadId: number;
  /** The owner thread's liveness words. */
  readonly thread: SharedArrayBuffer;
  /** Request slots and the reply area of this handle. */
  readonly channel: SharedArrayBuffer;
  /** Where requests go. Moves with the handle: it must be in `transfer`. */
  readonly port: MessagePort;
  /** Pass as the transfer list of `postMessage`: `worker.postMessage({ handle }, handle.transfer)`. */
  readonly transfer: readonly [MessagePort];
}

/**
 * A shared timer, made by {@link shareTimer} on the owner thread and opened by
 * {@link openTimer} on another. One handle opens on one thread: share again for each thread.
 *
 * @typeParam T - The timer's value type (what `lastResult()` and `triggerSync()` return).
 *
 * @example
 * ```ts
 * import { Worker } from "node:worker_threads";
 * import { shareTimer, type TimerHandle } from "@async-timer/node-threads";
 *
 * const handle: TimerHandle<Rows> = shareTimer(timer);
 * new Worker(new URL("./reader.js", import.meta.url)).postMessage({ handle }, handle.transfer);
 * ```
 */
export interface TimerHandle<T = unknown> extends HandleBase {
  /** What this handle opens: `"timer"`, for {@link openTimer}. */
  readonly kind: "timer";
  /** The latch with hitCount, lastTickAt, delay, running and generation. */
  readonly state: SharedArrayBuffer;
  /** The two regions the last value is published in. */
  readonly results: readonly [SharedArrayBuffer, SharedArrayBuffer];
  /** Type-level only, never set: carries `T` from `shareTimer(timer)` to `openTimer(handle)`. */
  readonly [valueType]?: T;
}

/**
 * A shared subscription, made by {@link shareSubscription} and opened by
 * {@link openSubscription}.
 *
 * @example
 * ```ts
 * const handle: SubscriptionHandle<number> = shareSubscription(feed, timer);
 * worker.postMessage({ feed: handle }, handle.transfer);
 * ```
 */
export interface SubscriptionHandle<T = unknown> extends HandleBase {
  /** What this handle opens: `"subscription"`, for {@link openSubscription}. */
  readonly kind: "subscription";
  /** The subscription's name (a subscription always has one). */
  readonly name: string;
  /** The subscription's queue bound; `0` means unbounded. */
  readonly maxsize: number;
  /** The latch with qsize and droppedCount. */
  readonly state: SharedArrayBuffer;
  /** Type-level only, never set: carries `T` from `shareSubscription()` to `openSubscription()`. */
  readonly [valueType]?: T;
}

/**
 * A shared group, made by {@link shareGroup} and opened by {@link openGroup}.
 *
 * @example
 * ```ts
 * const handle: GroupHandle = shareGroup(group);
 * supervisor.postMessage({ group: handle }, handle.transfer);
 * ```
 */
export interface GroupHandle extends HandleBase {
  /** What this handle opens: `"group"`, for {@link openGroup}. */
  readonly kind: "group";
}

/**
 * Any handle this package makes.
 *
 * @example
 * ```ts
 * const handles: AnyHandle[] = [shareTimer(timer), shareGroup(group)];
 * watchOwner(worker, ...handles);
 * ```
 */
export type AnyHandle = TimerHandle<any> | SubscriptionHandle<any> | GroupHandle;

/** Checks a value received from another thread; throws a `TypeError` naming `argument`. */
export function checkHandle<K extends AnyHandle["kind"]>(
  value: unknown,
  kinds: readonly K[],
  argument: string,
): Extract<AnyHandle, { kind: K }> {
  const what = kinds.length === 1 ? `a ${kinds[0]} handle` : "a handle";
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `${argument} must be ${what} from @async-timer/node-threads; got ${describe(value)}`,
    );
  }
  const handle = value as Partial<Record<string, unknown>>;
  if (typeof handle.kind !== "string" || !(kinds as readonly string[]).includes(handle.kind)) {
    throw new TypeError(
      `${argument} must be ${what} from @async-timer/node-threads; got ${
        typeof handle.kind === "string" ? `a ${handle.kind} handle` : describe(value)
      }`,
    );
  }
  if (handle.protocol !== PROTOCOL) {
    throw new TypeError(
      `${argument} was made by a copy of @async-timer/node-threads that speaks protocol ${describe(handle.protocol)}; this copy speaks ${PROTOCOL}. Install one version on both sides`,
    );
  }
  const bad = (field: string): never => {
    throw new TypeError(`${argument} is not a valid ${handle.kind} handle: bad ${field}`);
  };
  if (!Number.isInteger(handle.ownerThreadId)) bad("ownerThreadId");
  if (!isShared(handle.thread, THREAD_BYTES)) bad("thread");
  if (!isShared(handle.channel, CHANNEL_BYTES)) bad("channel");
  if (!(handle.port instanceof MessagePort)) bad("port (was it in the transfer list?)");
  if (handle.kind === "timer") {
    if (!isShared(handle.state, TIMER_BYTES)) bad("state");
    const results = handle.results;
    if (!Array.isArray(results) || results.length !== 2 || !results.every((r) => isShared(r, 16))) {
      bad("results");
    }
  }
  if (handle.kind === "subscription") {
    if (!isShared(handle.state, SUBSCRIPTION_BYTES)) bad("state");
    if (!Number.isInteger(handle.maxsize)) bad("maxsize");
  }
  if (handle.name !== undefined && typeof handle.name !== "string") bad("name");
  return value as Extract<AnyHandle, { kind: K }>;
}

function isShared(value: unknown, bytes: number): value is SharedArrayBuffer {
  return value instanceof SharedArrayBuffer && value.byteLength >= bytes;
}

/**
 * An opened handle's port serves this thread from now on. Sending the handle on would move that
 * port away: this thread's handle would go dead, and since a port closing is how an owner's death
 * shows, every thread would take the owner for gone. So its `transfer` list now refuses to be
 * read, with the way out; a handle the caller froze keeps its list.
 */
export function sealOpened(handle: AnyHandle): void {
  const label = labelOf(handle.kind, handle.name);
  try {
    Object.defineProperty(handle, "transfer", {
      configurable: true,
      get(): never {
        throw new TypeError(
          `this handle of ${label} was opened on thread ${threadId} and its port serves that thread now; to reach another thread, share the ${handle.kind} again on its owner thread and send the new handle`,
        );
      },
    });
  } catch {
    // Frozen: nothing to seal.
  }
}
