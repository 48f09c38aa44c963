// The lease's behaviour, simulated: replicas are timers in one process on one VirtualClock, the
// engine a memory store whose clock is the virtual wall clock. Exact and fast; the same promises
// are checked against real servers and real processes in chaos.test.ts.
import { type Mode, Timer } from "@async-timer/core";
import { describe, expect, it, vi } from "vitest";
import {
  type Lease,
  LeaseLostError,
  type LeaseOptions,
  type LeaseStore,
  memoryLease,
  memoryStore,
} from "../src/index.js";
import { capture, cutOff, replicaDriver, virtualClock } from "./helpers.js";

interface Start {
  readonly replica: number;
  readonly slot: number;
  readonly epoch: number;
  readonly at: number;
}

/** `count` replicas of one leased timer, on one virtual clock and one memory engine. */
function cluster(
  count: number,
  {
    delay = 1,
    mode = "fixed_rate" as Mode,
    options = {} as LeaseOptions,
    skews = [] as number[],
    work = 0,
  } = {},
) {
  const clock = virtualClock();
  const engine = memoryStore({ clock: () => clock.wallNow() });
  const starts: Start[] = [];
  const logger = capture();
  const leases: Lease[] = [];
  const drivers = Array.from({ length: count }, (_, i) => replicaDriver(clock, skews[i] ?? 0));
  const timers = drivers.map((driver, replica) => {
    const lease = memoryLease({ ttl: 3, store: engine, ...options });
    leases.push(lease);
    return new Timer(
      delay,
      async ({ fence, signal }) => {
        starts.push({
          replica,
          slot: fence?.slot ?? -1,
          epoch: fence?.epoch ?? -1,
          at: clock.now(),
        });
        if (work > 0) {
          await new Promise<void>((resolve, reject) => {
            const handle = driver.setWake(driver.now() + work, resolve, false);
            signal.addEventListener("abort", () => {
              driver.clearWake(handle);
              reject(signal.reason);
            });
          });
        }
        return replica;
      },
      { name: "job", mode, lease, driver, logger, onError: () => "continue" },
    );
  });
  return { clock, engine, starts, timers, leases, logger, drivers };
}

function duplicates(starts: readonly Start[]): number[] {
  const seen = new Set<number>();
  return starts.filter((s) => seen.has(s.slot) || !seen.add(s.slot)).map((s) => s.slot);
}

