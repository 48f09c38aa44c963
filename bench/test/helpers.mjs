import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The scripts import the built packages: say so plainly when they are not built. */
export function requireBuild() {
  for (const pkg of ["core", "testing"]) {
    const dist = join(benchDir, "..", "packages", pkg, "dist", "index.js");
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`pnpm build\` first`);
  }
}

/** Runs `node script …args` in bench/ and resolves with its exit code and output. */
export function runScript(script, args = []) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(benchDir, script), ...args], {
      cwd: benchDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c) => {
      stderr += c;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
