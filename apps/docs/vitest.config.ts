import { defineProject } from "vitest/config";
import { setupFiles, sourceResolution } from "../../vitest.shared.js";

export default defineProject({
  ...sourceResolution,
  test: {
    name: "docs",
    setupFiles,
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
