import { defineProject } from "vitest/config";
import { setupFiles, sourceResolution } from "../../vitest.shared.js";

export default defineProject({
  ...sourceResolution,
  test: {
    name: "node-threads",
    setupFiles,
    include: ["test/**/*.test.ts"],
    // Real worker threads: starting one takes tens of milliseconds, more on a loaded machine.
    // The tests check behaviour with generous margins; this only bounds a hang.
    testTimeout: 20_000,
  },
});
