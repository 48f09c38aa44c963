// The kit-only mutation check: `pnpm mutation:kit` (about 40 minutes on two cores; not part of CI).
// StrykerJS mutates core as `pnpm mutation` does, but the test command is only the exported
// property suite of @async-timer/testing (packages/testing/mutation/exported-suite.test.ts) —
// none of the project's own unit tests — so the score says how much of core's behaviour the
// suite a downstream user runs pins down. Survivors are listed by class in the testing README.
import base from "./stryker.config.mjs";

export default {
  ...base,
  vitest: { configFile: "packages/testing/mutation/vitest.config.ts", related: false },
  jsonReporter: { fileName: "reports/mutation-kit/mutation.json" },
  htmlReporter: { fileName: "reports/mutation-kit/mutation.html" },
  timeoutMS: 30000,
};
