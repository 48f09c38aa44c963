import { beforeAll, describe, expect, it } from "vitest";
import { type GroupHandle, openTimer, type TimerHandle, watchOwner } from "../src/index.js";
import { type remote, requireDist, sleep, Thread, threadsOfEachTest, until } from "./helpers.js";

beforeAll(requireDist);

const { keep, open } = threadsOfEachTest();

/** A worker that owns a timer whose ticks never settle (so a trigger stays in progress). */
async function owner(target = "hang"): Promise<{
  owner: Thread;
  timer: TimerHandle<number>;
  group: GroupHandle;
}> {
  const thread = new Thread("owner.mjs", { target });
  keep(thread);
  const { timer, group } = await thread.value({ script: "share" });
  return { owner: thread, timer, group };
}

/** A worker that has opened `timer` and is ready for commands. */
async function opened(handles: Parameters<typeof remote>[0]): Promise<Thread> {
  const thread = open(handles);
  await thread.value({ target: "timer", get: "name" });
  return thread;
}

/**
 * Resolves once the owner has started the call in `slot` of the handle's channel (slot 0 serves
 * blocking calls, 1 the first non-blocking one): its word reads RUNNING. The handle's memory stays
 * readable here after its port went to the worker.
 */
function underWay(handle: TimerHandle<number>, slot = 0): Promise<void> {
  const words = new Int32Array(handle.channel);
  const RUNNING = 2;
  return until(() => (Atomics.load(words, slot) & 7) === RUNNING, "the owner to start the call");
}

describe("when the owner thread exits", () => {
  it("a caller blocked on it throws 'owner-gone' promptly; later calls at once; reads still answer", async () => {
    const { owner: thread, timer } = await owner();
    const worker = await opened({ timer });
    const blocked = worker.call({ target: "timer", method: "triggerSync" });
    await underWay(timer);
    const exitedAt = performance.now();
    thread.call({ script: "exit" }).catch(() => {}); // process.exit() in the owner
    const answer = await blocked;
    expect(performance.now() - exitedAt).toBeLessThan(2000);
    expect(answer).toMatchObject({
      ok: false,
      error: {
        name: "ThreadControlError",
        reason: "owner-gone",
        message: expect.stringMatching(
          /thread that owned timer "owned" \(thread \d+\) has exited while the call was in progress/,
        ),
      },
    });
    const again = await worker.call({ target: "timer", method: "cancelSync" });
    expect(again).toMatchObject({ ok: false, error: { reason: "owner-gone" } });
    expect(again.ms).toBeLessThan(100);
    expect(await worker.value({ target: "timer", method: "isOwnerAlive" })).toBe(false);
    // Reads answer with the last published state, except that a timer does not outlive its thread.
    expect(await worker.value({ target: "timer", method: "snapshot" })).toMatchObject({
      hitCount: 0,
      running: false,
    });
    expect(await worker.value({ target: "timer", method: "isRunning" })).toBe(false);
  });

  it("that ended on its own (handles never keep it alive) is gone for timers and groups alike", async () => {
    const { owner: thread, timer, group } = await owner("counter");
    const worker = await opened({ timer, group });
    expect(await worker.value({ target: "timer", method: "triggerSync" })).toBe(2);
    await thread.value({ script: "finish" }); // cancels its timers; nothing else keeps it running
    expect(await thread.exited).toBe(0);
    for (const target of ["timer", "group"]) {
      expect(
        await worker.call({ target, method: "cancelSync", args: [{ timeout: 5 }] }),
      ).toMatchObject({
        ok: false,
        error: { name: "ThreadControlError", reason: "owner-gone" },
      });
    }
    expect(await worker.call({ target: "timer", method: "setDelay", args: [1] })).toMatchObject({
      ok: false,
      error: { reason: "owner-gone" },
    });
  });

  it("after an uncaught exception, a blocked caller throws 'owner-gone'", async () => {
    const { owner: thread, timer } = await owner();
    const worker = await opened({ timer });
    const blocked = worker.call({ target: "timer", method: "triggerSync" });
    await underWay(timer);
    await thread.value({ script: "crash" });
    expect(await blocked).toMatchObject({ ok: false, error: { reason: "owner-gone" } });
    await thread.exited;
    expect(String(thread.error)).toMatch(/the owner crashed/);
  });
});

