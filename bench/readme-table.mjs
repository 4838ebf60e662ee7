#!/usr/bin/env node
// Prints the Markdown table of a saved run (`npm run bench -- --json F`), the one `npm run bench`
// printed: the README's performance table comes from one run this way.
//   node bench/readme-table.mjs F
import { readFileSync } from 'node:fs';
import { checkRun, markdownTable } from './report.mjs';

const file = process.argv[2];
if (!file || process.argv.length > 3) {
  process.stderr.write('usage: node bench/readme-table.mjs <run.json>   (a run saved with npm run bench -- --json F)\n');
  process.exit(2);
}
let run;
try {
  run = JSON.parse(readFileSync(file, 'utf8'));
  checkRun(run);
} catch (e) {
  process.stderr.write(`readme-table: ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
process.stdout.write(markdownTable(run) + '\n');
