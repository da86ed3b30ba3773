// Page weight: what a phone downloads to open the wizard of 开办餐饮店,
// measured in headless Chromium at 390×844 against the release build: every
// same-origin request the page makes until its islands have hydrated and
// the network is idle (HTML, CSS, JS, WASM, the API calls), each fetched
// again uncompressed, gzip and Brotli.
//
//   cargo leptos build --release && node bench/pageweight.mjs
//
// Settings: SERVER_BIN (default target/release/server), PAGE (default
// /bundles/restaurant/apply).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.env.SERVER_BIN ?? join(root, 'target/release/server');
const pagePath = process.env.PAGE ?? '/bundles/restaurant/apply';

const port = await new Promise((ok) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => ok(p));
  });
});
const base = `http://127.0.0.1:${port}`;
process.env.BASE_URL = base;
const { hydrated, launch, newPage, registerCitizen, registerEnterprise } = await import('../end2end/tests/helpers.mjs');
const data = mkdtempSync(join(tmpdir(), 'onething-weight-'));
const server = spawn(bin, ['serve'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: join(root, 'target/site'),
    LEPTOS_OUTPUT_NAME: 'onething',
    LEPTOS_ENV: 'PROD',
    ONETHING_DATABASE_URL: `sqlite://${data}/weight.db?mode=rwc`,
    ONETHING_DATA_DIR: data,
    ONETHING_PII_KEY: randomBytes(32).toString('base64'),
    RUST_LOG: 'warn',
  },
});
const stop = () => {
  server.kill('SIGKILL');
  rmSync(data, { recursive: true, force: true });
};

/** GET `path` with `encoding`; the bytes on the wire and the encoding served. */
function wire(path, encoding, cookie) {
  return new Promise((ok, fail) => {
    http
      .get(`${base}${path}`, { headers: { 'accept-encoding': encoding, cookie } }, (res) => {
        let n = 0;
        res.on('data', (c) => (n += c.length));
        res.on('end', () => ok({ bytes: n, served: res.headers['content-encoding'] ?? 'identity', status: res.statusCode }));
      })
      .on('error', fail);
  });
}

try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/api/v1/health`)).ok) break;
    } catch {}
    if (i > 600) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const browser = await launch();
  const page = await newPage(browser);
  // 开办餐饮店 is an enterprise bundle: a person acting for their enterprise.
  await registerEnterprise(page, await registerCitizen(page, '刘美丽'));
  const seen = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin === base && r.method() === 'GET') seen.push(u.pathname + u.search);
  });
  await page.goto(`${base}${pagePath}`);
  await hydrated(page).catch((e) => {
    throw new Error(`${e.message}\n${page.errors.join('\n')}`);
  });
  await page.waitForLoadState('networkidle');
  if (!(await page.locator('.wizard').count())) throw new Error('the wizard did not render');
  if (page.errors.length) throw new Error(page.errors.join('\n'));
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  await browser.close();

  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const total = { identity: 0, gzip: 0, br: 0 };
  const rows = [];
  for (const path of [...new Set(seen)]) {
    const sizes = {};
    for (const enc of ['identity', 'gzip', 'br']) {
      const r = await wire(path, enc, cookie);
      if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
      sizes[enc] = r.bytes;
      total[enc] += r.bytes;
    }
    rows.push(`| \`${path}\` | ${kib(sizes.identity)} | ${kib(sizes.gzip)} | ${kib(sizes.br)} |`);
  }
  console.log(`page: ${pagePath} (acting for an enterprise), ${rows.length} requests\n`);
  console.log('| resource | uncompressed | gzip | brotli |\n|---|---:|---:|---:|');
  console.log(rows.join('\n'));
  console.log(`| **total** | **${kib(total.identity)}** | **${kib(total.gzip)}** | **${kib(total.br)}** |`);
} finally {
  stop();
}
