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
    // The type tests (test/*.test-d.ts) are compiled by `pnpm typecheck` (tsc over src and test,
    // which fails on any expectTypeOf mismatch); vitest's typecheck mode would add nothing but a
    // yellow "experimental feature" notice on stderr to every run.
  },
});
