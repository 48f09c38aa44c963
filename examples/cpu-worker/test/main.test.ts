/**
 * The example as its user runs it: a real process, a real worker thread, the real clock.
 */
import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

// A worker thread runs plain Node, untouched by vitest: the program runs compiled, as deployed.
beforeAll(() => {
  const hint = "run the root `pnpm test`, or `pnpm build` first";
  if (!existsSync(main)) throw new Error(`${main} is missing: ${hint}`);
  for (const file of ["main.ts", "pricer.ts"]) {
    const source = fileURLToPath(new URL(`../src/${file}`, import.meta.url));
    if (statSync(source).mtimeMs > statSync(main).mtimeMs) {
      throw new Error(`dist is older than src/${file}: ${hint}`);
    }
  }
});

function runMain(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [main],
      { timeout: 30_000 },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

describe("the CPU worker example", () => {
  it("prices on fresh quotes while busy, stops the feed from the worker, and exits on its own", async () => {
    const { code, stdout, stderr } = await runMain();
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    const batch = /^batch (\d+): quote #(\d+) at 1\.\d{5} -> call worth \d\.\d{5} ± \d\.\d{5}$/;
    const batches = lines.filter((line) => batch.test(line));
    expect(batches.map((line) => Number(batch.exec(line)?.[1]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const seqs = batches.map((line) => Number(batch.exec(line)?.[2]));
    // The feed kept polling on the main thread while the worker was busy, and the worker saw it.
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBeGreaterThan(1);

    const [done, owner] = lines.slice(-2);
    const seen = /^pricer: done, (\d+) quotes seen; feed running: false$/.exec(done ?? "");
    expect(seen, done).not.toBeNull();
    // After cancelSync returned, the worker's view and the owner's agree: no poll after it.
    expect(owner).toBe(`owner: ${seen?.[1]} quotes polled; feed running: false`);
  }, 40_000);
});
