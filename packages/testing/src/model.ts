/**
 * Model-based testing of the timer's API: fast-check generates sequences of calls (start,
 * cancel, trigger, setDelay, subscribe, dropOldest, close, join, wait, time passing, a signal
 * firing), runs them on a real timer, and checks each result against a small reference model
 * of the contract.
 *
 * @module
 */
import { type Subscription, Timer, TimerCancelledError, TimerStateError } from "@async-timer/core";
import fc from "fast-check";
import { tickScript, timerSpec } from "./arbitraries.js";
import { runUntil, type TimeHarness } from "./harness.js";
import { thrownBy } from "./invariant.js";
import type { HarnessFactory } from "./invariants.js";
import { describeValue } from "./property-kit.js";
import {
  scriptedTarget,
  type TickBehaviour,
  TickLog,
  type TimerSpec,
  toOptions,
} from "./scenario.js";

/** What the contract says the timer's state is, as far as a caller can tell. */
interface Model {
  running: boolean;
  /** Built with `signal`: once a run has ended, start() throws. */
  readonly singleRun: boolean;
  /** The signal has aborted: a run ends as soon as it starts. */
  aborted: boolean;
  runs: number;
  delay: number;
  subscriptions: number;
}

/** The system under test. */
interface Real {
  readonly harness: TimeHarness;
  readonly timer: Timer<number>;
  readonly log: TickLog;
  readonly subscriptions: Subscription<number>[];
  readonly controller: AbortController;
}

/** A call the model makes on the timer and checks. */
export type Command = fc.AsyncCommand<Model, Real>;

function expect(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message());
}

async function outcome<T>(
  harness: TimeHarness,
  promise: Promise<T>,
): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await runUntil(harness, promise) };
  } catch (error) {
    return { error };
  }
}

export class Start implements Command {
  check = () => true;
  async run(model: Model, real: Real) {
    const spent = model.singleRun && model.runs > 0;
    const threw = thrownBy(() => real.timer.start());
    if (model.running || spent) {
      expect(
        threw instanceof TimerStateError,
        () =>
          `start() should throw TimerStateError (running=${model.running}, spent=${spent}), threw ${describeValue(threw)}`,
      );
      return;
    }
    expect(threw === undefined, () => `start() threw ${describeValue(threw)}`);
    real.log.run++;
    model.runs++;
    // A signal that already aborted ends the run at once, without a tick.
    model.running = !model.aborted;
    expect(
      real.timer.isRunning() === model.running,
      () => `isRunning() is ${real.timer.isRunning()} after start()`,
    );
  }
  toString = () => "start()";
}

class Cancel implements Command {
  check = () => true;
  async run(model: Model, real: Real) {
    const hits = real.timer.hitCount;
    await runUntil(real.harness, real.timer.cancel({ timeout: "1s" }));
    expect(!real.timer.isRunning(), () => "running after cancel() resolved");
    expect(real.log.inFlight === 0, () => "target code still running after cancel() resolved");
    expect(
      real.harness.pending() === 0,
      () => `${real.harness.pending()} timer(s) armed after cancel()`,
    );
    expect(real.timer.hitCount >= hits, () => "hitCount went backwards");
    model.running = false;
  }
  toString = () => "cancel()";
}

class Advance implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const hits = real.timer.hitCount;
    const ticks = real.log.ticks.length;
    await real.harness.advance(this.ms);
    expect(
      real.timer.isRunning() === model.running,
      () => `isRunning() is ${real.timer.isRunning()}, the model says ${model.running}`,
    );
    expect(real.timer.hitCount >= hits, () => "hitCount went backwards");
    if (!model.running) {
      expect(real.log.ticks.length === ticks, () => "a stopped timer ticked");
    }
    expect(real.log.maxInFlight <= 1, () => "two ticks overlapped");
  }
  toString = () => `advance(${this.ms} ms)`;
}

