/**
 * Runs the real `Timer` on a `VirtualClock` and records what happened, in virtual seconds: when
 * each tick started and finished, when `trigger()` was called, and the skips the timer itself
 * logged. The diagrams are drawn from these records, so they show what the code does.
 */
import { type Mode, Timer } from "@async-timer/core";
import { VirtualClock } from "@async-timer/testing";

/** One lane of a timeline diagram: a timer and the work its target does. */
export interface Scenario {
  /** Shown at the start of the lane. */
  readonly label: string;
  /** Seconds. */
  readonly delay: number;
  readonly mode?: Mode;
  readonly jitter?: number;
  readonly initialDelay?: number;
  /** How long each tick's work takes, in seconds, by tick index; the last entry repeats. */
  readonly durations: readonly number[];
  /** Virtual seconds at which `trigger()` is called. */
  readonly triggers?: readonly number[];
  /** Seed of the clock's random source (jitter). */
  readonly seed?: number;
}

export interface TickSpan {
  /** 0-based, in start order. */
  readonly index: number;
  readonly start: number;
  /** When the target settled; `undefined` if it was still running at the horizon. */
  end: number | undefined;
  /** Whether this tick is the one a `trigger()` resolved with. */
  triggered: boolean;
}

/** What one lane's timer did, in virtual seconds from `start()`. */
export interface Timeline {
  readonly scenario: Scenario;
  readonly mode: Mode;
  readonly horizon: number;
  readonly ticks: TickSpan[];
  readonly triggers: number[];
  /** The timer's own warn lines about skipped fixed-rate slots: when, and how many. */
  readonly skips: { readonly at: number; readonly count: number }[];
  /** Everything the timer logged, with the virtual time. */
  readonly log: { readonly at: number; readonly level: string; readonly message: string }[];
}

const seconds = (clock: VirtualClock): number => Math.round(clock.now()) / 1000;

/** Sleeps on the virtual clock; ends early when `signal` aborts (a cancel at the horizon). */
function virtualSleep(clock: VirtualClock, duration: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const handle = clock.setWake(clock.now() + duration * 1000, resolve, false);
    signal.addEventListener(
      "abort",
      () => {
        clock.clearWake(handle);
        resolve();
      },
      { once: true },
    );
  });
}

/** Runs `scenario` from `start()` to `horizon` virtual seconds, then cancels the timer. */
export async function simulate(scenario: Scenario, horizon: number): Promise<Timeline> {
  const clock = new VirtualClock({ seed: scenario.seed ?? 7, stallTimeout: 0 });
  const ticks: TickSpan[] = [];
  const triggers: number[] = [];
  const skips: { at: number; count: number }[] = [];
  const log: { at: number; level: string; message: string }[] = [];
  const record = (level: string) => (message: string) => {
    log.push({ at: seconds(clock), level, message });
    const skipped = /skipped (\d+) slot/.exec(message);
    if (skipped !== null) skips.push({ at: seconds(clock), count: Number(skipped[1]) });
  };
  const { durations } = scenario;
  const timer = new Timer(
    scenario.delay,
    async ({ signal }) => {
      const index = ticks.length;
      const span: TickSpan = { index, start: seconds(clock), end: undefined, triggered: false };
      ticks.push(span);
      await virtualSleep(clock, durations[Math.min(index, durations.length - 1)] ?? 0, signal);
      if (!signal.aborted) span.end = seconds(clock);
      return index;
    },
    {
      driver: clock,
      mode: scenario.mode ?? "fixed_delay",
      jitter: scenario.jitter ?? 0,
      initialDelay: scenario.initialDelay ?? 0,
      name: scenario.label,
      logger: { warn: record("warn"), error: record("error"), info: record("info") },
    },
  );
  timer.start();
  for (const at of [...(scenario.triggers ?? [])].sort((a, b) => a - b)) {
    await clock.advance(Math.max(0, at - clock.seconds));
    triggers.push(seconds(clock));
    timer.trigger().then(
      (index) => {
        const span = ticks[index];
        if (span !== undefined) span.triggered = true;
      },
      () => {}, // cancelled at the horizon before it ran: nothing to mark
    );
  }
  await clock.advance(Math.max(0, horizon - clock.seconds));
  await clock.runUntil(timer.cancel());
  return { scenario, mode: timer.mode, horizon, ticks, triggers, skips, log };
}

/** What one consumer of a timer's values did. */
export interface ConsumerTrace {
  readonly label: string;
  /** Each value it handled, and when its handling started and ended. */
  readonly handled: { readonly value: number; readonly start: number; readonly end: number }[];
  /** Values produced while it listened that it never handled. */
  readonly missed: number[];
  /** For a subscription: values it lost to its bound (its `droppedCount`). */
  readonly dropped: number;
}

export interface DeliveryTrace {
  readonly horizon: number;
  /** Each tick's value and when it was published. */
  readonly produced: { readonly value: number; readonly at: number }[];
  readonly consumers: ConsumerTrace[];
}

/**
 * A producer ticking every `delay` seconds (fixed rate; values 1, 2, 3 …) and three consumers
 * that each take `work` seconds per value: one iterating the timer (latest value), one
 * unbounded subscription, one subscription with `maxsize`.
 */
export async function simulateDelivery(options: {
  readonly delay: number;
  readonly work: number;
  readonly maxsize: number;
  readonly horizon: number;
}): Promise<DeliveryTrace> {
  const { delay, work, maxsize, horizon } = options;
  const clock = new VirtualClock({ stallTimeout: 0 });
  const produced: { value: number; at: number }[] = [];
  let value = 0;
  const timer = new Timer(
    delay,
    () => {
      value += 1;
      produced.push({ value, at: seconds(clock) });
      return value;
    },
    { driver: clock, mode: "fixed_rate", logger: {} },
  );
  const pause = (duration: number) =>
    new Promise<void>((resolve) => clock.setWake(clock.now() + duration * 1000, resolve, false));

  const consume = async (
    label: string,
    source: AsyncIterable<number>,
    dropped: () => number,
  ): Promise<ConsumerTrace> => {
    const handled: { value: number; start: number; end: number }[] = [];
    for await (const item of source) {
      const start = seconds(clock);
      await pause(work);
      handled.push({ value: item, start, end: seconds(clock) });
    }
    const seen = new Set(handled.map((entry) => entry.value));
    const missed = produced.map((entry) => entry.value).filter((v) => !seen.has(v));
    return { label, handled, missed, dropped: dropped() };
  };

  const unbounded = timer.subscribe({ name: "every value" });
  const bounded = timer.subscribe({ maxsize, name: `maxsize ${maxsize}` });
  timer.start();
  const traces = Promise.all([
    consume("for await (… of timer)", timer, () => 0),
    consume("subscribe()", unbounded, () => unbounded.droppedCount),
    consume(`subscribe({ maxsize: ${maxsize} })`, bounded, () => bounded.droppedCount),
  ]);
  await clock.advance(horizon);
  // Stop producing; the subscriptions drain what they buffered, the iterator ends at once.
  await clock.runUntil(timer.cancel());
  const consumers = await clock.runUntil(traces);
  return { horizon, produced, consumers };
}
