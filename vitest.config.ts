import { defineConfig } from "vitest/config";

// One run over every package and example; each has its own vitest.config.ts (a project).
export default defineConfig({
  test: {
    projects: [
      "packages/*/vitest.config.ts",
      "examples/*/vitest.config.ts",
      "apps/*/vitest.config.ts",
      "bench/vitest.config.ts",
    ],
  },
});
