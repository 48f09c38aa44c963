// Mutation testing of @async-timer/core: `pnpm mutation` (minutes, not part of CI).
// The report lands in reports/mutation/ (HTML and JSON).
export default {
  packageManager: "pnpm",
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: ["packages/core/src/**/*.ts", "!packages/core/src/index.ts"],
  coverageAnalysis: "perTest",
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  thresholds: { high: 90, low: 85, break: null },
  concurrency: 2,
  timeoutMS: 15000,
  tempDirName: ".stryker-tmp",
  ignorePatterns: ["apps", "examples", "bench", "reports", "**/dist"],
};
