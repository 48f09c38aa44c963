/**
 * TypeScript 5 features a user meets in the first hour, from the packed tarballs: `@every` and
 * `await using` compiled by `tsc` with the `target` Getting started documents, run on every Node
 * line of the matrix; why the default target fails; and a vitest 4 test that uses `@every` with
 * the one-line config of `@async-timer/decorators/vite`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { runtimes } from "../scripts/install-runtimes.mjs";
import { docsRoot } from "../scripts/workspace.mjs";

const consumer = inject("consumer");
const tsc = join(docsRoot, "node_modules", "typescript", "bin", "tsc");

function write(path: string, content: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
  return path;
}

function compile(project: string): void {
  try {
    execFileSync(process.execPath, [tsc, "-p", project], { encoding: "utf8" });
  } catch (error) {
    throw new Error(`tsc -p ${project} failed:\n${(error as { stdout?: string }).stdout ?? ""}`);
  }
}

/** Runs `file` on a Node binary: its exit status and everything it printed. */
function run(node: string, file: string) {
  const result = spawnSync(node, [file], { cwd: consumer, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Node 20 (this process) and the matrix's other Node lines. */
const nodes: [string, string][] = [
  [`node ${process.versions.node}`, process.execPath],
  ...runtimes()
    .filter((runtime) => runtime.name.startsWith("node"))
    .map((runtime): [string, string] => [`${runtime.name} ${runtime.version}`, runtime.binary]),
];
const major = (name: string) => Number(/^node\D*(\d+)/.exec(name)?.[1]);

describe("TypeScript's target", () => {
  const dir = join(consumer, "ts-target");
  // Getting started's advice: `"target": "ES2022"` (anything up to ES2024) with
  // `"module": "nodenext"`, whose own default target, ESNext, emits both features untouched.
  const compilerOptions = {
    module: "nodenext",
    moduleResolution: "nodenext",
    target: "es2022",
    lib: ["es2023", "esnext.disposable"],
    strict: true,
    types: ["node"],
    rootDir: "src",
  };
  write(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  write(
    join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { ...compilerOptions, outDir: "es2022" }, include: ["src"] }),
  );
  write(
    join(dir, "tsconfig.esnext.json"),
    JSON.stringify({
      compilerOptions: { ...compilerOptions, target: "esnext", outDir: "esnext" },
      include: ["src"],
    }),
  );
  write(
    join(dir, "src", "decorated.ts"),
    [
      `import { every, timersOf } from "@async-timer/decorators";`,
      `import { VirtualClock } from "@async-timer/testing";`,
      `const clock = new VirtualClock();`,
      `class Cache {`,
      `  refreshes = 0;`,
      `  @every(60, { driver: clock })`,
      `  refresh(): number {`,
      `    return ++this.refreshes;`,
      `  }`,
      `}`,
      `const cache = new Cache();`,
      `{`,
      `  await using timers = timersOf(cache).start();`,
      `  await clock.advance(120);`,
      `}`,
      `console.log(cache.refreshes, timersOf(cache).isRunning());`,
    ].join("\n"),
  );
  write(
    join(dir, "src", "scoped.ts"),
    [
      `import { Timer } from "@async-timer/core";`,
      `import { VirtualClock } from "@async-timer/testing";`,
      `const clock = new VirtualClock();`,
      `let ticks = 0;`,
      `let timer: Timer<number> | undefined;`,
      `{`,
      `  await using scoped = new Timer(60, () => ++ticks, { driver: clock }).start();`,
      `  timer = scoped;`,
      `  await clock.advance(60);`,
      `}`,
      `console.log(ticks, timer.isRunning());`,
    ].join("\n"),
  );
  compile(join(dir, "tsconfig.json"));
  compile(join(dir, "tsconfig.esnext.json"));

  it.each(nodes)("ES2022: @every and await using run on %s", (_name, node) => {
    if (!existsSync(node)) {
      throw new Error(`${node} is missing: run \`node apps/docs/scripts/install-runtimes.mjs\``);
    }
    expect(run(node, join(dir, "es2022", "decorated.js"))).toEqual({
      status: 0,
      output: "3 false\n",
    });
    expect(run(node, join(dir, "es2022", "scoped.js"))).toEqual({ status: 0, output: "2 false\n" });
  });

  it.each(nodes)(
    "ESNext (nodenext's default) emits @every as is: %s cannot parse it",
    (_n, node) => {
      const { status, output } = run(node, join(dir, "esnext", "decorated.js"));
      expect(status).not.toBe(0);
      expect(output).toContain("SyntaxError");
    },
  );

  it.each(nodes)(
    "ESNext emits await using as is: native on Node 24+, not before (%s)",
    (name, node) => {
      const result = run(node, join(dir, "esnext", "scoped.js"));
      if (major(name) >= 24) expect(result).toEqual({ status: 0, output: "2 false\n" });
      else expect(result.output).toContain("SyntaxError");
    },
  );
});

describe("vitest 4 and @every", () => {
  const dir = join(consumer, "vitest-every");
  const vitest = join(consumer, "node_modules", "vitest", "vitest.mjs");
  write(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  // The one line Getting started and the decorators README document.
  write(
    join(dir, "vitest.config.ts"),
    [
      `import { defineConfig } from "vitest/config";`,
      `import { standardDecorators } from "@async-timer/decorators/vite";`,
      ``,
      `export default defineConfig({ plugins: [standardDecorators()] });`,
    ].join("\n"),
  );
  write(join(dir, "vitest.bare.config.ts"), `export default {};\n`);
  write(
    join(dir, "src", "price-cache.ts"),
    [
      `import { every } from "@async-timer/decorators";`,
      `export class PriceCache {`,
      `  refreshes = 0;`,
      `  @every(5)`,
      `  async refresh(): Promise<number> {`,
      `    return ++this.refreshes;`,
      `  }`,
      `}`,
    ].join("\n"),
  );
  write(
    join(dir, "test", "price-cache.test.ts"),
    [
      `import { every, timerOf } from "@async-timer/decorators";`,
      `import { VirtualClock } from "@async-timer/testing";`,
      `import { expect, it, vi } from "vitest";`,
      `import { PriceCache } from "../src/price-cache";`,
      ``,
      `const clock = new VirtualClock();`,
      `class Heartbeat {`,
      `  beats = 0;`,
      `  @every(1, { driver: clock })`,
      `  beat(): number {`,
      `    return ++this.beats;`,
      `  }`,
      `}`,
      ``,
      `it("ticks a decorated method of the test file on the virtual clock", async () => {`,
      `  const heartbeat = new Heartbeat();`,
      `  const timer = timerOf(heartbeat, "beat").start();`,
      `  await clock.advance(3);`,
      `  expect(heartbeat.beats).toBe(4); // at 0, 1, 2 and 3 s`,
      `  await clock.runUntil(timer.cancel());`,
      `});`,
      ``,
      `it("ticks a decorated method of the application under vi.useFakeTimers()", async () => {`,
      `  vi.useFakeTimers();`,
      `  try {`,
      `    const cache = new PriceCache();`,
      `    const timer = timerOf(cache, "refresh").start();`,
      `    await vi.advanceTimersByTimeAsync(10_000);`,
      `    expect(cache.refreshes).toBe(3); // at 0, 5 and 10 s`,
      `    await timer.cancel();`,
      `  } finally {`,
      `    vi.useRealTimers();`,
      `  }`,
      `});`,
    ].join("\n"),
  );

  const vitestRun = (...args: string[]) => {
    const result = spawnSync(process.execPath, [vitest, "run", ...args], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", CI: "1" },
      timeout: 120_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };

  it("runs a test that uses @every with plugins: [standardDecorators()]", () => {
    const { status, output } = vitestRun();
    expect(output).toMatch(/Tests\s+2 passed \(2\)/);
    expect(status, output).toBe(0);
  });

  it("without the plugin stops at the decorator with a SyntaxError (why it exists)", () => {
    const { status, output } = vitestRun("-c", "vitest.bare.config.ts");
    expect(status).not.toBe(0);
    expect(output).toContain("SyntaxError");
  });
});
