/**
 * Every subject of the bench, doing the same job: run an async `target` every `delay` ms, never
 * overlapping itself, until stopped. Each subject is loaded lazily (a child process imports only
 * the library it measures) and exposes:
 *
 *   start(delayMs, target, { immediate }) → handle   (immediate: first tick at start, if the
 *                                                     library can; otherwise after one delay)
 *   stop(handle) → void | Promise<void>
 *
 * `floor` names the hand-written loop a subject's ratio is taken against.
 */

/** Subjects that follow the rate (a grid of slots) rather than a delay after each tick. */
export const SUBJECTS = {
  "floor-delay": {
    label: "raw setTimeout loop, fixed delay (floor)",
    floor: "floor-delay",
    isFloor: true,
    load: async () => ({
      start(delay, target, { immediate }) {
        const state = { handle: undefined, stopped: false };
        const loop = async () => {
          await target();
          if (!state.stopped) state.handle = setTimeout(loop, delay);
        };
        if (immediate) void loop();
        else state.handle = setTimeout(loop, delay);
        return state;
      },
      stop(state) {
        state.stopped = true;
        clearTimeout(state.handle);
      },
    }),
  },

  "floor-rate": {
    label: "raw setTimeout loop, fixed rate (floor)",
    floor: "floor-rate",
    isFloor: true,
    rate: true,
    load: async () => ({
      start(delay, target, { immediate }) {
        const state = { handle: undefined, stopped: false };
        let anchor = -1;
        let slot = 0;
        const loop = async () => {
          if (anchor < 0) anchor = performance.now();
          await target();
          if (state.stopped) return;
          const now = performance.now();
          // The next slot at or after now; slots the tick ran past are skipped.
          slot = Math.max(slot + 1, Math.ceil((now - anchor) / delay));
          state.handle = setTimeout(loop, Math.ceil(anchor + slot * delay - now));
        };
        if (immediate) void loop();
        else state.handle = setTimeout(loop, delay);
        return state;
      },
      stop(state) {
        state.stopped = true;
        clearTimeout(state.handle);
      },
    }),
  },

  "floor-als": {
    label: "raw setTimeout loop, fixed delay, AsyncLocalStorage enabled in the process",
    floor: "floor-delay",
    isFloor: true,
    // The child enables AsyncLocalStorage before anything else (lib/child.mjs).
    als: true,
    load: async () => SUBJECTS["floor-delay"].load(),
  },

  "floor-rate-als": {
    label: "raw setTimeout loop, fixed rate, AsyncLocalStorage enabled in the process",
    floor: "floor-rate",
    isFloor: true,
    rate: true,
    als: true,
    load: async () => SUBJECTS["floor-rate"].load(),
  },

  "ref-refresh": {
    label: "reference: one Timeout re-armed with refresh(), the target observed with one .then()",
    floor: "floor-delay",
    reference: true,
    // Fixed delay: refresh() re-arms the same Timeout `delay` after the target settles, so no
    // Timeout, closure or promise is made per tick besides the target's and the .then()'s.
    load: async () => ({
      start(delay, target, { immediate }) {
        const state = { handle: undefined, stopped: false };
        const settled = () => {
          if (!state.stopped) state.handle.refresh();
        };
        const tick = () => void target().then(settled, settled);
        state.handle = setTimeout(tick, delay);
        if (immediate) tick();
        return state;
      },
      stop(state) {
        state.stopped = true;
        clearTimeout(state.handle);
      },
    }),
  },

  "timer-delay": {
    label: "@async-timer/core Timer, fixed_delay",
    floor: "floor-delay",
    ours: true,
    package: "@async-timer/core",
    load: async () => timerSubject("fixed_delay"),
  },

  "timer-rate": {
    label: "@async-timer/core Timer, fixed_rate",
    floor: "floor-rate",
    ours: true,
    rate: true,
    package: "@async-timer/core",
    load: async () => timerSubject("fixed_rate"),
  },

  "sia-dynamic": {
    label: "set-interval-async/dynamic",
    floor: "floor-rate",
    rate: true,
    package: "set-interval-async",
    noImmediate: true,
    load: async () => {
      const { setIntervalAsync, clearIntervalAsync } = await import("set-interval-async/dynamic");
      return {
        start: (delay, target) => setIntervalAsync(target, delay),
        stop: (handle) => clearIntervalAsync(handle),
      };
    },
  },

  "sia-fixed": {
    label: "set-interval-async/fixed",
    floor: "floor-delay",
    package: "set-interval-async",
    noImmediate: true,
    load: async () => {
      const { setIntervalAsync, clearIntervalAsync } = await import("set-interval-async/fixed");
      return {
        start: (delay, target) => setIntervalAsync(target, delay),
        stop: (handle) => clearIntervalAsync(handle),
      };
    },
  },

  toad: {
    label: "toad-scheduler SimpleIntervalJob + AsyncTask, preventOverrun",
    // setInterval underneath: ticks on the interval's own grid, skipping while one runs.
    floor: "floor-rate",
    rate: true,
    package: "toad-scheduler",
    load: async () => {
      const { ToadScheduler, SimpleIntervalJob, AsyncTask } = await import("toad-scheduler");
      const scheduler = new ToadScheduler();
      let id = 0;
      return {
        start(delay, target, { immediate }) {
          const job = new SimpleIntervalJob(
            { milliseconds: delay, runImmediately: immediate },
            new AsyncTask("bench", target),
            { id: String(++id), preventOverrun: true },
          );
          scheduler.addSimpleIntervalJob(job);
          return job.id;
        },
        stop: (jobId) => void scheduler.removeById(jobId),
      };
    },
  },

  croner: {
    label: "croner, `interval` option, protect",
    floor: "floor-delay",
    package: "croner",
    // Patterns have one-second resolution and `interval` counts whole seconds.
    minDelay: 1000,
    load: async () => {
      const { Cron } = await import("croner");
      return {
        start(delay, target, { immediate }) {
          if (delay < 1000 || delay % 1000 !== 0) {
            throw new RangeError(`croner runs on whole seconds; cannot run every ${delay} ms`);
          }
          const job = new Cron("* * * * * *", { interval: delay / 1000, protect: true }, target);
          // croner's first run is at the next whole second: `trigger()` is its "run now".
          if (immediate) void job.trigger();
          return job;
        },
        stop: (job) => job.stop(),
      };
    },
  },

  rxjs: {
    label: "RxJS interval + exhaustMap",
    // setInterval underneath.
    floor: "floor-rate",
    rate: true,
    package: "rxjs",
    load: async () => {
      const { interval, timer, exhaustMap } = await import("rxjs");
      return {
        start(delay, target, { immediate }) {
          const source = immediate ? timer(0, delay) : interval(delay);
          return source.pipe(exhaustMap(() => target())).subscribe();
        },
        stop: (subscription) => subscription.unsubscribe(),
      };
    },
  },

  "effect-spaced": {
    label: "Effect repeat + Schedule.spaced",
    floor: "floor-delay",
    package: "effect",
    load: async () => effectSubject("spaced"),
  },

  "effect-fixed": {
    label: "Effect repeat + Schedule.fixed",
    floor: "floor-rate",
    rate: true,
    package: "effect",
    load: async () => effectSubject("fixed"),
  },
};

