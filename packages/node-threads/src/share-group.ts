import { threadId } from "node:worker_threads";
import { consoleLogger, type Logger, type Timer, type TimerGroup } from "@async-timer/core";
import { Connection, type ControlTarget } from "./connection.js";
import { ThreadControlError } from "./errors.js";
import type { GroupHandle } from "./handles.js";
import { PROTOCOL } from "./layout.js";
import { checkLogger, checkOptions } from "./options.js";
import { ownerWords } from "./owner-thread.js";
import { type CallRequest, describe, labelOf, type Op } from "./protocol.js";
import { defineMethod } from "./wrap.js";

/**
 * Options of {@link shareGroup}.
 *
 * @example
 * ```ts
 * const handle = shareGroup(group, { logger: console });
 * ```
 */
export interface ShareGroupOptions {
  /** Where malformed messages and internal failures are logged. Default: warn/error to `console`. */
  logger?: Logger;
}

const GROUP_OPS: readonly Op[] = ["cancel"];
const sharedGroups = new WeakMap<object, SharedGroup>();

/**
 * Makes a handle through which another thread cancels `group` and waits for it
 * ({@link openGroup}): the analogue of the original's `group.cancel_threadsafe(timeout=)`. Call
 * it on the owner thread, once per thread you hand it to.
 *
 * @throws TypeError if `group` is not a `TimerGroup`.
 *
 * @example
 * ```ts
 * import { TimerGroup } from "@async-timer/core";
 * import { shareGroup } from "@async-timer/node-threads";
 *
 * const upkeep = new TimerGroup([], { name: "upkeep" });
 * upkeep.add(new Timer(5, refreshDb));
 * upkeep.add(new Timer(60, pruneCache));
 * upkeep.start();
 * const handle = shareGroup(upkeep);
 * supervisor.postMessage({ upkeep: handle }, handle.transfer);
 * ```
 */
export function shareGroup(group: TimerGroup, options?: ShareGroupOptions): GroupHandle {
  if (!isGroup(group)) {
    throw new TypeError(`shareGroup(group): group must be a TimerGroup; got ${describe(group)}`);
  }
  if (options !== undefined) {
    checkOptions(options, "shareGroup(group, options): options", ["logger"]);
  }
  const logger = checkLogger(
    options?.logger ?? consoleLogger,
    "shareGroup(group, options): logger",
  );
  let shared = sharedGroups.get(group);
  if (shared === undefined) {
    shared = new SharedGroup(group, logger);
    sharedGroups.set(group, shared);
  }
  return shared.connect();
}

/** A group has no shared state to publish: only the "started" mark, kept on the owner. */
class SharedGroup implements ControlTarget {
  readonly label: string;
  readonly logger: Logger;
  readonly ops = GROUP_OPS;
  readonly group: TimerGroup;
  readonly thread = ownerWords();
  #started: boolean;

  constructor(group: TimerGroup, logger: Logger) {
    this.group = group;
    this.logger = logger;
    this.label = labelOf("group", group.name);
    this.#started = group.isRunning();
    const start = group.start;
    const mark = (): void => {
      this.#started = true;
    };
    defineMethod(group, "start", function start_(this: TimerGroup): TimerGroup {
      const result = start.call(this);
      mark();
      return result;
    });
  }

  connect(): GroupHandle {
    const connection = new Connection(this, this.thread);
    const port = connection.remotePort;
    return {
      kind: "group",
      protocol: PROTOCOL,
      name: this.group.name,
      ownerThreadId: threadId,
      thread: this.thread.buffer as SharedArrayBuffer,
      channel: connection.channel,
      port,
      transfer: [port],
    };
  }

  perform(request: CallRequest): unknown {
    // Members may have been started one by one, outside the group's start(), or have run and
    // stopped before the group was shared: a member that ever ticked counts as started.
    const ran = (timer: Timer<unknown>): boolean => timer.isRunning() || timer.hitCount > 0;
    if (!this.#started && ![...this.group].some(ran)) {
      throw new ThreadControlError(
        "not-started",
        `${request.op}: ${this.label} has never been started; call start() on its owner thread first`,
      );
    }
    return this.group.cancel();
  }

  refresh(): void {}

  detach(_connection: Connection): void {}
}

function isGroup(value: unknown): value is TimerGroup {
  const group = value as Partial<TimerGroup> | null;
  return (
    typeof group === "object" &&
    group !== null &&
    typeof group.start === "function" &&
    typeof group.cancel === "function" &&
    typeof group.isRunning === "function" &&
    typeof group.add === "function" &&
    typeof (group as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function"
  );
}
