/**
 * The release dry run: `changeset version` on a copy of the repository — the versions and
 * CHANGELOGs a release would produce — checked for sense. Nothing is published, and the working
 * tree is not touched.
 */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishedPackages, repoRoot } from "../scripts/workspace.mjs";

const changesetBin = join(repoRoot, "node_modules", "@changesets", "cli", "bin.js");
let copy: string;
let pending: { file: string; packages: string[]; summary: string }[];

const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));

/** The changesets waiting in .changeset/: which packages each bumps, and its first line. */
function readChangesets(root: string) {
  const dir = join(root, ".changeset");
  return readdirSync(dir)
    .filter((file) => file.endsWith(".md") && file !== "README.md")
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      const [, front = "", body = ""] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text) ?? [];
      const packages = [...front.matchAll(/^"?([^":\s]+)"?\s*:/gm)].map((m) => m[1] as string);
      return { file, packages, summary: body.trim().split("\n")[0] ?? "" };
    });
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), "async-timer-release-"));
  // What is in the repository (tracked, or new and not ignored): not node_modules, not builds.
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
    cwd: repoRoot,
    encoding: "utf8",
  })
    .split("\0")
    .filter((file) => file !== "" && existsSync(join(repoRoot, file)));
  for (const file of files) {
    cpSync(join(repoRoot, file), join(copy, file), { recursive: true });
  }
  symlinkSync(join(repoRoot, "node_modules"), join(copy, "node_modules"), "dir");
  pending = readChangesets(copy);
  execFileSync(process.execPath, [changesetBin, "version"], { cwd: copy, stdio: "pipe" });
}, 120_000);

afterAll(() => {
  if (copy !== undefined) rmSync(copy, { recursive: true, force: true });
});

const inCopy = (dir: string) => join(copy, dir.slice(repoRoot.length + 1));
const published = publishedPackages();

describe("changeset version (dry run on a copy)", () => {
  it("has changesets to release", () => {
    expect(pending.length).toBeGreaterThan(0);
  });

  it("consumes every changeset", () => {
    const left = readdirSync(join(copy, ".changeset")).filter(
      (file) => file.endsWith(".md") && file !== "README.md",
    );
    expect(left).toEqual([]);
  });

  it("gives the published packages one new version together (a fixed group)", () => {
    const versions = published.map((pkg) => manifest(inCopy(pkg.dir)).version as string);
    expect(new Set(versions).size).toBe(1);
    for (const [i, pkg] of published.entries()) {
      expect(versions[i], pkg.name).not.toBe(pkg.version);
      expect(versions[i]).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it("writes each published package a CHANGELOG with its changesets' summaries", () => {
    for (const pkg of published) {
      const dir = inCopy(pkg.dir);
      const { version } = manifest(dir);
      const changelog = readFileSync(join(dir, "CHANGELOG.md"), "utf8");
      expect(changelog.startsWith(`# ${pkg.name}\n`), pkg.name).toBe(true);
      expect(changelog).toContain(`## ${version}`);
      for (const changeset of pending.filter((c) => c.packages.includes(pkg.name))) {
        expect(changelog, `${pkg.name}: ${changeset.file}`).toContain(changeset.summary);
      }
    }
    const core = published.find((pkg) => pkg.name === "@async-timer/core");
    if (core) console.log(readFileSync(join(inCopy(core.dir), "CHANGELOG.md"), "utf8"));
  });

  it("keeps workspace dependencies on the workspace protocol", () => {
    for (const pkg of published) {
      const deps = manifest(inCopy(pkg.dir)).dependencies ?? {};
      for (const [name, range] of Object.entries(deps)) {
        if (name.startsWith("@async-timer/"))
          expect(range, `${pkg.name} → ${name}`).toMatch(/^workspace:/);
      }
    }
  });

  it("leaves the private apps and examples alone", () => {
    const privateDirs = ["apps", "examples"].flatMap((parent) =>
      readdirSync(join(repoRoot, parent)).map((name) => join(repoRoot, parent, name)),
    );
    for (const dir of privateDirs.filter((d) => existsSync(join(d, "package.json")))) {
      expect(manifest(inCopy(dir)).version, dir).toBe(manifest(dir).version);
      expect(existsSync(join(inCopy(dir), "CHANGELOG.md")), dir).toBe(false);
    }
    expect(dirname(copy)).toBe(tmpdir()); // the working tree itself was never touched
  });
});