/**
 * What our Timer logs in the bench (fixed_rate skips, bounded-queue drops, and the summary lines
 * that stand for a run of them) is counted, not printed: no peer logs, and printing thousands of
 * lines to a pipe would measure the pipe. Each line is counted under its level and under its kind:
 * the message without the `[async-timer] ` prefix (the bench names no timer) and with every number
 * replaced by `#`, so
 * a first line, its rate-limited summaries ("… 120 more in the last 10 s …") and the closing line
 * are told apart however the figures in them change.
 */
export const logCounts = { debug: 0, info: 0, warn: 0, error: 0 };
/** Lines per kind, e.g. `{ "warn fixed_rate: skipped # slots; …": 3 }` (at most 20 kinds), among the first 1,000 lines. */
export const logKinds = {};

/** The kind of a log line: its level and its text with the prefix dropped and numbers masked. */
export function logKind(level, message) {
  const text = String(message)
    .replace(/^\[async-timer\] /, "")
    .replace(/\d+(?:[.,]\d+)*/g, "#");
  return `${level} ${text.slice(0, 100)}`;
}

/**
 * Lines classified by kind: the first ones of a process only, so that a timer logging every tick
 * (as fixed_rate skips did before they were summarised) does not have the logger's own string
 * work counted in its CPU and allocation figures.
 */
const CLASSIFIED = 1000;
let classified = 0;

function count(level) {
  return (message) => {
    logCounts[level]++;
    if (classified >= CLASSIFIED) return;
    classified++;
    const kind = logKind(level, message);
    if (kind in logKinds) logKinds[kind]++;
    else if (Object.keys(logKinds).length < 20) logKinds[kind] = 1;
  };
}

export const countingLogger = {
  debug: count("debug"),
  info: count("info"),
  warn: count("warn"),
  error: count("error"),
};

/** What a child reports about our Timer's log lines (see {@link countingLogger}). */
export function logReport() {
  return { ...logCounts, kinds: { ...logKinds } };
}

async function timerSubject(mode) {
  const { Timer } = await import("@async-timer/core");
  return {
    start(delay, target, { immediate }) {
      const seconds = delay / 1000;
      return new Timer(seconds, target, {
        mode,
        initialDelay: immediate ? 0 : seconds,
        logger: countingLogger,
      }).start();
    },
    stop: (timer) => timer.cancel(),
  };
}

async function effectSubject(kind) {
  const { Effect, Fiber, Schedule } = await import("effect");
  return {
    start(delay, target, { immediate }) {
      const schedule = kind === "fixed" ? Schedule.fixed(delay) : Schedule.spaced(delay);
      const repeated = Effect.repeat(
        Effect.promise(() => target()),
        schedule,
      );
      return Effect.runFork(immediate ? repeated : Effect.delay(repeated, delay));
    },
    stop: (fiber) => Effect.runPromise(Fiber.interrupt(fiber)),
  };
}

/** Loads a subject's implementation by id. */
export async function loadSubject(id) {
  const subject = SUBJECTS[id];
  if (subject === undefined) throw new RangeError(`unknown subject ${id}`);
  return subject.load();
}
