import { defineProject } from "vitest/config";
import { setupFiles, sourceResolution } from "../../vitest.shared.js";

export default defineProject({
  ...sourceResolution,
  test: {
    name: "example-cpu-worker",
    setupFiles,
    include: ["test/**/*.test.ts"],
  },
});
