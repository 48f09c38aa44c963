import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type TransferListItem, Worker } from "node:worker_threads";
import type { Logger } from "@async-timer/core";
import { afterEach } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Worker threads run plain Node, which vitest does not transform: the fixtures import the
 * package's built `dist` (and core's). Fail clearly when it is missing or older than `src`.
 */
export function requireDist(): void {
  const dist = join(root, "dist", "index.js");
  const hint =
    'build first: `npx tsc -p tsconfig.build.json` in packages/node-threads, or the root "pnpm test"';
  if (!existsSync(dist))
    throw new Error(`${dist} is missing; the worker fixtures import it: ${hint}`);
  const built = statSync(dist).mtimeMs;
  const src = join(root, "src");
  const stale = readdirSync(src).filter((file) => statSync(join(src, file)).mtimeMs > built);
  if (stale.length > 0) {
    throw new Error(
      `dist is older than src (${stale.join(", ")}); the worker fixtures would test old code: ${hint}`,
    );
  }
  const core = join(root, "node_modules", "@async-timer", "core", "dist", "index.js");
  if (!existsSync(core))
    throw new Error(`${core} is missing: build @async-timer/core first (pnpm build)`);
}

const fixtures = join(root, "test", "fixtures");

/** What a fixture answers to a command. */
export type Answer =
  | { readonly ok: true; readonly value: any; readonly ms: number }
  | {
      readonly ok: false;
      readonly error: { name: string; message: string; reason?: string; stack?: string };
      readonly ms: number;
    };

/** A worker running one of the fixtures, spoken to with {@link Thread.call}. */
export class Thread {
  readonly worker: Worker;
  readonly exited: Promise<number>;
  readonly #answers = new Map<number, (answer: Answer) => void>();
  readonly #events: ((event: any) => void)[] = [];
  readonly #seen: any[] = [];
  #seq = 0;
  error: unknown;

  constructor(
    fixture: string,
    workerData: unknown,
    transferList: readonly TransferListItem[] = [],
  ) {
    this.worker = new Worker(join(fixtures, fixture), {
      workerData,
      transferList: [...transferList],
      // Plain Node: not the test runner's flags (its export conditions point at TypeScript).
      execArgv: [],
    });
    this.exited = new Promise((resolve) => this.worker.once("exit", resolve));
    this.worker.on("error", (error) => {
      this.error = error;
    });
    this.worker.on("message", (message: any) => {
      if (message?.seq !== undefined) {
        this.#answers.get(message.seq)?.(message);
        this.#answers.delete(message.seq);
        return;
      }
      this.#seen.push(message);
      for (const listener of this.#events.splice(0)) listener(message);
    });
  }

  /** Runs `command` in the worker; resolves with its answer (errors are answers too). */
  call(
    command: Record<string, unknown>,
    transferList: readonly TransferListItem[] = [],
  ): Promise<Answer> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#answers.set(seq, resolve);
      this.exited.then((code) =>
        reject(
          new Error(
            `the worker exited (${code}) before answering ${JSON.stringify(command)}: ${String(this.error)}`,
          ),
        ),
      );
      this.worker.postMessage({ ...command, seq }, [...transferList]);
    });
  }

  /** The worker's value, or a test failure with its error. */
  async value(
    command: Record<string, unknown>,
    transferList: readonly TransferListItem[] = [],
  ): Promise<any> {
    const answer = await this.call(command, transferList);
    if (!answer.ok)
      throw new Error(
        `${String(command.method)} failed in the worker: ${answer.error.name}: ${answer.error.message}`,
      );
    return answer.value;
  }

  /** The next event the worker posts on its own (not an answer). */
  next(): Promise<any> {
    const seen = this.#seen.shift();
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#events.push(() => resolve(this.#seen.shift())));
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** A worker that opens the given handles and runs methods on them (fixtures/remote.mjs). */
export function remote(handles: Record<string, { transfer: readonly TransferListItem[] }>): Thread {
  return new Thread(
    "remote.mjs",
    { handles },
    Object.values(handles).flatMap((handle) => [...handle.transfer]),
  );
}

/**
 * The threads of one test file, each terminated after the test that started it: `keep` registers
 * a thread (and returns it), `open` starts a remote.mjs worker on `handles` and keeps it.
 */
export function threadsOfEachTest(): {
  keep<T extends Thread>(thread: T): T;
  open(handles: Parameters<typeof remote>[0]): Thread;
} {
  const threads: Thread[] = [];
  afterEach(async () => {
    await Promise.all(threads.splice(0).map((thread) => thread.terminate()));
  });
  const keep = <T extends Thread>(thread: T): T => {
    threads.push(thread);
    return thread;
  };
  return { keep, open: (handles) => keep(remote(handles)) };
}

/** A logger that records lines by level. */
export function recordingLogger(): Logger & { lines: { level: string; line: string }[] } {
  const lines: { level: string; line: string }[] = [];
  const at =
    (level: string) =>
    (line: string): void => {
      lines.push({ level, line });
    };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Resolves once `condition()` holds, checking on every turn of the event loop. */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Keeps this thread (and its event loop) busy for `ms`. */
export function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: nothing on this thread's event loop runs meanwhile
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
