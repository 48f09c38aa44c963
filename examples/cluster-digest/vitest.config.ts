import { defineProject } from "vitest/config";
import { setupFiles, sourceResolution } from "../../vitest.shared.js";

export default defineProject({
  ...sourceResolution,
  test: {
    name: "example-cluster-digest",
    setupFiles,
    include: ["test/**/*.test.ts"],
  },
});
