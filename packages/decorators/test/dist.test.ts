/**
 * The built package, as a user's program meets it: a consumer compiled by `tsc` in
 * standard-decorator mode runs in a plain Node process (no Vite, no source condition), which
 * resolves `@async-timer/decorators` to `dist/` through the package's `exports`.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

beforeAll(() => {
  if (!existsSync(dist))
    throw new Error(`${dist} is missing: build first (the root "pnpm test" does).`);
});

function runCompiled(source: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      experimentalDecorators: false,
    },
  });
  return new Promise((resolve) => {
    // --eval resolves imports from the working directory: this package, which can import itself
    // by name, with Node's default conditions (dist, as published).
    execFile(
      process.execPath,
      ["--input-type=module", "--eval", outputText],
      { cwd: packageDir, timeout: 20_000 },
      (error, stdout, stderr) => {
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        });
      },
    );
  });
}

describe("the built package in plain Node", () => {
  it("runs a consumer's decorated class", async () => {
    const result = await runCompiled(`
      import { every, timerOf, timersOf } from "@async-timer/decorators";

      class Counter {
        count = 0;
        @every("20ms", { unref: true })
        tick() {
          return ++this.count;
        }
        @every(60)
        static reset() {}
      }

      const counter = new Counter();
      const group = timersOf(counter).start();
      const value = await timerOf(counter, "tick").wait({ hitCount: 3, timeout: 10 });
      await group.cancel();
      console.log(value, counter.count, String(group), timerOf(Counter, "reset").name);
    `);
    expect(result).toEqual({
      code: 0,
      stdout: "3 3 TimerGroup(Counter, 1 timer, idle) Counter.reset\n",
      stderr: "",
    });
  });

  it("explains a legacy-compiled decorator at class definition", async () => {
    const { outputText } = ts.transpileModule(
      `import { every } from "@async-timer/decorators";
       class Legacy { @every(1) poll() {} }`,
      {
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          experimentalDecorators: true,
        },
      },
    );
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--input-type=module", "--eval", outputText],
        { cwd: packageDir, timeout: 20_000 },
        (error, _stdout, stderr) => resolve({ code: error ? 1 : 0, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "TypeError: @every is a standard (TC39, TypeScript 5) decorator, but it was called with legacy decorator arguments",
    );
  });
});
