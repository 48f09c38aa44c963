/**
 * The messages between a remote and the owner, and how outcomes cross threads.
 *
 * remote → owner, over the handle's MessagePort:
 *   `{ t: TAG, v: PROTOCOL, op, id, slot, sync, generation? }` for cancel / trigger / close,
 *   `{ t: TAG, v: PROTOCOL, op: "setDelay", delay }` (fire and forget).
 * owner → remote: `{ t: TAG, v: PROTOCOL, op: "reply", id, ok, bytes }`, for non-blocking calls
 *   and for blocking replies too large for the channel's reply area.
 *
 * An outcome is `ok` and `bytes`: the `v8.serialize`d value, or the serialised `ErrorRecord`.
 * Errors travel as records, because the structured clone keeps the class only of built-in
 * errors: a `TimerStateError` would arrive as a plain `Error`. A triggered tick's value was just
 * serialised for `lastResult()`; its reply reuses those bytes.
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";
import {
  type Duration,
  TimerCancelledError,
  TimerStateError,
  TimerTimeoutError,
} from "@async-timer/core";
import { ThreadControlError, type ThreadControlReason } from "./errors.js";
import { MAX_ID, PROTOCOL, SLOTS, TAG } from "./layout.js";

/** The operations a remote may ask for. */
export type Op = "cancel" | "trigger" | "close" | "setDelay";

/** A request that waits for an answer. */
export interface CallRequest {
  readonly t: typeof TAG;
  readonly v: typeof PROTOCOL;
  readonly op: Exclude<Op, "setDelay">;
  readonly id: number;
  readonly slot: number;
  readonly sync: boolean;
  readonly generation?: number;
}

/** `setDelay`, which nobody waits for. */
export interface DelayRequest {
  readonly t: typeof TAG;
  readonly v: typeof PROTOCOL;
  readonly op: "setDelay";
  readonly delay: Duration;
}

export type Request = CallRequest | DelayRequest;

/** The owner's answer, when it is posted rather than written into the channel. */
export interface Reply {
  readonly t: typeof TAG;
  readonly v: typeof PROTOCOL;
  readonly op: "reply";
  readonly id: number;
  readonly ok: boolean;
  readonly bytes: Uint8Array;
}

/** An error as it crosses threads. */
export interface ErrorRecord {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  readonly reason?: string | undefined;
  readonly code?: string | number | undefined;
  /** Set when something other than an `Error` was thrown: the thrown value itself. */
  readonly thrown?: { readonly value: unknown } | undefined;
}

export type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: ErrorRecord };

/**
 * Checks a message that arrived on the owner's side. Returns the request, or a short reason
 * why it is not one, for the log.
 */
export function parseRequest(message: unknown, ops: readonly Op[]): Request | string {
  if (typeof message !== "object" || message === null) {
    return `not an object (${describe(message)})`;
  }
  const m = message as Record<string, unknown>;
  if (m.t !== TAG) return "not a @async-timer/node-threads message";
  if (m.v !== PROTOCOL) {
    return `protocol version ${describe(m.v)}; this copy of @async-timer/node-threads speaks ${PROTOCOL}`;
  }
  if (typeof m.op !== "string" || !ops.includes(m.op as Op)) {
    return `unknown operation ${describe(m.op)} (expected one of ${ops.join(", ")})`;
  }
  if (m.op === "setDelay") {
    return typeof m.delay === "number" || typeof m.delay === "string"
      ? (m as unknown as DelayRequest)
      : `setDelay without a delay (${describe(m.delay)})`;
  }
  if (!Number.isInteger(m.id) || (m.id as number) < 1 || (m.id as number) > MAX_ID) {
    return `bad id ${describe(m.id)}`;
  }
  if (!Number.isInteger(m.slot) || (m.slot as number) < 0 || (m.slot as number) >= SLOTS) {
    return `bad slot ${describe(m.slot)}`;
  }
  if (typeof m.sync !== "boolean") return `bad sync flag ${describe(m.sync)}`;
  if (
    m.generation !== undefined &&
    (!Number.isInteger(m.generation) || (m.generation as number) < 0)
  ) {
    return `bad generation ${describe(m.generation)}`;
  }
  return m as unknown as CallRequest;
}

