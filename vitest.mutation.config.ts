import { defineConfig } from "vitest/config";
import { mutantResolution, setupFiles } from "./vitest.shared.js";

/**
 * What StrykerJS runs against each mutant of packages/core/src: the unit tests of core and the
 * property suite of @async-timer/testing, on sources. Left out: tests that exercise the built
 * dist in child processes (they cannot see a mutant), type tests, and the GC test.
 */
export default defineConfig({
  ...mutantResolution,
  test: {
    setupFiles,
    include: ["packages/core/test/**/*.test.ts", "packages/testing/test/**/*.test.ts"],
    exclude: [
      "packages/core/test/real-driver.test.ts",
      "packages/core/test/machine-source.test.ts",
      "packages/core/test/gc.test.ts", // needs --expose-gc, which Stryker's worker threads refuse
      "packages/testing/test/virtual-clock.test.ts",
      "**/node_modules/**",
    ],
    typecheck: { enabled: false },
  },
});
