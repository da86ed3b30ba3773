import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE_URL, launch, newPage, screenshot } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('the API reference renders every operation from our own server, on a phone', async () => {
  const page = await newPage(browser);
  const offsite = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(BASE_URL)) offsite.push(r.url());
  });
  const res = await page.goto(`${BASE_URL}/api/docs`);
  assert.equal(res.status(), 200);
  await page.locator('.swagger-ui .opblock').first().waitFor();
  const doc = await (await fetch(`${BASE_URL}/api/v1/openapi.json`)).json();
  const methods = (p) => Object.keys(p).filter((m) => ['get', 'put', 'post', 'delete', 'patch'].includes(m));
  const operations = Object.values(doc.paths).flatMap(methods);
  const webhooks = Object.values(doc.webhooks ?? {}).flatMap(methods);
  assert.ok(operations.length > 40, `${operations.length} operations in the document`);
  // Every operation, and the delivery to department systems (a webhook).
  assert.equal(await page.locator('.swagger-ui .opblock').count(), operations.length + webhooks.length);
  await page.getByText('/api/v1/submissions/{id}', { exact: true }).first().waitFor();
  assert.deepEqual(offsite, [], 'no request leaves the origin (no CDN)');
  // A page with no inline script at all: its CSP needs no nonce (the
  // helpers' check expects one on the Leptos pages) and allows nothing inline.
  const csp = res.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  await screenshot(page, 'api-docs-phone');
  assert.deepEqual(
    page.errors.filter((e) => !e.startsWith(`no page CSP on 200 ${BASE_URL}/api/docs:`)),
    [],
  );
  await page.context().close();
});
