/**
 * Every example of the README runs here exactly as written — compiled by `tsc` in
 * standard-decorator mode (see `support/standard-decorators.ts`), on real time — with the
 * "your code" functions it calls stubbed, and must print what its `// → …` comments say.
 */
import { format } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readmeExamples } from "./support/standard-decorators.js";

const examples = readmeExamples();

/** Runs the README example `name`; returns what it printed with `console.log`. */
async function run(name: string): Promise<string[]> {
  const printed: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    printed.push(format(...args));
  });
  await import(/* @vite-ignore */ `virtual:readme/${name}`);
  return printed;
}

/** The `// → text` comments of an example, in order: what it must print. */
function expectedOutput(name: string): string[] {
  return (examples.get(name) ?? "")
    .split("\n")
    .flatMap((line) => /\/\/ → (.*)$/.exec(line)?.[1]?.trimEnd() ?? []);
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("the README", () => {
  it("marks its examples to be run here", () => {
    expect([...examples.keys()]).toEqual([
      "service",
      "await-using",
      "inheritance",
      "static-private",
    ]);
  });

  it("service: a provider whose cache refreshes itself", async () => {
    const signals: AbortSignal[] = [];
    const fetchPrices = vi.fn(async (signal: AbortSignal) => {
      signals.push(signal);
      return { ACME: 42, INITECH: 7 };
    });
    vi.stubGlobal("fetchPrices", fetchPrices);
    expect(await run("service")).toEqual(expectedOutput("service"));
    expect(expectedOutput("service")).toEqual(["42 1"]);
    // One tick, then the direct call. The tick had completed when onModuleDestroy cancelled the
    // timer: each tick has its own signal, aborted only if the tick is still running then.
    expect(fetchPrices).toHaveBeenCalledTimes(2);
    expect(signals.map((signal) => signal.aborted)).toEqual([false, false]);
  });

  it("await-using: leaving the scope cancels every timer", async () => {
    expect(await run("await-using")).toEqual(expectedOutput("await-using"));
    expect(expectedOutput("await-using")).toEqual(["3 false"]);
  });

  it("inheritance: inherited, replaced and kept schedules", async () => {
    vi.stubGlobal("refreshDb", async () => [{ id: 1, name: "ada" }]);
    vi.stubGlobal("logIt", async () => {});
    expect(await run("inheritance")).toEqual(expectedOutput("inheritance"));
    expect(expectedOutput("inheritance")).toEqual(["5", "60"]);
  });

  it("static-private: static and #private methods", async () => {
    const sleep = vi.fn(async () => {});
    vi.stubGlobal("sleep", sleep);
    expect(await run("static-private")).toEqual(expectedOutput("static-private"));
    expect(expectedOutput("static-private")).toEqual(["true"]);
    expect(sleep).toHaveBeenCalledTimes(1); // rotateKeys ticked once, at start()
  });
});
