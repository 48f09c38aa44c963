import { defineConfig } from "vitest/config";
import { mutantResolution, setupFiles } from "../../../vitest.shared.js";

/**
 * What `pnpm mutation:kit` runs against each mutant of core: the exported property suite and
 * nothing else (see exported-suite.test.ts). Run from the repository root by Stryker.
 * Core is taken by path (`mutantResolution`), so the suite sees each mutant.
 */
export default defineConfig({
  ...mutantResolution,
  test: {
    setupFiles,
    include: ["packages/testing/mutation/exported-suite.test.ts"],
    typecheck: { enabled: false },
  },
});
