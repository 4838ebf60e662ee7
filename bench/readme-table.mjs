#!/usr/bin/env node
// Prints the Markdown table of a saved run (`npm run bench -- --json F`), the one `npm run bench`
// printed, or with --update puts it into a Markdown file between the lines
// `<!-- bench-table -->` and `<!-- /bench-table -->`: the README's performance table is one run's.
//   node bench/readme-table.mjs F                      prints the table
//   node bench/readme-table.mjs F --update README.md   replaces the README's table with it
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkRun, markdownTable } from './report.mjs';

export const BEGIN = '<!-- bench-table -->';
export const END = '<!-- /bench-table -->';

function fail(msg) {
  process.stderr.write(`readme-table: ${msg}\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({ args: process.argv.slice(2), strict: true, allowPositionals: true, options: { update: { type: 'string' } } });
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
const file = args.positionals[0];
if (!file || args.positionals.length > 1) fail('usage: node bench/readme-table.mjs <run.json> [--update README.md]   (a run saved with npm run bench -- --json F)');
let run;
try {
  run = JSON.parse(readFileSync(file, 'utf8'));
  checkRun(run);
} catch (e) {
  fail(`${file}: ${e instanceof Error ? e.message : String(e)}`);
}
const table = markdownTable(run);
const target = args.values.update;
if (target === undefined) {
  process.stdout.write(table + '\n');
} else {
  let doc;
  try {
    doc = readFileSync(target, 'utf8');
  } catch (e) {
    fail(`${target}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const i = doc.indexOf(BEGIN + '\n');
  const j = doc.indexOf(END);
  if (i < 0 || j < i || doc.indexOf(BEGIN, i + 1) >= 0) fail(`${target}: needs one line ${BEGIN} and, after it, one line ${END}`);
  writeFileSync(target, doc.slice(0, i + BEGIN.length + 1) + table + '\n' + doc.slice(j));
  process.stderr.write(`readme-table: wrote the table of ${file} into ${target}\n`);
}
