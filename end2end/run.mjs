// End-to-end test runner: starts the built server on a free port with a fresh
// SQLite database and demo data, waits until it answers, runs every
// `tests/*.test.mjs` with node's test runner against it, and stops it.
//
//   node end2end/run.mjs            (after `cargo leptos build`)
//
// Environment: ONETHING_SERVER_BIN (default target/debug/server),
// LEPTOS_SITE_ROOT (default target/site), BASE_URL (use a running server).
// The tests get E2E_DATABASE, the server's SQLite file, when this runner
// started the server (a test moves a deadline into the past with the
// sqlite3 command, as time would).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitFor(url, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not answer ${url} within ${ms} ms`);
}

let server;
let dataDir;
const serverLog = [];

// GB 11643 check character of the first 17 digits.
function idCheck(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return '10X98765432'[sum % 11];
}

/** Personal data found in the server's logs: valid ID numbers or mobile numbers. */
function piiIn(text) {
  const found = [];
  for (const m of text.matchAll(/(?<![0-9A-Za-z])(\d{17})([0-9Xx])(?![0-9A-Za-z])/g)) {
    if (idCheck(m[1]) === m[2].toUpperCase()) found.push(`${m[0].slice(0, 4)}…`);
  }
  for (const m of text.matchAll(/(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])/g)) found.push(`${m[0].slice(0, 3)}…`);
  return found;
}
let baseUrl = process.env.BASE_URL;
if (!baseUrl) {
  const port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'onething-e2e-'));
  const bin = resolve(root, process.env.ONETHING_SERVER_BIN ?? 'target/debug/server');
  server = spawn(bin, [], {
    cwd: root,
    env: {
      ...process.env,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? 'target/site',
      LEPTOS_OUTPUT_NAME: 'onething',
      ONETHING_DATABASE_URL: `sqlite://${dataDir}/e2e.db?mode=rwc`,
      ONETHING_DEMO: '1',
      ONETHING_DATA_DIR: dataDir,
      // Every browser of the tests is 127.0.0.1.
      ONETHING_LOGIN_PER_MINUTE: '1000',
      ONETHING_REGISTER_PER_HOUR: '1000',
      ONETHING_LOG_FORMAT: 'json',
      RUST_LOG: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => serverLog.push(d));
  server.stderr.on('data', (d) => serverLog.push(d));
  server.on('exit', (code) => {
    if (code !== null && code !== 0) console.error(`server exited with ${code}`);
  });
  baseUrl = `http://127.0.0.1:${port}`;
}

let status = 1;
try {
  await waitFor(`${baseUrl}/api/v1/health`, 60_000);
  const files = readdirSync(join(here, 'tests'))
    .filter((f) => f.endsWith('.test.mjs'))
    .sort()
    .map((f) => join(here, 'tests', f));
  const filter = process.argv.slice(2);
  const chosen = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
  // One file at a time: 2 cores, and the tests share one server.
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...chosen], {
    env: { ...process.env, BASE_URL: baseUrl, ...(dataDir ? { E2E_DATABASE: join(dataDir, 'e2e.db') } : {}) },
    stdio: 'inherit',
  });
  status = await new Promise((ok) => child.on('exit', (code) => ok(code ?? 1)));
} catch (e) {
  console.error(e);
} finally {
  if (server) {
    server.kill('SIGTERM');
    await new Promise((ok) => (server.exitCode !== null ? ok() : server.once('exit', ok)));
    const log = Buffer.concat(serverLog).toString('utf8');
    const results = join(here, 'test-results');
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, 'server.log'), log);
    const pii = piiIn(log);
    if (pii.length) {
      console.error(`personal data in the server log (end2end/test-results/server.log): ${pii.join(', ')}`);
      status = 1;
    } else {
      console.log(`server log checked: no 身份证号 or phone numbers (${log.split('\n').length} lines)`);
    }
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
process.exit(status);
