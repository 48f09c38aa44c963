/**
 * The owner's end of one handle: a MessagePort for requests and a channel SharedArrayBuffer for
 * the blocking handshake.
 *
 * A request names a slot. Before doing any work the owner moves the slot from PENDING to
 * RUNNING with a compare-exchange; a caller that gave up first has already moved it from
 * PENDING to FREE, so the exchange fails and the abandoned request never runs. A blocking reply
 * is written into the channel under WRITING (claimed the same way, so a caller that gave up
 * while the work ran gets nothing written over its next request), then DONE is stored and the
 * owner's doorbell rung.
 *
 * @module
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import type { Logger } from "@async-timer/core";
import {
  C_DATA_OFFSET,
  C_REPLY_LENGTH,
  C_REPLY_OK,
  CHANNEL_BYTES,
  DONE,
  PENDING,
  PROTOCOL,
  REPLY_CAPACITY,
  RUNNING,
  slotWord,
  TAG,
  WRITING,
} from "./layout.js";
import { connected, disconnected, ring } from "./owner-thread.js";
import {
  type CallRequest,
  type DelayRequest,
  type Encoded,
  encodeOutcome,
  type Op,
  type Outcome,
  parseRequest,
  type Reply,
  record,
} from "./protocol.js";

/** What a connection serves: a shared timer, subscription or group. */
export interface ControlTarget {
  /** E.g. `timer "cache"`, for log lines and messages. */
  readonly label: string;
  readonly logger: Logger;
  readonly ops: readonly Op[];
  /** Does the work of a request; may return a promise. Throws to refuse it. */
  perform(request: CallRequest): unknown;
  setDelay?(request: DelayRequest): void;
  /** Publishes the shared state, so a caller sees the effect of its call when it returns. */
  refresh(): void;
  /** Bytes already serialised for `value` (the last value, just published), if any. */
  serialized?(value: unknown): Uint8Array | undefined;
  /** The connection closed (the remote disconnected, or its thread exited). */
  detach(connection: Connection): void;
}

/** How many malformed messages a connection logs before it stops logging them. */
const LOGGED_MALFORMED = 10;

export class Connection {
  /** The end that travels in the handle. */
  readonly remotePort: MessagePort;
  readonly channel: SharedArrayBuffer;
  readonly #port: MessagePort;
  readonly #slots: Int32Array;
  readonly #data: Uint8Array;
  readonly #thread: Int32Array;
  readonly #target: ControlTarget;
  #malformed = 0;

  constructor(target: ControlTarget, thread: Int32Array) {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.remotePort = port2;
    this.channel = new SharedArrayBuffer(CHANNEL_BYTES);
    this.#slots = new Int32Array(this.channel);
    this.#data = new Uint8Array(this.channel, C_DATA_OFFSET);
    this.#thread = thread;
    this.#target = target;
    port1.on("message", this.#onMessage);
    port1.on("messageerror", this.#onMessageError);
    port1.once("close", this.#onClose);
    // Requests are answered while the thread runs anyway; they must not keep it running.
    port1.unref();
    connected();
  }

  readonly #onMessage = (message: unknown): void => {
    try {
      const request = parseRequest(message, this.#target.ops);
      if (typeof request === "string") {
        this.#ignore(request);
        return;
      }
      if (request.op === "setDelay") this.#target.setDelay?.(request);
      else this.#call(request);
    } catch (error) {
      // Nothing a remote sends may break the owner.
      this.#log("error", "failed to handle a request", error);
    }
  };

  readonly #onMessageError = (error: unknown): void => {
    this.#ignore(`a message that could not be deserialised (${String(error)})`);
  };

  readonly #onClose = (): void => {
    this.#port.off("message", this.#onMessage);
    this.#port.off("messageerror", this.#onMessageError);
    disconnected();
    this.#target.detach(this);
  };

  #call(request: CallRequest): void {
    const { id, slot } = request;
    const claimed = Atomics.compareExchange(
      this.#slots,
      slot,
      slotWord(id, PENDING),
      slotWord(id, RUNNING),
    );
    if (claimed !== slotWord(id, PENDING)) {
      this.#log("debug", `skipped ${request.op} request ${id}: its caller gave up before it ran`);
      return;
    }
    let result: unknown;
    try {
      result = this.#target.perform(request);
    } catch (error) {
      this.#finish(request, { ok: false, error: record(error) });
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (value) => this.#finish(request, { ok: true, value }),
        (error: unknown) => this.#finish(request, { ok: false, error: record(error) }),
      );
    } else {
      this.#finish(request, { ok: true, value: result });
    }
  }

  #finish(request: CallRequest, outcome: Outcome): void {
    try {
      this.#target.refresh();
    } catch (error) {
      this.#log("error", "failed to publish the shared state", error);
    }
    try {
      this.#reply(request, outcome);
    } catch (error) {
      this.#log("error", `failed to answer ${request.op} request ${request.id}`, error);
    }
  }

  #reply(request: CallRequest, outcome: Outcome): void {
    const { id, slot } = request;
    const running = slotWord(id, RUNNING);
    if (!request.sync) {
      if (Atomics.compareExchange(this.#slots, slot, running, slotWord(id, DONE)) !== running) {
        this.#log("debug", `dropped the reply to ${request.op} request ${id}: its caller gave up`);
        return;
      }
      this.#post(id, this.#encode(outcome));
      return;
    }
    // Encoded first: between WRITING and DONE nothing may throw, or the caller would wait on.
    const encoded = this.#encode(outcome);
    if (Atomics.compareExchange(this.#slots, slot, running, slotWord(id, WRITING)) !== running) {
      this.#log("debug", `dropped the reply to ${request.op} request ${id}: its caller gave up`);
      return;
    }
    const length = encoded.bytes.length;
    if (length <= REPLY_CAPACITY) {
      this.#data.set(encoded.bytes);
      Atomics.store(this.#slots, C_REPLY_OK, encoded.ok ? 1 : 0);
      Atomics.store(this.#slots, C_REPLY_LENGTH, length);
    } else {
      // Posted before DONE is stored: once the caller wakes, the message is on its port.
      this.#post(id, encoded);
      Atomics.store(this.#slots, C_REPLY_LENGTH, -1);
    }
    Atomics.store(this.#slots, slot, slotWord(id, DONE));
    ring(this.#thread);
  }

  #encode(outcome: Outcome): Encoded {
    const target = this.#target;
    return encodeOutcome(outcome, target.label, target.serialized?.bind(target));
  }

  #post(id: number, { ok, bytes }: Encoded): void {
    const reply: Reply = { t: TAG, v: PROTOCOL, op: "reply", id, ok, bytes };
    this.#port.postMessage(reply);
  }

  #ignore(why: string): void {
    this.#malformed++;
    if (this.#malformed > LOGGED_MALFORMED) return;
    const more =
      this.#malformed === LOGGED_MALFORMED ? " (further malformed messages are not logged)" : "";
    this.#log("warn", `ignored a malformed message: ${why}${more}`);
  }

  #log(level: "debug" | "warn" | "error", text: string, error?: unknown): void {
    log(this.#target.logger, level, this.#target.label, text, error);
  }
}

/** Writes one line through a console-shaped logger; a logger that throws is ignored. */
export function log(
  logger: Logger,
  level: "debug" | "info" | "warn" | "error",
  label: string,
  text: string,
  error?: unknown,
): void {
  const method = logger[level];
  if (typeof method !== "function") return;
  const line = `[async-timer/node-threads] ${label}: ${text}`;
  try {
    if (error === undefined) method.call(logger, line);
    else method.call(logger, line, error);
  } catch {
    // A broken logger must not break the owner.
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
