/**
 * async-timer in a terminal, for a few seconds:
 *
 * - `cache`   fixed_delay, every 1 s: each sleep starts when the tick ends, so a slow tick
 *             pushes the next one back.
 * - `metrics` fixed_rate, every 0.5 s: ticks stay on their grid; one slow tick runs past two
 *             slots, which are skipped (and logged), not run back to back.
 * - a trigger fires `cache` early, and the schedule resumes from there;
 * - a slow exporter subscribes to `metrics` with a bounded queue and drops the oldest values;
 * - everything is cancelled cleanly, and no handle is left behind.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type Logger, Timer, TimerGroup } from "@async-timer/core";

const start = performance.now();
const tty = process.stdout.isTTY;
const paint = (code: number, text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const colour = { cache: 36, metrics: 35, exporter: 33, demo: 1, warn: 31 } as const;

function say(who: keyof typeof colour, message: string): void {
  const t = `${((performance.now() - start) / 1000).toFixed(2)}s`.padStart(6);
  console.log(`${paint(90, t)}  ${paint(colour[who], who.padEnd(8))} ${message}`);
}

/** The timers' warn lines (skips, drops) shown in the same timeline. */
const logger: Logger = {
  warn: (line) => say("warn", paint(colour.warn, line.replace("[async-timer] ", ""))),
  error: (line, error) => say("warn", `${line} ${String(error)}`),
};

let version = 0;
const cache = new Timer(
  1,
  async ({ hitCount }) => {
    const slow = hitCount === 1; // the second refresh hits a slow database
    say("cache", `refresh #${hitCount + 1} starts${slow ? " (slow: 1.2 s)" : ""}`);
    await sleep(slow ? 1200 : 150);
    version++;
    return `v${version}`;
  },
  { name: "cache", logger },
);

let sample = 0;
const metrics = new Timer(
  0.5,
  async ({ hitCount }) => {
    const slow = hitCount === 4;
    say(
      "metrics",
      `sample #${hitCount + 1}${slow ? " stalls for 1.2 s: it will run past 2 slots" : ""}`,
    );
    await sleep(slow ? 1200 : 20);
    return ++sample;
  },
  { name: "metrics", mode: "fixed_rate", logger },
);

await using group = new TimerGroup([cache, metrics], { name: "demo", logger });

console.log(
  paint(
    90,
    "cache: fixed_delay 1 s (sleeps after each refresh) · metrics: fixed_rate 0.5 s (fixed grid)",
  ),
);
say("demo", `starting ${group}`);
group.start();

// A slow exporter: takes 1.1 s per value; its queue holds 3, the oldest are dropped.
const feed = metrics.subscribe({ maxsize: 3, name: "exporter" });
const exporter = (async () => {
  for await (const value of feed) {
    say(
      "exporter",
      `exporting sample ${value} (queue ${feed.qsize}, dropped ${feed.droppedCount})`,
    );
    await sleep(1100);
  }
  say("exporter", `feed ended after the timer stopped; ${feed.droppedCount} values dropped in all`);
})();

// Latest-value readers just look: no blocking, no queue.
const cacheLog = (async () => {
  for await (const value of cache)
    say("cache", `refreshed → ${value}  (lastResult=${cache.lastResult})`);
})();

await sleep(3300);
say("demo", "POST /refresh → cache.trigger()");
const forced = await cache.trigger();
say("demo", `trigger() returned ${forced}; the next refresh is 1 s after this one`);

await sleep(2500);
say("demo", `cancelling: ${cache}, ${metrics}`);
await group.cancel();
say(
  "demo",
  `cancelled: running=${group.isRunning()}; cache hits=${cache.hitCount}, metrics hits=${metrics.hitCount}`,
);
await Promise.all([exporter, cacheLog]);

const timers = process
  .getActiveResourcesInfo()
  .filter((kind) => kind === "Timeout" || kind === "Immediate");
say(
  "demo",
  `timer handles left: ${timers.length === 0 ? "none" : timers.join(", ")}; the process exits by itself`,
);