describe("memoryLease: one tick per slot", () => {
  it("three replicas: each slot runs once, on the holder only; the others are neither hits nor values", async () => {
    const { clock, starts, timers, leases } = cluster(3);
    for (const timer of timers) timer.start();
    await clock.advance(20);
    expect(duplicates(starts)).toEqual([]);
    const holders = new Set(starts.map((s) => s.replica));
    expect(holders.size).toBe(1);
    const [holder] = holders;
    expect(leases.map((lease) => lease.state)).toEqual(
      [0, 1, 2].map((i) => (i === holder ? "holder" : "follower")),
    );
    // A new lease starts at the next slot; then every slot of the 20 s runs.
    const slots = starts.map((s) => s.slot);
    expect(slots).toEqual(Array.from({ length: slots.length }, (_, i) => (slots[0] as number) + i));
    expect(slots.length).toBeGreaterThanOrEqual(19);
    expect(timers.map((t) => t.hitCount).sort()).toEqual([0, 0, slots.length]);
    await Promise.all(timers.map((t) => t.cancel()));
  });

  it("slots are numbered on the engine's clock: slot = ⌊engine ms / delay⌋, started at its boundary", async () => {
    const { clock, starts, timers } = cluster(1);
    timers[0]?.start();
    await clock.advance(5.5);
    const epoch = Date.UTC(2024, 0, 1);
    for (const s of starts) {
      expect(s.slot).toBe(Math.floor((epoch + s.at) / 1000));
      expect((epoch + s.at) % 1000).toBeLessThan(5); // at the boundary, not half a period late
    }
    await timers[0]?.cancel();
  });

  it("the holder pays one round trip per slot, the followers about one per lease expiry", async () => {
    const { clock, starts, timers, leases } = cluster(3, { delay: 0.1, options: { ttl: 1 } });
    for (const timer of timers) timer.start();
    await clock.advance(1);
    const before = leases.map((lease) => lease.roundTrips);
    const ran = starts.length;
    await clock.advance(10);
    const trips = leases.map((lease, i) => lease.roundTrips - (before[i] as number));
    const holder = leases.findIndex((lease) => lease.state === "holder");
    expect(trips[holder]).toBe(starts.length - ran);
    for (const [i, n] of trips.entries()) if (i !== holder) expect(n).toBeLessThanOrEqual(12);
    await Promise.all(timers.map((t) => t.cancel()));
  });

  it("a claim slow to answer is not doubled by a renewal: still one round trip per slot", async () => {
    // Renewal due 1.1 s after a claim, slots 1 s apart, claims answered 0.3 s late: each
    // renewal would fall while the next slot's claim is out, which extends the lease itself.
    const clock = virtualClock();
    const engine = memoryStore({ clock: () => clock.wallNow() });
    const slow: LeaseStore = {
      claim: async (input) => {
        await new Promise<void>((resolve) =>
          clock.setWake(clock.now() + 300, () => resolve(), false),
        );
        return engine.claim(input);
      },
      renew: (input) => engine.renew(input),
      release: (input) => engine.release(input),
    };
    const lease = memoryLease({ store: slow as never, ttl: 3.3, renew: 1.1 });
    let ticks = 0;
    const timer = new Timer(1, () => ticks++, {
      name: "slow-claims",
      mode: "fixed_rate",
      lease,
      driver: clock,
    }).start();
    await clock.advance(3);
    const [trips, ran] = [lease.roundTrips, ticks];
    await clock.advance(20);
    expect(ticks - ran).toBe(20);
    expect(lease.roundTrips - trips).toBe(20);
    expect(lease.state).toBe("holder");
    await timer.cancel();
  });

  it("fixed_delay on a lease: at most one tick per delay, cluster-wide", async () => {
    const { clock, starts, timers } = cluster(3, { mode: "fixed_delay", delay: 1, work: 300 });
    for (const timer of timers) timer.start();
    await clock.advance(15);
    expect(duplicates(starts)).toEqual([]);
    for (let i = 1; i < starts.length; i++) {
      expect((starts[i] as Start).at - (starts[i - 1] as Start).at).toBeGreaterThanOrEqual(1000);
    }
    expect(starts.length).toBeGreaterThanOrEqual(10);
    await Promise.all(timers.map((t) => t.cancel()));
  });

  it("clock skew of ±5 s between replicas creates and hides no slot", async () => {
    const skewed = cluster(3, { delay: 0.5, skews: [-5000, 0, 5000] });
    for (const timer of skewed.timers) timer.start();
    // Kill the holder now and then so every replica holds for a while.
    for (let round = 0; round < 3; round++) {
      await skewed.clock.advance(6);
      const holder = skewed.leases.findIndex((lease) => lease.state === "holder");
      await skewed.timers[holder]?.cancel(); // releases: another replica takes over
      await skewed.clock.advance(4);
      skewed.timers[holder]?.start();
    }
    await skewed.clock.advance(6);
    expect(duplicates(skewed.starts)).toEqual([]);
    expect(new Set(skewed.starts.map((s) => s.replica)).size).toBeGreaterThan(1);
    await Promise.all(skewed.timers.map((t) => t.cancel()));
  });
});

