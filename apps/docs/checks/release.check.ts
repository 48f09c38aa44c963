/**
 * The release dry run: `changeset version` on a copy of the repository — the versions and
 * CHANGELOGs a release would produce — checked for sense; and what npm would show of each packed
 * package: the manifest fields its page links to (repository with directory, homepage, bugs,
 * keywords, publishConfig with provenance) and a README whose links work from the npm page.
 * Nothing is published, and the working tree is not touched.
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
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
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

// ─── What npm shows ─────────────────────────────────────────────────────────────────────────

/** The repository every package names (they live in one). */
const REPOSITORY = "https://github.com/async-timer/async-timer-ts";

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of a Markdown file's headings (outside code blocks). */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  for (const line of markdown.replace(/^```[\s\S]*?^```/gm, "").split("\n")) {
    const heading = /^#{1,6}\s+(.*?)\s*#*$/.exec(line);
    if (heading) found.add(slug(heading[1] as string));
  }
  return found;
}

/** The text with fenced blocks and inline code spans blanked out: links there are not links. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "``");
}

/** Every Markdown link target `[text](target)` and `<a href>` of a README, outside code. */
function links(markdown: string): string[] {
  const text = withoutCode(markdown);
  return [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string),
    ...[...text.matchAll(/<a\s[^>]*href="([^"]+)"/g)].map((m) => m[1] as string),
  ];
}

describe("what npm shows of each packed package", () => {
  const packed = inject("packed");
  const tracked = new Set(
    execFileSync("git", ["ls-files", "-co", "--exclude-standard"], {
      cwd: repoRoot,
      encoding: "utf8",
    })
      .split("\n")
      .filter(Boolean),
  );
  const inRepository = (path: string) =>
    tracked.has(path) || [...tracked].some((file) => file.startsWith(`${path}/`));

  describe.each(packed.map((p) => [p.name, p] as const))("%s", (_name, pkg) => {
    const shipped = manifest(pkg.extracted);
    const directory = `packages/${published.find((p) => p.name === pkg.name)?.slug}`;

    it("links its repository (with the package's directory), homepage and issue tracker", () => {
      expect(shipped.repository).toEqual({
        type: "git",
        url: `git+${REPOSITORY}.git`,
        directory,
      });
      expect(manifest(join(repoRoot, directory)).name).toBe(pkg.name);
      expect(shipped.homepage).toBe(`${REPOSITORY}/tree/main/${directory}#readme`);
      expect(shipped.bugs).toEqual({ url: `${REPOSITORY}/issues` });
    });

    it("has keywords, and publishes publicly with provenance", () => {
      expect(Array.isArray(shipped.keywords)).toBe(true);
      expect(shipped.keywords.length).toBeGreaterThanOrEqual(3);
      for (const keyword of shipped.keywords) expect(typeof keyword).toBe("string");
      expect(shipped.publishConfig).toMatchObject({ access: "public", provenance: true });
    });

    it("ships a README whose links work from the npm page", () => {
      const readmePath = join(pkg.extracted, "README.md");
      expect(existsSync(readmePath), "README.md in the tarball").toBe(true);
      const readme = readFileSync(readmePath, "utf8");
      const problems: string[] = [];
      for (const target of links(readme)) {
        if (target.startsWith("#")) {
          if (!anchors(readme).has(target.slice(1))) problems.push(`${target}: no such heading`);
          continue;
        }
        if (!/^https?:\/\//.test(target)) {
          problems.push(`${target}: relative, so it breaks on the npm page`);
          continue;
        }
        const own = new RegExp(`^${REPOSITORY}/(?:blob|tree)/main/([^#?]+)(?:#(.+))?$`).exec(
          target,
        );
        if (target.startsWith(`${REPOSITORY}/`) && !target.startsWith(`${REPOSITORY}/issues`)) {
          if (own === null) {
            problems.push(`${target}: not a /blob/main/ or /tree/main/ link into the repository`);
            continue;
          }
          const [, path, fragment] = own as unknown as [string, string, string | undefined];
          if (!inRepository(path)) problems.push(`${target}: ${path} is not in the repository`);
          else if (fragment !== undefined && path.endsWith(".md")) {
            const headings = anchors(readFileSync(join(repoRoot, path), "utf8"));
            if (!headings.has(fragment)) problems.push(`${target}: ${path} has no such heading`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });
});
