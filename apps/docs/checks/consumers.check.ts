/**
 * The consumer smoke test: the packed tarballs, installed into a fresh project outside the
 * workspace, imported the ways users import them — plain ESM, `require()` from CommonJS
 * (Node 20.19+/22.12+ load ES modules with it), and TypeScript compiled with
 * `moduleResolution: "nodenext"` (ESM and CommonJS files) and `"bundler"` (then bundled).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { docsRoot } from "../scripts/workspace.mjs";

const packed = inject("packed");
const consumer = inject("consumer");
const specifiers = packed.flatMap((p) => p.entries);
/** What a browser app may import: every entry of the packages that need no Node built-in. */
const portable = packed.filter((p) => !p.nodeOnly).flatMap((p) => p.entries);
const tsc = join(docsRoot, "node_modules", "typescript", "bin", "tsc");

function node(file: string, cwd = consumer): string {
  return execFileSync(process.execPath, [file], { cwd, encoding: "utf8" });
}

function write(path: string, content: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** A browser app's compiler options: bundler resolution, no Node types. */
const BUNDLER = {
  module: "esnext",
  moduleResolution: "bundler",
  target: "es2022",
  strict: true,
  noEmit: true,
  types: [],
};

/** The oldest TypeScript the packages' types support (README: getting started). */
const oldestTsc = join(docsRoot, "node_modules", "typescript-oldest", "bin", "tsc");

function compile(project: string, compiler = tsc): void {
  try {
    execFileSync(process.execPath, [compiler, "-p", project], { encoding: "utf8" });
  } catch (error) {
    throw new Error(`tsc -p ${project} failed:\n${(error as { stdout?: string }).stdout ?? ""}`);
  }
}

/** A few lines that use the core API for real, on the virtual clock when testing is there. */
const behaviour = `
const clock = new VirtualClock();
const timer = new Timer(60, () => "tick", { driver: clock }).start();
await clock.advance(3600);
const hits = timer.hitCount;
await timer.cancel();
`;

describe("the packed packages, installed outside the workspace", () => {
  it("import from plain ESM, every entry point", () => {
    const file = write(
      join(consumer, "esm", "index.mjs"),
      [
        ...specifiers.map((spec, i) => `import * as m${i} from ${JSON.stringify(spec)};`),
        `import { Timer } from "@async-timer/core";`,
        `import { VirtualClock } from "@async-timer/testing";`,
        behaviour,
        `const sizes = [${specifiers.map((_, i) => `Object.keys(m${i}).length`).join(", ")}];`,
        `console.log(JSON.stringify({ hits, sizes }));`,
      ].join("\n"),
    );
    const result = JSON.parse(node(file)) as { hits: number; sizes: number[] };
    expect(result.hits).toBe(61);
    expect(result.sizes.every((size) => size > 0)).toBe(true);
  });

  it("require() from CommonJS, and it is the same module as import", () => {
    const file = write(
      join(consumer, "cjs", "index.cjs"),
      [
        `const loaded = ${JSON.stringify(specifiers)}.map((spec) => [spec, require(spec)]);`,
        `const { Timer, TimerCancelledError } = require("@async-timer/core");`,
        `import("@async-timer/core").then((esm) => {`,
        `  const timer = new Timer(1, () => 1);`,
        `  console.log(JSON.stringify({`,
        `    empty: loaded.filter(([, m]) => Object.keys(m).length === 0).map(([s]) => s),`,
        `    same: esm.Timer === Timer && esm.TimerCancelledError === TimerCancelledError,`,
        `    text: String(timer),`,
        `  }));`,
        `});`,
      ].join("\n"),
    );
    const result = JSON.parse(node(file)) as { empty: string[]; same: boolean; text: string };
    expect(result.empty).toEqual([]);
    expect(result.same).toBe(true);
    expect(result.text).toBe("Timer(delay=1s, fixed_delay, idle, hits=0)");
  });

  it('type-check and run from TypeScript with moduleResolution "nodenext" (ESM and CommonJS)', () => {
    const dir = join(consumer, "ts-nodenext");
    write(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2023", "esnext.disposable", "dom"],
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          outDir: "out",
          rootDir: "src",
          types: ["node"],
        },
        include: ["src"],
      }),
    );
    write(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    write(
      join(dir, "src", "esm.ts"),
      [
        ...specifiers.map((spec, i) => `import * as m${i} from ${JSON.stringify(spec)};`),
        `import { Timer, type Subscription } from "@async-timer/core";`,
        `import { VirtualClock } from "@async-timer/testing";`,
        `void [${specifiers.map((_, i) => `m${i}`).join(", ")}];`,
        `const typed: Timer<string> = new Timer(60, () => "tick");`,
        `const feed: Subscription<string> = typed.subscribe({ maxsize: 1 });`,
        `feed.close();`,
        behaviour,
        `console.log(hits);`,
      ].join("\n"),
    );
    write(
      join(dir, "src", "cjs.cts"),
      [
        `import { Timer } from "@async-timer/core";`,
        `const timer: Timer<number> = new Timer("250ms", () => 42);`,
        `console.log(String(timer));`,
      ].join("\n"),
    );
    compile(join(dir, "tsconfig.json"));
    expect(node(join(dir, "out", "esm.js")).trim()).toBe("61");
    expect(node(join(dir, "out", "cjs.cjs")).trim()).toBe(
      "Timer(delay=0.25s, fixed_delay, idle, hits=0)",
    );
  });

  it("type-check core and decorators with the oldest TypeScript their types support (5.2)", () => {
    const dir = join(consumer, "ts-oldest");
    write(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          ...BUNDLER,
          lib: ["es2022", "esnext.disposable", "dom"],
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
        },
        include: ["src"],
      }),
    );
    write(
      join(dir, "src", "app.ts"),
      [
        `import { Timer, TimerGroup, every } from "@async-timer/core";`,
        `import { every as repeat, timerOf } from "@async-timer/decorators";`,
        `export async function use(): Promise<number> {`,
        `  await using timer = new Timer(5, async () => 42).start();`,
        `  for await (const value of timer) return value;`,
        `  for await (const value of timer.subscribe({ maxsize: undefined })) return value;`,
        `  void new TimerGroup([timer]).wait({ hits: 1 });`,
        `  return every(1)(() => 1).func();`,
        `}`,
        `export class Cache {`,
        `  @repeat(5) refresh(): number { return 1; }`,
        `}`,
        `export const refreshing: Timer<number> = timerOf(new Cache(), "refresh");`,
      ].join("\n"),
    );
    compile(join(dir, "tsconfig.json"), oldestTsc);
  });

  it('type-check with moduleResolution "bundler" and no Node types, bundle for browsers, run', async () => {
    const dir = join(consumer, "ts-bundler");
    write(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { ...BUNDLER, lib: ["es2023", "esnext.disposable", "dom"] },
        include: ["src"],
      }),
    );
    write(
      join(dir, "src", "app.ts"),
      [
        ...portable.map((spec, i) => `import * as m${i} from ${JSON.stringify(spec)};`),
        `import { Timer } from "@async-timer/core";`,
        `import { VirtualClock } from "@async-timer/testing";`,
        `void [${portable.map((_, i) => `m${i}`).join(", ")}];`,
        behaviour,
        `console.log(hits);`,
      ].join("\n"),
    );
    compile(join(dir, "tsconfig.json"));
    const { build } = await import("esbuild");
    await build({
      entryPoints: [join(dir, "src", "app.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      outfile: join(dir, "out", "app.mjs"),
      logLevel: "error",
    });
    expect(node(join(dir, "out", "app.mjs")).trim()).toBe("61");
  });
});
