// End-to-end test runner: starts the built server on a free port with a fresh
// SQLite database and demo data, waits until it answers, runs every
// `tests/*.test.mjs` with node's test runner against it, and stops it.
//
//   node end2end/run.mjs            (after `cargo leptos build`)
//
// Environment: ONETHING_SERVER_BIN (default target/debug/server),
// LEPTOS_SITE_ROOT (default target/site), BASE_URL (use a running server).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
      ONETHING_DATA_DIR: undefined,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
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
    env: { ...process.env, BASE_URL: baseUrl },
    stdio: 'inherit',
  });
  status = await new Promise((ok) => child.on('exit', (code) => ok(code ?? 1)));
} catch (e) {
  console.error(e);
} finally {
  if (server) server.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
process.exit(status);
