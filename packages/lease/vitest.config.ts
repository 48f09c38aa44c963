import { defineProject } from "vitest/config";
import { setupFiles, sourceResolution } from "../../vitest.shared.js";

export default defineProject({
  ...sourceResolution,
  test: {
    name: "lease",
    setupFiles,
    include: ["test/**/*.test.ts"],
    // Finds (or starts) PostgreSQL and Redis once for every test file: test/servers.ts.
    globalSetup: ["test/global-setup.ts"],
    // Real servers and child processes: generous, but a hang still fails.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