describe("memoryLease: failover and fencing", () => {
  it("a holder cut off from the engine loses the lease at its expiry, its tick aborted; another takes over with a higher epoch", async () => {
    const lost = vi.fn();
    const c = virtualClock();
    const starts: Start[] = [];
    const aborted: unknown[] = [];
    const logger = capture();
    const engine = memoryStore({ clock: () => c.wallNow() });
    const links = [cutOff(engine), cutOff(engine), cutOff(engine)];
    const timers = links.map((link, replica) => {
      const lease = memoryLease({ store: link as never, ttl: 1, renew: 0.3, onLost: lost });
      return new Timer(
        0.5,
        async ({ fence, signal }) => {
          starts.push({ replica, slot: fence?.slot ?? -1, epoch: fence?.epoch ?? -1, at: c.now() });
          await new Promise<void>((resolve) => {
            const handle = c.setWake(c.now() + 3000, resolve, false);
            signal.addEventListener("abort", () => {
              aborted.push(signal.reason);
              c.clearWake(handle);
              resolve();
            });
          });
        },
        { name: "job", mode: "fixed_rate", lease, driver: c, logger },
      );
    });
    for (const timer of timers) timer.start();
    await c.advance(1.2);
    const first = starts[0] as Start;
    (links[first.replica] as { down: boolean }).down = true; // a partition: the holder is alone
    const cutAt = c.now();
    await c.advance(3);
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toBeInstanceOf(LeaseLostError);
    expect((aborted[0] as LeaseLostError).reason).toBe("expired");
    expect(lost).toHaveBeenCalledWith(expect.objectContaining({ lease: "job", reason: "expired" }));
    const next = starts.find((s) => s.replica !== first.replica);
    expect(next).toBeDefined();
    expect((next as Start).epoch).toBeGreaterThan(first.epoch);
    // Failover within ttl + renew + delay of the partition (plus a round trip's slack).
    expect((next as Start).at - cutAt).toBeLessThanOrEqual(1000 + 300 + 500 + 50);
    expect(duplicates(starts)).toEqual([]);
    await Promise.all(timers.map((t) => t.cancel()));
  });

  it("a paused holder (SIGSTOP) is refused on waking: its tick is aborted, and its slots ran once elsewhere", async () => {
    const c = virtualClock();
    const engine = memoryStore({ clock: () => c.wallNow() });
    const drivers = [replicaDriver(c), replicaDriver(c)];
    const starts: Start[] = [];
    const reasons: unknown[] = [];
    const logger = capture();
    const leases = drivers.map(() => memoryLease({ store: engine, ttl: 1, renew: 0.3 }));
    const timers = drivers.map(
      (driver, replica) =>
        new Timer(
          0.2,
          async ({ fence, signal }) => {
            starts.push({
              replica,
              slot: fence?.slot ?? -1,
              epoch: fence?.epoch ?? -1,
              at: c.now(),
            });
            if (replica !== 0) return;
            // Replica 0's ticks are long: the pause catches one in flight.
            await new Promise<void>((resolve) => {
              const handle = driver.setWake(driver.now() + 1500, resolve, false);
              signal.addEventListener("abort", () => {
                reasons.push(signal.reason);
                driver.clearWake(handle);
                resolve();
              });
            });
          },
          {
            name: "job",
            mode: "fixed_rate",
            lease: leases[replica] as Lease,
            driver,
            logger,
          },
        ),
    );
    timers[0]?.start();
    await c.advance(1.1);
    timers[1]?.start();
    await c.advance(0.2);
    expect(leases[0]?.state).toBe("holder");
    drivers[0]?.freeze();
    await c.advance(2); // 2 × ttl
    expect(leases[1]?.state).toBe("holder");
    drivers[0]?.resume();
    await c.advance(1);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(LeaseLostError);
    expect(leases[0]?.state).toBe("follower");
    expect(duplicates(starts)).toEqual([]);
    await Promise.all(timers.map((t) => t.cancel()));
  });

  it("cancel() releases the lease: another replica takes over at its next try, not a ttl later", async () => {
    const { clock, starts, timers, leases } = cluster(2, { options: { ttl: 30, renew: 10 } });
    timers[0]?.start();
    await clock.advance(2.5);
    timers[1]?.start();
    await clock.advance(1);
    expect(leases[0]?.state).toBe("holder");
    await timers[0]?.cancel();
    const cancelledAt = clock.now();
    await clock.advance(31);
    const taken = starts.find((s) => s.replica === 1);
    expect(taken).toBeDefined();
    // Replica 1 tried again when the released lease would have expired… but released means free:
    expect((taken as Start).at - cancelledAt).toBeLessThanOrEqual(30_000);
    expect(leases[1]?.state).toBe("holder");
    await timers[1]?.cancel();
  });
});