describe("when the owner thread is terminated", () => {
  it("watchOwner() on the thread that owns the Worker wakes blocked callers with 'owner-gone'", async () => {
    const { owner: thread, timer } = await owner();
    watchOwner(thread.worker, timer); // the handle's port went to the worker; its memory stays here
    const worker = await opened({ timer });
    const blocked = worker.call({ target: "timer", method: "triggerSync" });
    const cancels = worker.call({ target: "timer", method: "cancel" }); // queued behind it
    await underWay(timer);
    const terminatedAt = performance.now();
    await thread.terminate();
    expect(await blocked).toMatchObject({ ok: false, error: { reason: "owner-gone" } });
    expect(performance.now() - terminatedAt).toBeLessThan(1000);
    expect(await cancels).toMatchObject({ ok: false, error: { reason: "owner-gone" } });
  });

  it("a non-blocking call pending on it rejects with 'owner-gone', watched or not", async () => {
    const { owner: thread, timer } = await owner();
    const worker = await opened({ timer });
    const pending = worker.call({ target: "timer", method: "trigger" });
    await underWay(timer, 1);
    await thread.terminate();
    expect(await pending).toMatchObject({ ok: false, error: { reason: "owner-gone" } });
  });

  it("unwatched, a blocked call ends at its timeout; the next call knows the owner is gone", async () => {
    const { owner: thread, timer } = await owner();
    const worker = await opened({ timer });
    const blocked = worker.call({
      target: "timer",
      method: "triggerSync",
      args: [{ timeout: 0.6 }],
    });
    await underWay(timer);
    await thread.terminate();
    expect(await blocked).toMatchObject({ ok: false, error: { name: "TimerTimeoutError" } });
    await worker.value({
      script: "waitFor",
      target: "timer",
      property: "isOwnerAlive",
      equals: false,
    });
    expect(await worker.call({ target: "timer", method: "cancelSync" })).toMatchObject({
      ok: false,
      error: { reason: "owner-gone" },
    });
  });

  it("unwatched and without a timeout, a blocked call gives up once the owner shows no sign of life (#16, point 11)", async () => {
    const { owner: thread, timer } = await owner();
    const worker = await opened({ timer });
    const blocked = worker.call({ target: "timer", method: "triggerSync" }); // no timeout
    await underWay(timer);
    await thread.terminate();
    const answer = await blocked;
    expect(answer).toMatchObject({
      ok: false,
      error: {
        name: "TimerTimeoutError",
        message: expect.stringMatching(
          /^triggerSync\(\) gave up after [\d.]+s \(no timeout was given\): the owner thread \(thread \d+\) started it, then has shown no sign of life for the last [\d.]+s \(it was terminated, or its event loop is blocked\): it completes only if that thread resumes$/,
        ),
      },
    });
    expect(answer.ms).toBeGreaterThanOrEqual(4500); // 5 s of silence, less what preceded the end
    expect(answer.ms).toBeLessThan(15_000); // not the 60 s default, and never for ever
    // Its event loop ran since: the port's close arrived, and the owner is known to be gone.
    await worker.value({
      script: "waitFor",
      target: "timer",
      property: "isOwnerAlive",
      equals: false,
    });
    expect(await worker.call({ target: "timer", method: "cancelSync" })).toMatchObject({
      ok: false,
      error: { reason: "owner-gone" },
    });
  });

  it("with a timeout, the message says the owner went silent, never that the work may still complete", async () => {
    const { owner: thread, timer } = await owner();
    const worker = await opened({ timer });
    const blocked = worker.call({ target: "timer", method: "triggerSync", args: [{ timeout: 3 }] });
    await underWay(timer);
    await thread.terminate();
    const answer = await blocked;
    expect(answer).toMatchObject({
      ok: false,
      error: {
        name: "TimerTimeoutError",
        message: expect.stringMatching(
          /^triggerSync\(\) timed out after 3s: the owner thread \(thread \d+\) started it, then has shown no sign of life for the last [\d.]+s/,
        ),
      },
    });
    expect(answer.ok ? "" : answer.error.message).not.toMatch(/may still complete/);
  });

  it("even the watching thread, blocked in a call to it, notices within moments", async () => {
    const { owner: thread, timer } = await owner();
    watchOwner(thread.worker, timer);
    const here = openTimer(timer); // this thread owns the Worker and calls its timer
    void thread.worker.terminate(); // its "exit" event cannot reach us while we block below
    const started = performance.now();
    // (With a timeout, so a failure here fails the test instead of hanging the run.)
    expect(() => here.triggerSync({ timeout: 10 })).toThrow(
      expect.objectContaining({ reason: "owner-gone" }),
    );
    expect(performance.now() - started).toBeLessThan(2000);
    await thread.exited;
  });
});

describe("a handle whose owner died before it was opened", () => {
  it("knows at once: reads answer, control throws 'owner-gone', and so it does for all its threads", async () => {
    const { owner: thread, timer } = await owner("counter");
    const first = open({ timer }); // its port may still be on the way when the owner goes
    await thread.terminate();
    await first.value({
      script: "waitFor",
      target: "timer",
      property: "isOwnerAlive",
      equals: false,
    });
    expect(await first.call({ target: "timer", method: "cancelSync" })).toMatchObject({
      ok: false,
      error: { reason: "owner-gone" },
    });
    expect(await first.value({ target: "timer", get: "hitCount" })).toBe(1);
  });
});

describe("watchOwner()", () => {
  it("refuses what is not a worker or a handle, and a handle of another thread", async () => {
    const { owner: first, timer } = await owner("counter");
    const { owner: second } = await owner("counter");
    expect(() => watchOwner({} as never, timer)).toThrow(TypeError);
    expect(() => watchOwner(first.worker)).toThrow(/at least one handle/);
    expect(() => watchOwner(first.worker, { kind: "timer" } as never)).toThrow(TypeError);
    expect(() => watchOwner(second.worker, timer)).toThrow(
      new RegExp(
        `^watchOwner\\(worker, \\.\\.\\.handles\\): handles\\[0\\] \\(timer "owned"\\) belongs to thread ${first.worker.threadId}, not to this worker \\(thread ${second.worker.threadId}\\)$`,
      ),
    );
    expect(() => watchOwner(second.worker, timer)).toThrow(TypeError);
    const unwatch = watchOwner(first.worker, timer);
    unwatch();
    expect(openTimer(timer).isOwnerAlive()).toBe(true);
    await first.terminate();
    await sleep(50);
    // Unwatched, it is still noticed: the handle's port closed when its owner went.
    expect(openTimer(timer).isOwnerAlive()).toBe(false);
  });

  it("marks an owner that already exited gone at once", async () => {
    const { owner: thread, timer } = await owner("counter");
    await thread.terminate();
    watchOwner(thread.worker, timer);
    expect(openTimer(timer).isOwnerAlive()).toBe(false);
  });
});
