/** Runs one measurement child and returns the result object it printed. */
import { spawn } from "node:child_process";
import { RESULT_MARK } from "./child.mjs";

/**
 * @param {object} options
 * @param {string} options.script  absolute path of the child script
 * @param {string[]} [options.args]
 * @param {string[]} [options.flags]  node flags, e.g. --expose-gc
 * @param {string} [options.node]  the node binary (default: this one)
 * @param {number} [options.timeoutMs]
 * @returns {Promise<object>} the child's result, or `{ error }`
 */
export function runNode({
  script,
  args = [],
  flags = [],
  node = process.execPath,
  timeoutMs = 180_000,
}) {
  return new Promise((resolve) => {
    const child = spawn(node, [...flags, script, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARK));
      if (line !== undefined) {
        const result = JSON.parse(line.slice(RESULT_MARK.length));
        resolve(result);
        return;
      }
      const why =
        signal === "SIGKILL" ? `timed out after ${timeoutMs / 1000} s` : `exited ${code ?? signal}`;
      resolve({ error: `${why}; no result. ${stderr.trim().split("\n").slice(-6).join(" | ")}` });
    });
  });
}