describe("memoryLease: missed slots", () => {
  async function outage(missed: LeaseOptions["missed"]) {
    const c = virtualClock();
    const engine = memoryStore({ clock: () => c.wallNow() });
    const link = cutOff(engine);
    const starts: Start[] = [];
    const onMissed = vi.fn();
    const logger = capture();
    const lease = memoryLease({ store: link as never, ttl: 1, renew: 0.3, missed, onMissed });
    const timer = new Timer(
      0.5,
      ({ fence }) => {
        starts.push({
          replica: 0,
          slot: fence?.slot ?? -1,
          epoch: fence?.epoch ?? -1,
          at: c.now(),
        });
      },
      { name: "job", mode: "fixed_rate", lease, driver: c, logger },
    ).start();
    await c.advance(2.2);
    link.down = true;
    await c.advance(5);
    link.down = false;
    await c.advance(2);
    await timer.cancel();
    return { starts, onMissed, logger, lease };
  }

  it('"skip" (the default): reports the missed slots once, runs none of them', async () => {
    const { starts, onMissed, logger } = await outage(undefined);
    expect(onMissed).toHaveBeenCalledTimes(1);
    const { count, from, to } = onMissed.mock.calls[0]![0];
    expect(to - from + 1).toBe(count);
    expect(count).toBeGreaterThanOrEqual(8);
    const slots = starts.map((s) => s.slot);
    for (let slot = from; slot <= to; slot++) expect(slots).not.toContain(slot);
    expect(logger.messages("warn").filter((m) => m.includes("missed"))).toHaveLength(1);
    expect(logger.messages("warn").filter((m) => m.includes("cannot be reached"))).toHaveLength(1);
    expect(logger.messages("warn").filter((m) => m.includes("answers again"))).toHaveLength(1);
  });

  it('"once": runs the most recent missed slot, then goes on; the others are reported', async () => {
    const { starts, onMissed } = await outage("once");
    const { from, to } = onMissed.mock.calls[0]![0];
    const slots = starts.map((s) => s.slot);
    const at = slots.indexOf(to + 1);
    expect(at).toBeGreaterThan(0);
    expect(slots.slice(at, at + 2)).toEqual([to + 1, to + 2]); // the caught-up slot, then the current
    for (let slot = from; slot <= to; slot++) expect(slots).not.toContain(slot);
    expect(duplicates(starts)).toEqual([]);
  });

  it("{ backfill: 3 }: runs the three most recent missed slots, oldest first, each with its own fence", async () => {
    const { starts, onMissed } = await outage({ backfill: 3 });
    const { to } = onMissed.mock.calls[0]![0];
    const slots = starts.map((s) => s.slot);
    const at = slots.indexOf(to + 1);
    expect(at).toBeGreaterThan(0);
    expect(slots.slice(at, at + 4)).toEqual([to + 1, to + 2, to + 3, to + 4]);
    expect(new Set(starts.slice(at, at + 4).map((s) => s.epoch)).size).toBe(1);
    expect(slots).not.toContain(to);
    expect(duplicates(starts)).toEqual([]);
  });

  it("while the engine is out of reach the state says so; nothing is thrown or left unhandled", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const c = virtualClock();
      const link = cutOff(memoryStore({ clock: () => c.wallNow() }));
      link.down = true;
      const logger = capture();
      const lease = memoryLease({ store: link as never, ttl: 1 });
      const timer = new Timer(0.2, () => 1, { name: "job", lease, driver: c, logger }).start();
      await c.advance(30);
      expect(lease.state).toBe("unreachable");
      expect(timer.hitCount).toBe(0);
      // Backing off: far fewer than one attempt per 200 ms tick.
      expect(link.calls).toBeLessThan(60);
      // One line at the start, then a summary per 10 s at most.
      expect(logger.messages("warn").length).toBeLessThanOrEqual(4);
      await timer.cancel();
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });
});

describe("memoryLease: configuration", () => {
  it.each([
    [
      { ttl: 1, renew: 1 },
      "memoryLease(options): renew must be at least 1 ms and shorter than ttl (1000 ms); got 1 (1000 ms)",
    ],
    [{ ttl: "5ms" }, 'memoryLease(options): ttl must be at least 10 ms; got "5ms"'],
    [{ ttl: -1 }, "memoryLease(options): ttl must be a non-negative"],
    [
      { missed: "twice" },
      'memoryLease(options): missed must be "skip", "once" or { backfill: n }; got "twice"',
    ],
    [
      { missed: { backfill: 1.5 } },
      "memoryLease(options): missed.backfill must be a non-negative integer; got 1.5",
    ],
    [{ anchor: "today" }, "memoryLease(options): anchor must be epoch milliseconds"],
    [{ onLost: 5 }, "memoryLease(options): onLost must be a function; got 5"],
    [{ tll: 5 }, 'memoryLease(options): unknown option "tll"'],
  ])("rejects %j at construction, naming the option and value", (options, message) => {
    expect(() => memoryLease(options as LeaseOptions)).toThrow(message);
  });

  it("ready() resolves while the engine answers, leaves no record, and rejects while it does not", async () => {
    const c = virtualClock();
    const store = memoryStore({ clock: () => c.wallNow() });
    const link = cutOff(store);
    const lease = memoryLease({ store: link as never, ttl: 1 });
    await lease.ready();
    expect(link.calls).toBe(1);
    expect(store.read(".async-timer.ready")).toBeUndefined();
    link.down = true;
    await expect(lease.ready()).rejects.toThrow("ECONNREFUSED (test)");
    // A lease on the same store claims as if ready() had never been called.
    const fresh = memoryLease({ store: store as never, ttl: 1 });
    const timer = new Timer(0.1, () => 1, { name: "job", lease: fresh, driver: c }).start();
    await c.advance(0.35);
    await timer.cancel();
    expect(fresh.epoch).toBeGreaterThan(0);
    expect(timer.hitCount).toBeGreaterThan(0);
  });

  it("a leased timer needs a name, and one lease serves one timer", async () => {
    const c = virtualClock();
    const unnamed = new Timer(1, () => 1, { lease: memoryLease(), driver: c });
    expect(() => unnamed.start()).toThrow("a leased timer needs a name");
    const lease = memoryLease({ store: memoryStore() });
    const a = new Timer(1, () => 1, { name: "a", lease, driver: c }).start();
    const b = new Timer(1, () => 1, { name: "a", lease, driver: c });
    expect(() => b.start()).toThrow("already in use by a running timer");
    await a.cancel();
  });
});
