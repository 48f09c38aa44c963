/**
 * Ctrl-C on `pnpm start`, as a terminal does it: SIGINT to the whole foreground process group
 * (pnpm, the shell, tsx and the service), and tsx relays it to the service once more. The service
 * must close, say what it closed, and exit 0 — so pnpm reports no failure.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const pnpm = join(repoRoot, "node_modules", ".bin", "pnpm");
let child: ChildProcess | undefined;

afterEach(() => {
  // A failed assertion must not leave the service running.
  if (child?.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    process.kill(-child.pid, "SIGKILL");
  }
});

it("Ctrl-C on `pnpm start` closes the server and the timer, says so, and exits 0", async () => {
  child = spawn(pnpm, ["--filter", "async-timer-example-http-cache", "start"], {
    cwd: repoRoot,
    detached: true, // a process group of its own, like a terminal's foreground job
    env: { ...process.env, PORT: "0", FORCE_COLOR: "0", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listening = new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Server listening at")) resolve();
    };
    child?.stdout?.on("data", read);
    child?.stderr?.on("data", read);
    child?.on("exit", () => reject(new Error(`exited before listening:\n${output}`)));
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child?.on("close", (code, signal) => resolve({ code, signal }));
  });
  await listening;
  process.kill(-(child.pid as number), "SIGINT");
  const { code, signal } = await exited;
  expect(output).toMatch(
    /SIGINT: server closed, timer cancelled \(Timer\(db_refresh, .*idle.*\)\), 0 handles left/,
  );
  expect(output).not.toContain("ERR_PNPM");
  expect({ code, signal }).toEqual({ code: 0, signal: null });
}, 60_000);