class Trigger implements Command {
  check = () => true;
  async run(model: Model, real: Real) {
    const next = real.log.ticks.length + 1;
    const result = await outcome(real.harness, real.timer.trigger());
    if (!model.running) {
      expect(
        "error" in result && result.error instanceof TimerStateError,
        () => "trigger() on a stopped timer must reject with TimerStateError",
      );
      return;
    }
    expect(
      "value" in result && result.value === next,
      () => `trigger() gave ${describeValue(result)}, expected the fresh tick ${next}`,
    );
  }
  toString = () => "trigger()";
}

class SetDelay implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    real.timer.setDelay(`${this.ms}ms`);
    model.delay = this.ms;
    expect(
      real.timer.delay === this.ms / 1000,
      () => `delay is ${real.timer.delay}, set ${this.ms / 1000}`,
    );
  }
  toString = () => `setDelay(${this.ms} ms)`;
}

class Subscribe implements Command {
  constructor(readonly maxsize: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const feed = real.timer.subscribe({ maxsize: this.maxsize });
    expect(feed.qsize === 0 && feed.droppedCount === 0, () => "a new subscription is not empty");
    real.subscriptions.push(feed);
    model.subscriptions++;
  }
  toString = () => `subscribe({ maxsize: ${this.maxsize} })`;
}

class DropOldest implements Command {
  constructor(
    readonly which: number,
    readonly n: number,
  ) {}
  check = (model: Readonly<Model>) => model.subscriptions > 0;
  async run(_model: Model, real: Real) {
    const feed = real.subscriptions[this.which % real.subscriptions.length] as Subscription<number>;
    const before = feed.qsize;
    const dropped = feed.droppedCount;
    const removed = feed.dropOldest(this.n);
    expect(
      removed === Math.min(this.n, before),
      () => `dropOldest(${this.n}) removed ${removed} of ${before}`,
    );
    expect(feed.qsize === before - removed, () => "qsize does not match what was removed");
    expect(
      feed.droppedCount === dropped + removed,
      () => "droppedCount does not count what was removed",
    );
  }
  toString = () => `subscription[${this.which}].dropOldest(${this.n})`;
}

class Close implements Command {
  constructor(readonly which: number) {}
  check = (model: Readonly<Model>) => model.subscriptions > 0;
  async run(_model: Model, real: Real) {
    const feed = real.subscriptions[this.which % real.subscriptions.length] as Subscription<number>;
    feed.close();
    expect(feed.qsize === 0, () => "a closed subscription still buffers");
    const next = await runUntil(real.harness, feed.next());
    expect(next.done === true, () => "a closed subscription still yields");
  }
  toString = () => `subscription[${this.which}].close()`;
}

export class Join implements Command {
  check = () => true;
  async run(model: Model, real: Real) {
    const mark = real.log.seq;
    const result = await outcome(real.harness, real.timer.join());
    if (!model.running) {
      expect(
        "error" in result && result.error instanceof TimerCancelledError,
        () => "join() on a stopped timer must reject with TimerCancelledError",
      );
      return;
    }
    // The tick that settled first after the call, not `lastResult`: the harness may run a tick
    // due at the same instant before this line, and the join still owes the earlier one.
    const next = real.log.endedAfter(mark).find((tick) => tick.outcome !== "aborted");
    expect(
      "value" in result && next !== undefined && result.value === next.value,
      () =>
        `join() gave ${describeValue(result)}, the first tick to settle after the call was ${describeValue(next?.value)}`,
    );
  }
  toString = () => "join()";
}

