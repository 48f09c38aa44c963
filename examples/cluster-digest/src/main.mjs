// Starts three replicas against the local PostgreSQL, lets them run, kills the holder (as a
// crash would), and stops the rest. Prints every line the replicas print.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const replica = fileURLToPath(new URL("./replica.mjs", import.meta.url));
const seconds = Number(process.env.DIGEST_SECONDS ?? 12);
const replicas = ["replica-a", "replica-b", "replica-c"].map((name) => {
  const child = spawn(process.execPath, [replica, name], { stdio: ["ignore", "pipe", "inherit"] });
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (text) => {
    process.stdout.write(text);
    if (text.includes("now holds")) holder = child;
  });
  return child;
});
let holder;

setTimeout(
  () => {
    console.log(
      `-- kill -9 of the holder (${holder?.spawnargs[2]}): another replica takes over within the ttl`,
    );
    holder?.kill("SIGKILL");
  },
  (seconds / 2) * 1000,
);

setTimeout(() => {
  for (const child of replicas) child.kill("SIGTERM");
}, seconds * 1000);
