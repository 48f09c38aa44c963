/**
 * How the real driver holds timers: a busy timer re-arms one handle of its own, an idle one
 * (sleeping a second or more) waits in a shared queue under a single handle. Seen through the
 * Timer API with the globals it looks up replaced by spies, so every handle is counted.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { Timer } from "../src/index.js";

interface FakeHandle {
  readonly id: number;
  delay: number;
  readonly callback: () => void;
  refed: boolean;
  cleared: boolean;
  _idleTimeout: number;
  unref(): void;
  ref(): void;
  refresh(): void;
}

/** setTimeout, clearTimeout and performance.now as spies; `fire` runs what is due at `t`. */
function fakeTimers() {
  const handles: FakeHandle[] = [];
  let now = 1000;
  let armedAt = new Map<FakeHandle, number>();
  const setTimeoutSpy = vi.fn((callback: () => void, delay: number) => {
    const handle: FakeHandle = {
      id: handles.length + 1,
      delay,
      callback,
      refed: true,
      cleared: false,
      _idleTimeout: delay,
      unref() {
        handle.refed = false;
      },
      ref() {
        handle.refed = true;
      },
      refresh() {
        handle.delay = handle._idleTimeout;
        armedAt.set(handle, now + handle.delay);
      },
    };
    handles.push(handle);
    armedAt.set(handle, now + delay);
    return handle;
  });
  vi.stubGlobal("setTimeout", setTimeoutSpy);
  vi.stubGlobal("clearTimeout", (handle: FakeHandle) => {
    handle.cleared = true;
    armedAt.delete(handle);
  });
  vi.spyOn(performance, "now").mockImplementation(() => now);
  return {
    handles,
    setTimeoutSpy,
    pending: () => [...armedAt.keys()],
    /** Moves time to `t`, running due handles in order (each fires once). */
    async fire(t: number) {
      for (;;) {
        const due = [...armedAt].filter(([, at]) => at <= t).sort((a, b) => a[1] - b[1])[0];
        if (due === undefined) break;
        now = Math.max(now, due[1]);
        armedAt.delete(due[0]);
        due[0].callback();
        for (let i = 0; i < 5; i++) await Promise.resolve();
      }
      now = t;
      armedAt = new Map([...armedAt]);
    },
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const idle = (delay: number, options = {}) =>
  new Timer(delay, () => 1, { initialDelay: delay, ...options });

describe("idle timers on the real driver", () => {
  it("share one handle, armed for the earliest, however many there are", async () => {
    const fake = fakeTimers();
    const timers = [idle(60), idle(30), idle(3600), idle(45)].map((timer) => timer.start());
    // One handle for the queue; re-armed once, when an earlier entry (30 s) arrived.
    expect(fake.pending()).toHaveLength(1);
    expect(fake.pending()[0]?.delay).toBe(30_000);
    await Promise.all(timers.map((timer) => timer.cancel()));
    expect(fake.pending()).toHaveLength(0); // an empty queue keeps nothing armed
  });

  it("fire in due order, and a handle armed for a cancelled one fires early and re-arms", async () => {
    const fake = fakeTimers();
    const first = idle(30).start();
    const second = idle(60).start();
    await first.cancel(); // the handle stays armed for 30 s: cancelling costs no new handle
    expect(fake.setTimeoutSpy).toHaveBeenCalledTimes(1);
    await fake.fire(31_000);
    expect(second.hitCount).toBe(0);
    expect(fake.pending()[0]?.delay).toBe(30_000); // re-armed for the 60 s one
    await fake.fire(61_000);
    expect(second.hitCount).toBe(1);
    await second.cancel();
  });

  it("keep the process alive only when ref'd: unref timers wait in a queue of their own", async () => {
    const fake = fakeTimers();
    const refd = idle(60).start();
    const unrefd = idle(60, { unref: true }).start();
    const [a, b] = fake.pending();
    expect([a?.refed, b?.refed].sort()).toEqual([false, true]);
    await refd.cancel();
    expect(fake.pending().map((handle) => handle.refed)).toEqual([false]);
    await unrefd.cancel();
  });

  it("of one length fire in the order armed, among other lengths by due time, cancelled or not", async () => {
    const fake = fakeTimers();
    const fired: string[] = [];
    const named = (name: string, delay: number) =>
      new Timer(delay, () => fired.push(`${name}@${performance.now()}`), {
        initialDelay: delay,
      }).start();
    const a = named("a", 30); // due 31 000
    await fake.fire(1500);
    const b = named("b", 30); // due 31 500, cancelled below: out of its list's middle
    const c = named("c", 45); // due 46 500
    await fake.fire(2000);
    const d = named("d", 30); // due 32 000
    await b.cancel();
    await fake.fire(50_000);
    expect(fired).toEqual(["a@31000", "d@32000", "c@46500"]);
    // Each re-armed from its own tick, into the same lists, and keeps its schedule.
    await fake.fire(62_000);
    expect(fired.slice(3)).toEqual(["a@61000", "d@62000"]);
    await Promise.all([a, c, d].map((timer) => timer.cancel()));
    expect(fake.pending()).toHaveLength(0);
    // The queue, emptied, takes new timers of a length it has seen before.
    const e = named("e", 30);
    await fake.fire(100_000);
    expect(fired.slice(5)).toEqual(["e@92000"]);
    await e.cancel();
  });

  it("of many lengths (jittered sleeps), mostly cancelled, leave the rest on time", async () => {
    const fake = fakeTimers();
    const fired: number[] = [];
    // 300 distinct lengths: a list each. Cancelling 240 of them sweeps the emptied lists.
    const timers = Array.from({ length: 300 }, (_, i) =>
      new Timer(1000, () => fired.push(i), { initialDelay: 2 + i / 100 }).start(),
    );
    const kept = timers.filter((_, i) => i % 5 === 0);
    await Promise.all(timers.filter((_, i) => i % 5 !== 0).map((timer) => timer.cancel()));
    await fake.fire(1000 + 2_000 + 3_000);
    expect(fired).toEqual(kept.map((_, k) => k * 5));
    await Promise.all(kept.map((timer) => timer.cancel()));
    expect(fake.pending()).toHaveLength(0);
  });

  it("cancelled by the thousand, in any order, leave the others on time", async () => {
    const fake = fakeTimers();
    const keep = idle(7200).start();
    const gone = Array.from({ length: 1000 }, (_, i) => idle(3600 + (i % 7)).start());
    // Every other one, then the rest backwards: out of the lists' middles and ends.
    const order = [
      ...gone.filter((_, i) => i % 2 === 0),
      ...gone.filter((_, i) => i % 2).reverse(),
    ];
    await Promise.all(order.map((timer) => timer.cancel()));
    expect(fake.pending()).toHaveLength(1);
    await fake.fire(1000 + 7_200_000);
    expect(keep.hitCount).toBe(1);
    await keep.cancel();
  });
});

describe("start() and cancel() raised from their own callbacks", () => {
  it("an observer that cancels at start leaves nothing armed; an onCancel that restarts, one wake", async () => {
    const fake = fakeTimers();
    const seen: string[] = [];
    const quitter = idle(60);
    quitter.observe({
      started: () => {
        seen.push("started");
        void quitter.cancel();
      },
      ended: (reason) => seen.push(`ended ${reason}`),
    });
    quitter.start();
    expect(seen).toEqual(["started", "ended cancel"]);
    expect(quitter.isRunning()).toBe(false);
    expect(fake.pending()).toHaveLength(0);

    let restarts = 0;
    const phoenix: Timer<number> = new Timer(60, () => 1, {
      initialDelay: 30,
      onCancel: () => {
        if (restarts++ === 0) phoenix.start();
      },
    }).start();
    await fake.fire(20_000);
    await phoenix.cancel();
    expect(phoenix.isRunning()).toBe(true);
    expect(fake.pending()).toHaveLength(1); // the new run's wake only
    await fake.fire(49_999);
    expect(phoenix.hitCount).toBe(0);
    await fake.fire(50_000); // 30 s after the restart, not after the first start
    expect(phoenix.hitCount).toBe(1);
    await phoenix.cancel();
    expect(fake.pending()).toHaveLength(0);
  });
});

describe("busy timers on the real driver", () => {
  it("re-arm one handle tick after tick, and re-aim it (not replace it) when the delay changes", async () => {
    const fake = fakeTimers();
    const timer = new Timer(0.01, () => 1, { mode: "fixed_rate" }).start();
    await Promise.resolve();
    await Promise.resolve(); // the first tick, on a microtask
    for (let t = 1010; t <= 1100; t += 10) await fake.fire(t);
    // A late wake (the machine was busy): the next slot is nearer than a period.
    await fake.fire(1113);
    await fake.fire(1120);
    expect(timer.hitCount).toBeGreaterThanOrEqual(12);
    expect(fake.setTimeoutSpy).toHaveBeenCalledTimes(1);
    await timer.cancel();
  });

  it("going idle lets the handle go: a long sleep waits in the shared queue", async () => {
    const fake = fakeTimers();
    const timer = new Timer(0.01, () => 1).start();
    await Promise.resolve();
    await Promise.resolve();
    await fake.fire(1010);
    const busy = fake.pending()[0];
    timer.setDelay(60);
    await fake.fire(1020);
    expect(busy?.cleared).toBe(true);
    expect(fake.pending()).toHaveLength(1);
    expect(fake.pending()[0]).not.toBe(busy); // the queue's handle
    await timer.cancel();
    expect(fake.pending()).toHaveLength(0);
  });
});
