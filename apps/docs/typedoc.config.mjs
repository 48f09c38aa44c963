// @ts-check
/**
 * The documentation site: TypeDoc over every published package (found by scripts/workspace.mjs),
 * with the guides as project documents. Validation is strict: a broken link, a symbol that is
 * used but not exported, or an undocumented export fails `pnpm docs:build`.
 */
import { existsSync } from "node:fs";
import { publishedPackages } from "./scripts/workspace.mjs";
import { knownNotExported, knownUndocumented } from "./typedoc/known-gaps.mjs";
import { githubHeadingAnchors } from "./typedoc/markdown.mjs";

const packages = publishedPackages();
const has = (/** @type {string} */ name) => packages.some((pkg) => pkg.name === name);

/** The guides, in reading order; a guide about a package appears once that package exists. */
const guides = [
  "guides/getting-started.md",
  "guides/scheduling.md",
  "guides/delivery.md",
  "guides/errors-and-cancellation.md",
  "guides/testing.md",
  has("@async-timer/decorators") && "guides/decorators.md",
  has("@async-timer/node-threads") && "guides/worker-threads.md",
  has("@async-timer/lease") && "guides/running-on-many-replicas.md",
  "guides/examples.md",
  "guides/benchmarks.md",
  "guides/migrating-from-python.md",
  "guides/migrating-from-other-libraries.md",
].filter((guide) => typeof guide === "string" && existsSync(guide));
/** @type {string[]} */
const projectDocuments = guides.filter((guide) => typeof guide === "string");

/** @type {Partial<import("typedoc").TypeDocOptions>} */
const config = {
  name: "async-timer",
  entryPointStrategy: "packages",
  entryPoints: packages.map((pkg) => pkg.dir),
  packageOptions: {
    // Types are checked by `pnpm typecheck`; the docs build must not depend on a package's tests.
    skipErrorChecking: true,
    excludeInternal: true,
    excludePrivate: true,
    disableSources: true,
    validation: { notExported: true, notDocumented: true, invalidLink: true },
    intentionallyNotDocumented: knownUndocumented,
    intentionallyNotExported: knownNotExported,
  },
  plugin: ["./typedoc/plugin.mjs"],
  readme: "home.md",
  favicon: "favicon.svg",
  markdownItLoader: githubHeadingAnchors,
  projectDocuments,
  out: "site",
  cleanOutputDir: true,
  githubPages: false,
  navigation: { includeCategories: false, includeGroups: false, includeFolders: true },
  headings: { readme: false, document: false },
  validation: { notExported: true, notDocumented: true, invalidLink: true, rewrittenLink: true },
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
  highlightLanguages: ["typescript", "javascript", "json", "bash", "sh", "text", "python", "tsx"],
};

export default config;
