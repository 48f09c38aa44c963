import { defineProject } from "vitest/config";
import { setupFiles, sourceResolution } from "../../vitest.shared.js";
import { standardDecorators } from "./test/support/standard-decorators.js";

export default defineProject({
  ...sourceResolution,
  // Test files use standard decorators, which Vite's own transform does not compile.
  plugins: [standardDecorators()],
  test: {
    name: "decorators",
    setupFiles,
    include: ["test/**/*.test.ts"],
    // For test/gc.test.ts: `global.gc()` to show that dropped instances take their timers along.
    execArgv: ["--expose-gc"],
    // The type tests (test/*.test-d.ts) are compiled by `pnpm typecheck` (tsc over src and test,
    // which fails on any expectTypeOf mismatch); vitest's typecheck mode would add nothing but a
    // yellow "experimental feature" notice on stderr to every run.
  },
});
