import { type CallSite, Channel } from "./channel.js";
import { checkHandle, type GroupHandle, sealOpened } from "./handles.js";
import { CONTROL_KEYS, type ControlOptions, readOptions } from "./options.js";
import { labelOf } from "./protocol.js";

const CANCEL_SYNC: CallSite = { method: "cancelSync()", onOwner: "await group.cancel()" };
const CANCEL: CallSite = { method: "cancel()", onOwner: "" };

const opened = new WeakMap<object, RemoteGroup>();

/**
 * Opens a handle made by {@link shareGroup} on the owner thread. Opening the same handle again
 * on this thread returns the same object.
 *
 * @throws TypeError if `handle` is not a group handle.
 *
 * @example
 * ```ts
 * import { workerData } from "node:worker_threads";
 * import { openGroup } from "@async-timer/node-threads";
 *
 * const upkeep = openGroup(workerData.upkeep);
 * process.on("SIGTERM", () => upkeep.cancelSync({ timeout: 10 }));
 * ```
 */
export function openGroup(handle: GroupHandle): RemoteGroup {
  const checked = checkHandle(handle, ["group"], "openGroup(handle): handle");
  let remote = opened.get(checked.port);
  if (remote === undefined) {
    remote = new RemoteGroup(checked);
    opened.set(checked.port, remote);
    sealOpened(checked);
  }
  return remote;
}

/**
 * A timer group that lives on another thread, seen from this one: cancel it from here, the
 * analogue of the original's `group.cancel_threadsafe(timeout=)`. Made by {@link openGroup}.
 *
 * @example
 * ```ts
 * const upkeep = openGroup(workerData.upkeep);
 * upkeep.cancelSync({ timeout: 10 }); // every member stopped, each in-flight tick settled
 * ```
 */
export class RemoteGroup implements Disposable {
  /** The group's name. */
  readonly name: string | undefined;
  /** `threadId` of the owner thread. */
  readonly ownerThreadId: number;
  readonly #channel: Channel;

  /** @internal Use {@link openGroup}. */
  constructor(handle: GroupHandle) {
    this.name = handle.name;
    this.ownerThreadId = handle.ownerThreadId;
    this.#channel = new Channel(handle, labelOf("group", handle.name));
  }

  /** Whether the owner thread is alive, as far as this thread can tell. */
  isOwnerAlive(): boolean {
    return this.#channel.ownerAlive();
  }

  /**
   * Cancels every member on the owner thread (`await group.cancel()`) and blocks until all have
   * stopped.
   *
   * @throws TimerTimeoutError past `timeout`; ThreadControlError `"owner-thread"`,
   *   `"not-started"` (neither the group nor any member was ever started), `"owner-gone"`,
   *   `"disconnected"`.
   */
  cancelSync(options?: ControlOptions): void {
    const { timeoutMs } = readOptions(options, "cancelSync", CONTROL_KEYS);
    this.#channel.callSync("cancel", CANCEL_SYNC, timeoutMs, undefined);
  }

  /** The non-blocking {@link RemoteGroup.cancelSync}. Also works on the owner thread. */
  cancel(options?: ControlOptions): Promise<void> {
    const { timeoutMs } = readOptions(options, "cancel", CONTROL_KEYS);
    return this.#channel.callAsync("cancel", CANCEL, timeoutMs, undefined) as Promise<void>;
  }

  /** Closes this thread's end of the handle (not the group). Idempotent. */
  disconnect(): void {
    this.#channel.disconnect();
  }

  /** `using upkeep = openGroup(handle)` disconnects at the end of the scope. */
  [Symbol.dispose](): void {
    this.disconnect();
  }

  /** E.g. `RemoteGroup(upkeep, owner thread 2)`. */
  toString(): string {
    const name = this.name === undefined ? "" : `${this.name}, `;
    return `RemoteGroup(${name}owner thread ${this.ownerThreadId})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
