import { fileURLToPath } from "node:url";

/**
 * Shared by every project's vitest.config.ts: resolve workspace packages to their TypeScript
 * sources (the "@async-timer/source" export condition), so tests need no build. Vite applies
 * `ssr.resolve.conditions` to code running in Node, so both lists carry the condition.
 */
const conditions = ["@async-timer/source", "module", "node", "development|production"];

export const sourceResolution = {
  resolve: { conditions },
  ssr: { resolve: { conditions } },
};

/** Every project's `setupFiles`: vitest.setup.ts makes `toThrow("message")` refuse a nullish error. */
export const setupFiles = [fileURLToPath(new URL("./vitest.setup.ts", import.meta.url))];

const core = fileURLToPath(new URL("./packages/core/src/", import.meta.url));

/**
 * {@link sourceResolution} with core taken by path, for the mutation runs: Stryker links the
 * sandbox's node_modules to the repository's, where `@async-timer/core` is the repository's own,
 * unmutated packages/core — through the package name, every mutant would survive.
 */
export const mutantResolution = {
  ...sourceResolution,
  resolve: {
    ...sourceResolution.resolve,
    alias: [
      { find: /^@async-timer\/core\/machine$/, replacement: `${core}machine.ts` },
      { find: /^@async-timer\/core$/, replacement: `${core}index.ts` },
    ],
  },
};