/** Checks a message that arrived on a remote's side; `undefined` if it is not a reply. */
export function parseReply(message: unknown): Reply | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const m = message as Record<string, unknown>;
  if (m.t !== TAG || m.v !== PROTOCOL || m.op !== "reply") return undefined;
  if (!Number.isInteger(m.id) || typeof m.ok !== "boolean" || !(m.bytes instanceof Uint8Array)) {
    return undefined;
  }
  return m as unknown as Reply;
}

/** An outcome ready to cross: the serialised value (`ok`) or error record. */
export interface Encoded {
  readonly ok: boolean;
  readonly bytes: Uint8Array;
}

/**
 * Serialises an outcome; a value that cannot be cloned becomes an `uncloneable` error.
 * `serialized`, when it knows the value, gives bytes made for it already.
 */
export function encodeOutcome(
  outcome: Outcome,
  what: string,
  serialized?: (value: unknown) => Uint8Array | undefined,
): Encoded {
  if (outcome.ok) {
    try {
      return { ok: true, bytes: serialized?.(outcome.value) ?? serialize(outcome.value) };
    } catch (error) {
      const refusal = new ThreadControlError(
        "uncloneable",
        `${what} produced a value that cannot be copied to another thread (${message(error)})`,
      );
      return { ok: false, bytes: serialize(record(refusal)) };
    }
  }
  try {
    return { ok: false, bytes: serialize(outcome.error) };
  } catch {
    // Something other than an Error was thrown, and it does not clone: send its description.
    return { ok: false, bytes: serialize({ ...outcome.error, thrown: undefined }) };
  }
}

/** The value of an outcome, or the revived error thrown. */
export function decodeOutcome(ok: boolean, bytes: Uint8Array): unknown {
  const decoded: unknown = deserialize(bytes);
  if (ok) return decoded;
  throw revive(decoded as ErrorRecord);
}

/** What an error (or any thrown value) looks like on the wire. */
export function record(error: unknown): ErrorRecord {
  if (!(error instanceof Error)) {
    return { name: "Error", message: String(error), thrown: { value: error } };
  }
  const code = (error as { code?: unknown }).code;
  return {
    name: String(error.name),
    message: String(error.message),
    stack: error.stack,
    reason: error instanceof ThreadControlError ? error.reason : undefined,
    code: typeof code === "string" || typeof code === "number" ? code : undefined,
  };
}

const BUILT_IN: Readonly<Record<string, new (message: string) => Error>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Rebuilds an error on the calling thread. Core's errors become core's classes (of the copy
 * this thread loaded) with a stack that points at the call; any other error keeps its name,
 * message and code, and the owner thread's stack, which says where it was thrown.
 */
export function revive(error: ErrorRecord): unknown {
  if (error.thrown !== undefined) return error.thrown.value;
  switch (error.name) {
    case "TimerStateError":
      return new TimerStateError(error.message);
    case "TimerCancelledError":
      return new TimerCancelledError(error.message);
    case "TimerTimeoutError":
      return new TimerTimeoutError(error.message);
    case "ThreadControlError":
      return new ThreadControlError(
        (error.reason ?? "owner-gone") as ThreadControlReason,
        error.message,
      );
  }
  const Kind = BUILT_IN[error.name] ?? Error;
  const revived = new Kind(error.message);
  if (revived.name !== error.name) {
    Object.defineProperty(revived, "name", {
      value: error.name,
      writable: true,
      configurable: true,
    });
  }
  if (error.code !== undefined) (revived as { code?: unknown }).code = error.code;
  if (error.stack !== undefined) revived.stack = error.stack;
  return revived;
}

/** A short, safe description of a bad value for a message. */
export function describe(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : `an object (${Object.prototype.toString.call(value)})`;
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** How messages name a shared object: `timer "cache"`, or `an unnamed timer`. */
export function labelOf(kind: string, name: string | undefined): string {
  return name === undefined ? `an unnamed ${kind}` : `${kind} ${JSON.stringify(name)}`;
}
