#!/usr/bin/env node
import { main } from './main.js';

// A reader that went away (`fastmmap keys FILE | head`) ends the command quietly, as with
// other Unix tools, instead of an unhandled EPIPE with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`fastmmap: cannot write to stdout: ${err.message}\n`);
  process.exit(1);
});

// exitCode, not process.exit(): lets stdout drain when it is a pipe.
process.exitCode = await main(process.argv.slice(2));
