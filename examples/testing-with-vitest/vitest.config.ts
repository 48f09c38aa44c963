import { defineProject } from "vitest/config";
import { sourceResolution } from "../../vitest.shared.js";

export default defineProject({
  ...sourceResolution,
  test: { name: "example-testing-with-vitest", include: ["test/**/*.test.ts"] },
});
