/**
 * Helpers for a measurement child: each child process measures one subject once and prints one
 * result line, so no subject's side effects (JIT state, promise hooks, timer lists, heap) reach
 * another's figures.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { setImmediate as immediate } from "node:timers/promises";

export const RESULT_MARK = "@@bench-result ";

/** `--key value` pairs (and bare `--flag`) from argv. */
export function parseArgs(argv = process.argv.slice(2)) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!key.startsWith("--")) continue;
    const name = key.slice(2);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) args[name] = true;
    else {
      args[name] = next;
      i++;
    }
  }
  return args;
}

/** Prints the result line the parent reads, then ends the process (whatever is still armed). */
export function emit(result) {
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Runs `main`, reporting a failure as a result line too, so the parent can show it. */
export async function runChild(main) {
  try {
    const result = await main(parseArgs());
    emit(result);
  } catch (error) {
    process.stdout.write(
      `${RESULT_MARK}${JSON.stringify({ error: String(error?.stack ?? error) })}\n`,
    );
    process.exit(1);
  }
}

/**
 * Turns on AsyncLocalStorage for the process, as our Timer does on its first tick: on Node 20/22
 * the first `run()` installs a promise hook that every later promise pays for.
 */
export function enableAsyncLocalStorage() {
  new AsyncLocalStorage().run(1, () => {});
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A full collection, repeated across turns of the loop so finalizers and weak refs settle. */
export async function collect() {
  if (typeof globalThis.gc !== "function") throw new Error("run this child with --expose-gc");
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await immediate();
  }
}

/** Heap in use after a full collection. */
export async function heapAfterGc() {
  await collect();
  globalThis.gc(); // and once more right before reading: nothing runs in between
  return process.memoryUsage().heapUsed;
}

/** Process CPU time (user + system) in microseconds. */
export function cpuMicros() {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}
