/**
 * `pnpm docs:build`, step one: run the real timer on the virtual clock for every diagram of the
 * guides and write the SVGs to `generated/`, where the guides link them.
 */
import { join, relative } from "node:path";
import { writeDiagrams } from "../diagrams/diagrams.js";
import { docsRoot } from "./workspace.mjs";

const written = await writeDiagrams(join(docsRoot, "generated"));
for (const file of written) console.log(`diagram: ${relative(docsRoot, file)}`);
