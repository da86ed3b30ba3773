// Shared helpers: Debian's Chromium through playwright-core, phone viewport.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };
const shots = join(dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh context (cookies, storage) at a phone viewport, unless told otherwise. */
export async function newPage(browser, { viewport = PHONE, javaScriptEnabled = true } = {}) {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 2,
    isMobile: viewport.width < 600,
    hasTouch: viewport.width < 600,
    locale: 'zh-CN',
    javaScriptEnabled,
  });
  const page = await context.newPage();
  // Any script error or console error fails the test that made it.
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`console: ${m.text()}`);
  });
  // Every page must carry the page CSP with a nonce (never the API's).
  page.on('response', (r) => {
    const type = r.headers()['content-type'] ?? '';
    if (r.request().resourceType() === 'document' && type.startsWith('text/html')) {
      const csp = r.headers()['content-security-policy'] ?? '';
      if (!csp.includes("'nonce-")) page.errors.push(`no page CSP on ${r.status()} ${r.url()}: ${csp}`);
    }
  });
  return page;
}

/** Waits until the islands of the page have hydrated. */
export async function hydrated(page) {
  await page.waitForSelector('[data-hydrated="true"]', { timeout: 30_000 });
}

export async function screenshot(page, name) {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

// GB 11643 check character.
export function idCheck(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return '10X98765432'[sum % 11];
}

let counter = 0;
/** A valid 身份证号 unique within this run, born on `birth` (YYYYMMDD). */
export function idNumber(birth = '19900101') {
  counter += 1;
  const seq = String((Date.now() + counter) % 1000).padStart(3, '0');
  const first17 = `610326${birth}${seq}`;
  return first17 + idCheck(first17);
}

/** A mobile number unique within this run. */
export function uniquePhone() {
  counter += 1;
  return `136${String((Date.now() + counter * 7919) % 1e8).padStart(8, '0')}`;
}

/** GB 32100 check character of a 统一社会信用代码. */
export function creditCode(body17 = '91610326MA6X0A0B1') {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...body17].reduce((s, c, i) => s + alphabet.indexOf(c) * w[i], 0);
  return body17 + alphabet[(31 - (sum % 31)) % 31];
}

/** Registers a citizen through the API (as the page's own origin) and keeps the session. */
export async function registerCitizen(page, name = '测试用户') {
  const phone = uniquePhone();
  const id = idNumber('19880315');
  const res = await page.request.post(`${BASE_URL}/api/v1/auth/register`, {
    headers: { Origin: BASE_URL },
    data: { phone, password: '眉县的猕猴桃最甜', name, id_number: id },
  });
  if (res.status() !== 201) throw new Error(`register: ${res.status()} ${await res.text()}`);
  return { phone, id, name };
}

/** Logs in through the API (the session cookie lands in the page's context). */
export async function apiLogin(page, login, password = 'Demo@2024') {
  const res = await page.request.post(`${BASE_URL}/api/v1/auth/login`, {
    headers: { Origin: BASE_URL },
    data: { login, password },
  });
  if (res.status() !== 200) throw new Error(`login ${login}: ${res.status()} ${await res.text()}`);
}

/**
 * Fills every field of the wizard's current step from `values` (by field
 * key): text inputs are typed, radios clicked, checkboxes ticked. Fields
 * already holding a value (prefilled) are left alone unless `values` has them.
 */
export async function fillStep(page, values) {
  const keys = await page.locator('.wizard [data-field]').evaluateAll((els) => els.map((e) => e.dataset.field));
  for (const key of keys) {
    if (!(key in values)) continue;
    const v = values[key];
    const field = page.locator(`.wizard [data-field="${key}"]`);
    // A material held as an e-certificate needs nothing.
    if ((await field.locator('.certificate-note').count()) > 0) continue;
    if (typeof v === 'boolean') {
      const box = field.locator('input[type=checkbox]');
      if ((await box.isChecked()) !== v) await box.click();
    } else if ((await field.locator('input[type=radio]').count()) > 0) {
      await field.locator(`input[type=radio][value="${v}"]`).check();
    } else {
      await field.locator('input, textarea').first().fill(String(v));
    }
  }
}

/**
 * Presses 继续 and waits for the next screen, or — with `stay` — for the
 * error summary that keeps the applicant on this one.
 */
export async function continueStep(page, { stay = false } = {}) {
  const before = await page.locator('.wizard').getAttribute('data-screen');
  await page.getByRole('button', { name: '继续' }).click();
  if (stay) {
    await page.locator('.error-summary').waitFor();
    return;
  }
  await page.waitForFunction((b) => document.querySelector('.wizard')?.dataset.screen !== b, before, {
    timeout: 15_000,
  });
}

export async function screenName(page) {
  return page.locator('.wizard').getAttribute('data-screen');
}

/** Today in China (UTC+8) shifted by `days`, as YYYY-MM-DD. */
export function chinaDate(days = 0) {
  const d = new Date(Date.now() + 8 * 3600_000 + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** Registers an enterprise for the logged-in citizen `me` and acts for it. */
export async function registerEnterprise(page, me, name = '眉县老味道餐饮有限公司') {
  counter += 1;
  const code = creditCode(`91610326MA${String((Date.now() + counter) % 1e7).padStart(7, '0')}`);
  const res = await page.request.post(`${BASE_URL}/api/v1/enterprises`, {
    headers: { Origin: BASE_URL },
    data: { credit_code: code, name, legal_representative: me.name, legal_representative_id_number: me.id },
  });
  if (res.status() !== 201) throw new Error(`enterprise: ${res.status()} ${await res.text()}`);
  const e = await res.json();
  const acting = await page.request.post(`${BASE_URL}/api/v1/acting`, { headers: { Origin: BASE_URL }, data: { enterprise: e.id } });
  if (acting.status() !== 200) throw new Error(`acting: ${acting.status()}`);
  return { ...e, code };
}
