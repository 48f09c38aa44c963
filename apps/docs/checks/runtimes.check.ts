/**
 * The runtime matrix: checks/runtime-smoke.mjs (plain JavaScript, no Node API) against the
 * packed packages on Node 20 (this process), 22, 24 and 26, Bun and Deno, and bundled into a page
 * in headless Chromium. Runtimes come from scripts/install-runtimes.mjs.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { runtimes } from "../scripts/install-runtimes.mjs";
import { docsRoot } from "../scripts/workspace.mjs";
import { launchChromium, serveDirectory } from "./browser.js";

const consumer = inject("consumer");
const smoke = join(consumer, "runtime-smoke.mjs");
copyFileSync(join(docsRoot, "checks", "runtime-smoke.mjs"), smoke);

/** The closing line of the smoke test, which must report every test passed. */
function verdict(output: string): { passed: number; failed: number } {
  const line = /^(\d+) passed, (\d+) failed$/m.exec(output);
  if (line === null) throw new Error(`no "N passed, M failed" line in:\n${output}`);
  return { passed: Number(line[1]), failed: Number(line[2]) };
}

const TESTS = 14;

const commands: [string, string, string[]][] = [
  [`node ${process.versions.node}`, process.execPath, [smoke]],
  ...runtimes().map((runtime): [string, string, string[]] => [
    `${runtime.name} ${runtime.version}`,
    runtime.binary,
    runtime.name === "deno" ? ["run", "--allow-read", "--allow-env", smoke] : [smoke],
  ]),
];

describe("the runtime matrix", () => {
  it.each(commands)("%s passes the smoke test", (_name, binary, args) => {
    if (!existsSync(binary)) {
      throw new Error(`${binary} is missing: run \`node apps/docs/scripts/install-runtimes.mjs\``);
    }
    let output: string;
    try {
      output = execFileSync(binary, args, {
        cwd: consumer,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
        timeout: 60_000,
      });
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      throw new Error(`exited with an error:\n${failed.stdout ?? ""}\n${failed.stderr ?? ""}`);
    }
    expect(verdict(output)).toEqual({ passed: TESTS, failed: 0 });
  });

  it("headless Chromium (a bundled page) passes the smoke test", async () => {
    const page = join(consumer, "browser");
    mkdirSync(page, { recursive: true });
    const { build } = await import("esbuild");
    await build({
      entryPoints: [smoke],
      absWorkingDir: consumer,
      bundle: true,
      format: "esm",
      platform: "browser",
      outfile: join(page, "smoke.js"),
      logLevel: "error",
    });
    writeFileSync(
      join(page, "index.html"),
      '<!doctype html><meta charset="utf-8"><title>smoke</title><script type="module" src="smoke.js"></script>\n',
    );
    const server = await serveDirectory(page);
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage();
      const lines: string[] = [];
      const errors: string[] = [];
      tab.on("console", (message) => lines.push(message.text()));
      tab.on("pageerror", (error) => errors.push(error.message));
      await tab.goto(server.url);
      await tab.waitForFunction(() => "__smoke" in globalThis, undefined, { timeout: 60_000 });
      expect(errors).toEqual([]);
      expect(verdict(lines.join("\n"))).toEqual({ passed: TESTS, failed: 0 });
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});
