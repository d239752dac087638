// Trims a run's results.json to what the regress checks read, for a replay fixture in test/fixtures/regress-replay/:
// the summaries, and per repetition its outcome, kills, slowed verdict and peak (no samples, requests or logs).
//   npx tsx scripts/trim-results.ts results/<run>/results.json test/fixtures/regress-replay/<name>.json
import { readFile, writeFile } from 'node:fs/promises';
import { resultsSchema } from '../lab/model/results.js';

const [source, target] = process.argv.slice(2);
if (!source || !target) {
  process.stderr.write('usage: tsx scripts/trim-results.ts RESULTS_JSON FIXTURE_JSON\n');
  process.exit(2);
}
const results = resultsSchema.parse(JSON.parse(await readFile(source, 'utf8')));
const trimmed = {
  ...results,
  scenarioSpec: null,
  runs: results.runs.map((run) => ({ ...run, requests: [], events: [], processes: [], memory: { ...run.memory, samples: [] }, env: {} })),
};
resultsSchema.parse(trimmed); // still a valid results file
await writeFile(target, `${JSON.stringify(trimmed)}\n`);
process.stdout.write(`${target}: ${trimmed.runs.length} repetitions, ${trimmed.variants.length} variants\n`);
