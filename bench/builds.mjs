// The command line of the scripts that split a workload for one or two builds in one process
// (call-split, pipeline-split, sched-split): `<dist/> [<other dist/>] [rounds] [wasm|ts|both]`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Reads process.argv: each build's dist/ directory (loaded: { dir, mod }), the rounds (a number,
 * `defaultRounds` if none) and the backend word given (undefined if none). Prints `usage` and
 * exits 2 when no directory is given.
 */
export async function buildsFromArgs(usage, defaultRounds = 5) {
  const args = process.argv.slice(2);
  const isWord = (a) => a === 'wasm' || a === 'ts' || a === 'both';
  const dirs = args.filter((a) => !/^\d+$/.test(a) && !isWord(a));
  if (dirs.length === 0) {
    process.stderr.write(`usage: ${usage}\n`);
    process.exit(2);
  }
  const builds = [];
  for (const dir of dirs) builds.push({ dir, mod: await import(pathToFileURL(resolve(dir, 'index.js')).href) });
  return { builds, rounds: Number(args.find((a) => /^\d+$/.test(a)) ?? defaultRounds), backend: args.find(isWord) };
}
