import { defineConfig } from "vitest/config";

// `pnpm --filter async-timer-docs check:site`: the built site in headless Chromium. Not part of
// `pnpm test` (it needs the built site and a browser); CI runs it after `pnpm docs:build`.
export default defineConfig({
  test: {
    name: "docs-site",
    include: ["checks/site.check.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
