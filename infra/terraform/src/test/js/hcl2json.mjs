// Parses Terraform HCL for the policy tests: for each directory argument, every *.tf file in it
// (not recursive) becomes {"<dir>": {"<file name>": <HCL as JSON>}} on stdout. *.tf.json files are
// already JSON; the tests read them directly. Exits 1 naming the file that does not parse.
import { parse } from "@cdktf/hcl2json";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const out = {};
for (const dir of process.argv.slice(2)) {
  out[dir] = {};
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".tf")).sort()) {
    try {
      out[dir][name] = await parse(name, readFileSync(join(dir, name), "utf8"));
    } catch (e) {
      process.stderr.write(`${join(dir, name)}: ${e && e.message ? e.message : e}\n`);
      process.exit(1);
    }
  }
}
process.stdout.write(JSON.stringify(out));
