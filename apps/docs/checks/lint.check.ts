/**
 * publint and arethetypeswrong on the packed tarballs: what npm users get.
 *
 * The packages are ES modules only (see the getting-started guide). attw runs with its
 * "esm-only" profile: it skips TypeScript's legacy `node10` resolution (which ignores `exports`)
 * and its view of `require()` from CommonJS, which predates `require(esm)`. The consumer smoke
 * test checks `require()` for real, on Node and in a TypeScript CommonJS file.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { describe, expect, inject, it } from "vitest";
import { docsRoot } from "../scripts/workspace.mjs";

const packed = inject("packed");

describe.each(packed.map((p) => [p.name, p] as const))("%s", (_name, pkg) => {
  it("passes publint (strict: warnings fail too)", async () => {
    const { messages, pkg: manifest } = await publint({
      pkgDir: pkg.extracted,
      pack: false,
      level: "suggestion",
      strict: true,
    });
    const report = messages.map(
      (message) => `${message.type}: ${formatMessage(message, manifest) ?? message.code}`,
    );
    expect(report.filter((line) => !line.startsWith("suggestion"))).toEqual([]);
    // Suggestions are shown, not enforced.
    for (const line of report) console.log(`${pkg.name} publint ${line}`);
  });

  it("passes arethetypeswrong for ESM consumers and bundlers", () => {
    const attw = join(docsRoot, "node_modules", ".bin", "attw");
    let output: string;
    try {
      output = execFileSync(attw, [pkg.tarball, "--profile", "esm-only", "--format", "table"], {
        encoding: "utf8",
      });
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      throw new Error(`attw found problems:\n${failed.stdout ?? ""}${failed.stderr ?? ""}`);
    }
    // attw exits non-zero on any problem it does not ignore; the table is the report.
    console.log(output);
    expect(output).toContain("node16 (from ESM)");
    expect(output).not.toMatch(/^.*node16 \(from ESM\).*(💀|❌|⚠️).*$/m);
  });
});
