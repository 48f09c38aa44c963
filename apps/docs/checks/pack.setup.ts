/**
 * Global setup of the packaging checks: `pnpm pack` every published package (what npm users
 * would download), and install the tarballs into a fresh project outside the workspace. The
 * checks then lint the tarballs and import the packages from that project, as a user would.
 * Run `pnpm build` first: the tarballs contain `dist/`.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { publishedPackages, repoRoot } from "../scripts/workspace.mjs";

export interface Packed {
  readonly name: string;
  readonly tarball: string;
  /** The tarball's contents, extracted (its `package/` directory). */
  readonly extracted: string;
  readonly entries: readonly string[];
  /** Needs Node: its code imports `node:` built-ins. */
  readonly nodeOnly: boolean;
}

declare module "vitest" {
  export interface ProvidedContext {
    packed: Packed[];
    /** A project outside the workspace with every tarball installed. */
    consumer: string;
  }
}

const pnpm = join(repoRoot, "node_modules", ".bin", "pnpm");

export default function setup(project: TestProject): () => void {
  const work = mkdtempSync(join(tmpdir(), "async-timer-packaging-"));
  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  const packed: Packed[] = publishedPackages().map((pkg) => {
    if (!existsSync(join(pkg.dir, "dist", "index.js"))) {
      throw new Error(`${pkg.name} has no dist/: run \`pnpm build\` before the packaging checks`);
    }
    const before = new Set(readdirSync(tarballs));
    execFileSync(pnpm, ["pack", "--pack-destination", tarballs], { cwd: pkg.dir, stdio: "pipe" });
    const tarball = readdirSync(tarballs).find((file) => !before.has(file));
    if (tarball === undefined) throw new Error(`pnpm pack produced no tarball for ${pkg.name}`);
    const extracted = join(work, "extracted", pkg.slug);
    mkdirSync(extracted, { recursive: true });
    execFileSync("tar", ["xzf", join(tarballs, tarball), "-C", extracted]);
    return {
      name: pkg.name,
      tarball: join(tarballs, tarball),
      extracted: join(extracted, "package"),
      entries: pkg.entries,
      nodeOnly: pkg.nodeOnly,
    };
  });

  const consumer = join(work, "consumer");
  mkdirSync(consumer);
  const files = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]));
  // What a user of every entry point installs besides: optional peers (fast-check for
  // `@async-timer/testing/properties`, typescript for `@async-timer/decorators/vite`) and, for
  // the Node-only packages' types, @types/node.
  const peers = Object.fromEntries(
    publishedPackages().flatMap((pkg) =>
      Object.entries(pkg.manifest.peerDependencies ?? {}).filter(([name]) => !(name in files)),
    ),
  );
  const rootDevDependencies = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"))
    .devDependencies as Record<string, string>;
  // And what a user testing code that uses `@every` installs: vitest (the consumer checks run a
  // vitest test through `@async-timer/decorators/vite`), at the version this repository uses.
  const tools = {
    "@types/node": rootDevDependencies["@types/node"],
    vitest: rootDevDependencies.vitest,
  };
  writeFileSync(
    join(consumer, "package.json"),
    `${JSON.stringify(
      {
        name: "consumer",
        private: true,
        type: "module",
        // As Getting started says to: every tarball in one install, no overrides — the packages
        // depend on each other by exact version, which the tarballs installed beside them satisfy.
        dependencies: { ...files, ...peers, ...tools },
      },
      null,
      2,
    )}\n`,
  );
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
    { cwd: consumer, stdio: "pipe" },
  );

  project.provide("packed", packed);
  project.provide("consumer", consumer);
  return () => rmSync(work, { recursive: true, force: true });
}
