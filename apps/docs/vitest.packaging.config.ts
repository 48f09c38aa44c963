import { defineConfig } from "vitest/config";

// `pnpm --filter async-timer-docs check:packages`: publint, attw, the consumer smoke test and the
// runtime matrix, on packed tarballs installed outside the workspace. Not part of `pnpm test`:
// it needs `pnpm build` first, and the runtimes (scripts/install-runtimes.mjs).
export default defineConfig({
  test: {
    name: "packaging",
    include: ["checks/*.check.ts"],
    exclude: ["checks/site.check.ts"],
    globalSetup: ["checks/pack.setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
