import { defineProject } from "vitest/config";

// The bench's tests run its scripts in child processes against the built packages (dist), as
// `pnpm bench` and `pnpm soak` do; `pnpm test` builds before running vitest.
export default defineProject({
  test: { name: "bench", include: ["test/**/*.test.mjs"], testTimeout: 60_000 },
});