class Wait implements Command {
  constructor(readonly hits: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const target = real.timer.hitCount + this.hits;
    const result = await outcome(real.harness, real.timer.wait({ hits: this.hits }));
    if (this.hits === 0) {
      expect(
        "value" in result && result.value === undefined,
        () => "a wait already met must resolve with undefined",
      );
      return;
    }
    if (!model.running) {
      expect(
        "error" in result && result.error instanceof TimerCancelledError,
        () => "wait() on a stopped timer must reject with TimerCancelledError",
      );
      return;
    }
    expect(
      "value" in result && real.timer.hitCount >= target,
      () =>
        `wait({ hits: ${this.hits} }) gave ${describeValue(result)} at hitCount ${real.timer.hitCount}`,
    );
  }
  toString = () => `wait({ hits: ${this.hits} })`;
}

class FireSignal implements Command {
  check = (model: Readonly<Model>) => model.singleRun;
  async run(model: Model, real: Real) {
    real.controller.abort();
    model.aborted = true;
    await runUntil(real.harness, real.timer.cancel({ timeout: "1s" }));
    expect(!real.timer.isRunning(), () => "the signal aborted but the timer still runs");
    model.running = false;
  }
  toString = () => "signal.abort()";
}

/** Options of {@link timerModel}. */
export interface TimerModelOptions {
  /** Longest generated sequence of calls. Default 30. */
  readonly maxCommands?: number;
}

/**
 * The model-based property: random sequences of API calls on a real timer, each checked
 * against the reference model.
 *
 * @example
 * ```ts
 * await fc.assert(timerModel((seed) => virtualClockHarness({ seed })), { numRuns: 200 });
 * ```
 */
export function timerModel(
  harness: HarnessFactory,
  options: TimerModelOptions = {},
): fc.IAsyncProperty<[number, TimerSpec, TickBehaviour[], boolean, Iterable<unknown>]> {
  const limits = { maxDelay: 1000, maxWork: 500 };
  const commands = fc.commands(
    [
      fc.constant(new Start()),
      fc.constant(new Cancel()),
      fc.integer({ min: 0, max: 3000 }).map((ms) => new Advance(ms)),
      fc.constant(new Trigger()),
      fc.integer({ min: 1, max: 1000 }).map((ms) => new SetDelay(ms)),
      fc.integer({ min: 0, max: 3 }).map((maxsize) => new Subscribe(maxsize)),
      fc.record({ which: fc.nat(5), n: fc.nat(4) }).map(({ which, n }) => new DropOldest(which, n)),
      fc.nat(5).map((which) => new Close(which)),
      fc.constant(new Join()),
      fc.integer({ min: 0, max: 3 }).map((hits) => new Wait(hits)),
      fc.constant(new FireSignal()),
    ],
    { maxCommands: options.maxCommands ?? 30 },
  );
  return fc.asyncProperty(
    fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    timerSpec(limits),
    tickScript(limits, { failures: false }),
    fc.boolean(),
    commands,
    (seed, spec, script, singleRun, sequence) =>
      runModel(harness(seed), spec, script, singleRun, sequence),
  );
}

/**
 * One case of {@link timerModel}: `sequence` run on a fresh timer on `h`, checked against the
 * model; `h` is disposed afterwards. Not exported from the package: the regression tests replay
 * fixed sequences through it.
 */
export async function runModel(
  h: TimeHarness,
  spec: TimerSpec,
  script: TickBehaviour[],
  singleRun: boolean,
  sequence: Iterable<Command>,
): Promise<void> {
  const log = new TickLog();
  const controller = new AbortController();
  const timer = new Timer(
    `${spec.delay}ms`,
    scriptedTarget(h, script, log),
    toOptions<number>(spec, h, singleRun ? { signal: controller.signal } : {}),
  );
  const real: Real = { harness: h, timer, log, subscriptions: [], controller };
  const model: Model = {
    running: false,
    singleRun,
    aborted: false,
    runs: 0,
    delay: spec.delay,
    subscriptions: 0,
  };
  try {
    await fc.asyncModelRun(() => ({ model, real }), sequence);
  } finally {
    await runUntil(h, timer.cancel({ timeout: "1s" }));
    h.dispose();
  }
}
