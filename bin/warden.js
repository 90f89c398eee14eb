#!/usr/bin/env node
// The published entry point: the compiled CLI. `npm install` builds dist/ through the prepare script.
import("../dist/src/cli.js").catch((error) => {
  process.stderr.write(`warden: cannot start (${error.message}). Run \`npm run build\` first.\n`);
  process.exit(70);
});
