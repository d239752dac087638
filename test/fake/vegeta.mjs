#!/usr/bin/env node
// A stand-in for vegeta in the pipeline's unit tests: the two verbs the lab uses, over real loopback HTTP, writing
// vegeta's JSON result shape. The real vegeta is exercised by every end-to-end test.
import { readFileSync, writeFileSync } from 'node:fs';

const [verb, ...args] = process.argv.slice(2);
const flag = (name) => args.find((arg) => arg.startsWith(`-${name}=`))?.slice(name.length + 2);
if (verb === 'encode') {
  process.stdout.write(readFileSync(args.at(-1), 'utf8'));
  process.exit(0);
}
if (verb === '-version') {
  process.stdout.write('Version: fake\n');
  process.exit(0);
}
const targets = readFileSync(0, 'utf8').split('\n').filter((line) => /^[A-Z]+ http/.test(line));
const lines = [];
for (const [seq, target] of targets.entries()) {
  const url = target.split(' ')[1];
  const timestamp = new Date().toISOString();
  const started = performance.now();
  let code = 0;
  let error = '';
  let bytes = 0;
  try {
    const response = await fetch(url);
    // The fake service can ask for a load generator that dies mid-attack, as a killed vegeta does.
    if (response.headers.get('x-fake-vegeta') === 'crash') process.exit(137);
    bytes = (await response.arrayBuffer()).byteLength;
    code = response.status;
    if (code < 200 || code >= 400) error = `${code} ${response.statusText}`;
  } catch (failure) {
    error = `Get "${url}": ${failure.cause?.code === 'ECONNRESET' || failure.cause?.code === 'UND_ERR_SOCKET' ? 'EOF' : String(failure.cause?.code ?? failure)}`;
  }
  lines.push(JSON.stringify({ attack: '', seq, code, timestamp, latency: Math.round((performance.now() - started) * 1e6), bytes_out: 0, bytes_in: bytes, error, body: null, method: 'GET', url, headers: null }));
}
writeFileSync(flag('output'), lines.join('\n') + '\n');
