import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { requireDist } from "./helpers.js";

beforeAll(requireDist);

const main = fileURLToPath(new URL("../example/cache-refresh/main.mjs", import.meta.url));

describe("the README's example", () => {
  it("serves from the shared cache, cancels the refresh from the worker, and exits on its own", async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>(
      (resolve) => {
        const child = execFile(process.execPath, [main], { timeout: 20_000 }, (_error, out) =>
          resolve({ code: child.exitCode, stdout: out }),
        );
      },
    );
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(
      lines.filter((line) => /^reader: alice \(v\d+\) \(refresh #\d+, \d+ ms old\)$/.test(line))
        .length,
    ).toBeGreaterThanOrEqual(2);
    expect(lines.slice(-2)).toEqual([
      "reader: cancelled the refresh; running: false",
      "owner: reader gone; timer running: false",
    ]);
  });
});
