/**
 * The real driver on real time, with generous margins: these tests check behaviour, never
 * speed. Process-level facts (exit, handles, unhandled rejections) run in a child Node process
 * against the built package, as a user would import it.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { Timer } from "../src/index.js";

const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

function runFixture(name: string, args: string[] = [], timeoutMs = 20_000) {
  const file = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  return new Promise<{
    code: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
    ms: number;
  }>((resolve) => {
    const started = Date.now();
    execFile(process.execPath, [file, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({
        code: error ? ((error as { code?: number }).code ?? null) : 0,
        signal: error ? ((error as { signal?: string }).signal ?? null) : null,
        stdout,
        stderr,
        ms: Date.now() - started,
      });
    });
  });
}

beforeAll(() => {
  if (!existsSync(dist))
    throw new Error(`${dist} is missing: build first (the root "pnpm test" does).`);
});

describe("the real driver", () => {
  it("ticks on real time", async () => {
    const times: number[] = [];
    const timer = new Timer(0.02, () => times.push(performance.now())).start();
    await timer.wait({ hitCount: 5, timeout: 10 });
    await timer.cancel();
    // Node fires timers on libuv's millisecond clock, so a wake can read up to ~1 ms early on
    // performance.now(); the margins are wide on purpose: this checks behaviour, not speed.
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps).toHaveLength(4);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(15);
      expect(gap).toBeLessThan(2000);
    }
  });

  it("a timer started inside another's tick does not pass for that tick: its onError's cancel() waits", async () => {
    let settled = false;
    let cancelled: Promise<boolean> | undefined;
    const job: Timer<void> = new Timer(3600, async () => {
      // A helper started from inside the job's tick; its onError cancels the job.
      new Timer(0.01, () => Promise.reject(new Error("helper failed")), {
        onError: () => {
          cancelled ??= job.cancel().then(() => settled);
          return "stop";
        },
      }).start();
      await new Promise((resolve) => setTimeout(resolve, 300)); // ignores its signal
      settled = true;
    }).start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await cancelled).toBe(true); // cancel() resolved only once the job's tick had settled
    await job.cancel();
  });

  it("a cancel deadline armed inside another timer's tick does not pass for that tick either", async () => {
    const quiet = { warn() {}, error() {} };
    let settled = false;
    let cancelled: Promise<boolean> | undefined;
    let helperTicks = 0;
    const helper: Timer<void> = new Timer(
      100,
      () => (++helperTicks === 1 ? new Promise<void>(() => {}) : Promise.reject(new Error("no"))),
      {
        logger: quiet,
        onError: () => {
          cancelled ??= job.cancel().then(() => settled);
          return "stop";
        },
      },
    ).start();
    const job: Timer<void> = new Timer(
      100,
      async () => {
        // Abandons the helper's hung tick from inside this tick, then restarts it: its next tick
        // starts from the deadline's callback.
        void helper.cancel({ timeout: 0.05 });
        helper.start();
        await new Promise((resolve) => setTimeout(resolve, 300)); // ignores its signal
        settled = true;
      },
      { logger: quiet },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    job.start();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await cancelled).toBe(true);
    await job.cancel();
    await helper.cancel({ timeout: 0.01 });
  });

  it("lets the process exit while an unref'd timer sleeps", async () => {
    const result = await runFixture("unref.mjs");
    expect(result).toMatchObject({ code: 0, stdout: "tick\n" });
  });

  it("keeps the process alive for a wait's timeout, even on an unref'd timer", async () => {
    const result = await runFixture("unref.mjs", ["waiting"]);
    expect(result).toMatchObject({ code: 0, stdout: "tick\nTimerTimeoutError\n" });
  });

  it("keeps the process alive while a ref'd timer sleeps (the control for the test above)", async () => {
    const result = await runFixture("unref.mjs", ["ref"], 1500);
    expect(result.signal).toBe("SIGTERM");
    expect(result.stdout).toBe("tick\n");
  });

  it("leaves no pending handle after cancel(): the process exits by itself", async () => {
    const result = await runFixture("cancelled.mjs");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^cancelled; drained \d+; active: \[\]\n$/);
  });

  it("never causes an unhandledRejection from a failing target nobody awaits", async () => {
    const result = await runFixture("unhandled.mjs");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      unhandled: 0,
      stops: false,
      rejectsLater: false,
      cancelOn: false,
    });
    expect(result.stderr).not.toMatch(/unhandledRejection/);
  });
});
