/**
 * The README documents every invariant: what it checks and what it does not, in the words of its
 * `description` and `doesNotCheck`, and which ones await core.
 */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { invariants } from "../src/properties.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

it("documents every invariant, in full, under its own heading", () => {
  for (const invariant of invariants) {
    const section = `#### \`${invariant.name}\`\n\nChecks: ${invariant.description}\n\nDoes not check: ${invariant.doesNotCheck}\n`;
    expect(readme, invariant.name).toContain(section);
    expect(readme, invariant.name).toContain(`| \`${invariant.name}\``);
  }
});
