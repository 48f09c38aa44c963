import { defineProject } from "vitest/config";
import { setupFiles, sourceResolution } from "../../vitest.shared.js";

export default defineProject({
  ...sourceResolution,
  test: {
    name: "core",
    setupFiles,
    include: ["test/**/*.test.ts"],
    // For test/gc.test.ts: global.gc() shows what is (not) kept alive.
    execArgv: ["--expose-gc"],
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
