/**
 * Metric 9: bytes a user ships for the minimal use of each subject (an entry that starts and
 * stops one loop), bundled by esbuild for the browser, minified, then gzipped (level 9); and the
 * number of runtime dependencies the installed package pulls in (transitively, unique names).
 * Our package also has a row for its whole API (every export kept), the figure issue #15's
 * "all of core" target is about.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Each entry does the job the other metrics measure: start a loop on `f`, and stop it. */
export const ENTRIES = {
  "floor-delay": {
    package: undefined,
    code: `export function start(f) {
  const s = { h: undefined, stopped: false };
  const loop = async () => { await f(); if (!s.stopped) s.h = setTimeout(loop, 10); };
  void loop();
  return s;
}
export function stop(s) { s.stopped = true; clearTimeout(s.h); }`,
  },
  "timer-delay": {
    package: "@async-timer/core",
    what: "Timer alone",
    code: `import { Timer } from "@async-timer/core";
export const start = (f) => new Timer(0.01, f).start();
export const stop = (t) => t.cancel();`,
  },
  "core-all": {
    package: "@async-timer/core",
    what: "the whole API (every export)",
    code: `export * from "@async-timer/core";`,
  },
  "sia-dynamic": {
    package: "set-interval-async",
    code: `import { setIntervalAsync, clearIntervalAsync } from "set-interval-async/dynamic";
export const start = (f) => setIntervalAsync(f, 10);
export const stop = (h) => clearIntervalAsync(h);`,
  },
  toad: {
    package: "toad-scheduler",
    code: `import { ToadScheduler, SimpleIntervalJob, AsyncTask } from "toad-scheduler";
const scheduler = new ToadScheduler();
export const start = (f) => scheduler.addSimpleIntervalJob(
  new SimpleIntervalJob({ milliseconds: 10 }, new AsyncTask("t", f), { id: "t", preventOverrun: true }));
export const stop = () => scheduler.removeById("t");`,
  },
  croner: {
    package: "croner",
    code: `import { Cron } from "croner";
export const start = (f) => new Cron("* * * * * *", { interval: 1, protect: true }, f);
export const stop = (job) => job.stop();`,
  },
  rxjs: {
    package: "rxjs",
    code: `import { interval, exhaustMap } from "rxjs";
export const start = (f) => interval(10).pipe(exhaustMap(() => f())).subscribe();
export const stop = (s) => s.unsubscribe();`,
  },
  "effect-spaced": {
    package: "effect",
    code: `import { Effect, Fiber, Schedule } from "effect";
export const start = (f) => Effect.runFork(Effect.repeat(Effect.promise(() => f()), Schedule.spaced(10)));
export const stop = (fiber) => Effect.runPromise(Fiber.interrupt(fiber));`,
  },
};

export async function measureSizes() {
  const { build } = await import("esbuild");
  const rows = [];
  for (const [subject, entry] of Object.entries(ENTRIES)) {
    const result = await build({
      stdin: { contents: entry.code, resolveDir: benchDir, loader: "js" },
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles[0].contents;
    const deps = entry.package === undefined ? [] : dependencyTree(entry.package);
    rows.push({
      subject,
      package: entry.package,
      what: entry.what,
      version: entry.package === undefined ? undefined : packageJson(entry.package).version,
      minified: code.length,
      value: gzipSync(code, { level: 9 }).length,
      dependencies: deps.length,
      dependencyNames: deps,
    });
  }
  return rows;
}

function packageDir(name, from = benchDir) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(dir) === dir) throw new Error(`cannot find ${name} from ${from}`);
  }
}

function packageJson(name, from) {
  return JSON.parse(readFileSync(join(packageDir(name, from), "package.json"), "utf8"));
}

/** Unique names of the runtime dependencies `name` installs, transitively. */
export function dependencyTree(name) {
  const seen = new Set();
  const visit = (pkg, from) => {
    const dir = packageDir(pkg, from);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      visit(dep, dir);
    }
  };
  visit(name, benchDir);
  return [...seen].sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await measureSizes(), null, 2));
}
