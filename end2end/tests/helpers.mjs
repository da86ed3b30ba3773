// Shared helpers: Debian's Chromium through playwright-core, phone viewport,
// and the files applicants upload (a generated photo and a small PDF).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
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
    // Behind the test nginx (.ci/behind-nginx) the certificate is self-signed.
    ignoreHTTPSErrors: process.env.E2E_IGNORE_HTTPS_ERRORS === '1',
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
// Each test file runs in a process of its own: a random start keeps their
// sequence numbers apart (a time-based one made two files collide).
const start = Math.floor(Math.random() * 1000);
/** A valid 身份证号, unique within this process, born on `birth` (YYYYMMDD). */
export function idNumber(birth = '19900101') {
  counter += 1;
  const seq = String((start + counter) % 1000).padStart(3, '0');
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

/**
 * Files 新生儿出生 (required items only) for `me` (from registerCitizen)
 * through the API, with a file for every material; returns the submission.
 */
export async function fileNewborn(page, me) {
  const res = await page.request.post(`${BASE_URL}/api/v1/submissions`, {
    headers: { Origin: BASE_URL },
    data: {
      bundle: 'newborn',
      items: [],
      data: {
        applicant_name: me.name,
        applicant_id_number: me.id,
        applicant_phone: me.phone,
        newborn_name: '刘小宝',
        newborn_gender: 'male',
        newborn_birth_date: chinaDate(-5),
        newborn_birth_place: '眉县人民医院',
        mother_name: me.name,
        mother_id_number: me.id,
        father_name: '王大力',
        father_id_number: idNumber('19860202'),
        marriage_registration_date: '2021-10-01',
        household_follow: 'father',
        household_address: '眉县首善街道',
        residence_address: '眉县首善街道平阳街 12 号',
        contact_address: '眉县首善街道平阳街 12 号',
        birth_record: await apiFiles(page, samplePng('分娩记录.png')),
        marriage_certificate: await apiFiles(page, samplePdf('结婚证.pdf')),
        household_register: await apiFiles(page, samplePdf('户口簿.pdf')),
        newborn_photo: await apiFiles(page, samplePng('新生儿照片.png', { hue: 2 })),
        declaration_truthful: true,
      },
    },
  });
  assert.equal(res.status(), 201, await res.text());
  return res.json();
}

/** Registers a citizen through the API (as the page's own origin) and keeps the session. */
export async function registerCitizen(page, name = '测试用户') {
  // Another test file may have taken the number (1 in 1000 per pair): take
  // the next one, a few times at most.
  for (let attempt = 1; ; attempt += 1) {
    const phone = uniquePhone();
    const id = idNumber('19880315');
    const res = await page.request.post(`${BASE_URL}/api/v1/auth/register`, {
      headers: { Origin: BASE_URL },
      data: { phone, password: '眉县的猕猴桃最甜', name, id_number: id },
    });
    if (res.status() === 201) return { phone, id, name };
    const text = await res.text();
    if (attempt >= 5 || !/(id_number|phone)_taken/.test(text)) throw new Error(`register: ${res.status()} ${text}`);
  }
}

/** Logs in through the API (the session cookie lands in the page's context). */
export async function apiLogin(page, login, password = 'Demo@2024') {
  const res = await page.request.post(`${BASE_URL}/api/v1/auth/login`, {
    headers: { Origin: BASE_URL },
    data: { login, password },
  });
  if (res.status() !== 200) throw new Error(`login ${login}: ${res.status()} ${await res.text()}`);
}

// ── Files to upload ──
const files = mkdtempSync(join(tmpdir(), 'onething-files-'));
process.on('exit', () => rmSync(files, { recursive: true, force: true }));

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A photo-like PNG (`width` × `height`, RGB stripes in `hue` 0–2) written to a
 * temp file named `name`; returns its path.
 */
export function samplePng(name = 'photo.png', { width = 320, height = 240, hue = 0 } = {}) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x += 1) {
      const i = row + 1 + x * 3;
      const band = Math.floor((x + y) / 24) % 2;
      raw[i + hue] = band ? 220 : 90;
      raw[i + ((hue + 1) % 3)] = Math.floor((255 * y) / height);
      raw[i + ((hue + 2) % 3)] = 160;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
  const path = join(files, name);
  writeFileSync(path, png);
  return path;
}

/** A small valid one-page PDF (header, objects, xref, trailer, startxref, %%EOF); returns its path. */
export function samplePdf(name = 'scan.pdf', text = 'OneThing test document') {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null, // the content stream, below
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const stream = `BT /F1 24 Tf 72 760 Td (${text}) Tj ET`;
  objects[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let pdf = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) pdf += `${String(o).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const path = join(files, name);
  writeFileSync(path, pdf, 'latin1');
  return path;
}

/** Uploads a file through the API (as the page's origin); returns the upload. */
export async function apiUpload(page, path) {
  const name = basename(path);
  const mimeType = name.endsWith('.pdf') ? 'application/pdf' : 'image/png';
  const res = await page.request.post(`${BASE_URL}/api/v1/uploads`, {
    headers: { Origin: BASE_URL },
    multipart: { file: { name, mimeType, buffer: readFileSync(path) } },
  });
  if (res.status() !== 201) throw new Error(`upload ${name}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** A material answer of freshly uploaded files: `{"files": [ids]}`. */
export async function apiFiles(page, ...paths) {
  const ids = [];
  for (const p of paths) ids.push((await apiUpload(page, p)).id);
  return { files: ids };
}

/**
 * Chooses `paths` in the file picker inside `scope` (a material field or a
 * supply form) and waits until each is uploaded and listed.
 */
export async function uploadFiles(scope, paths) {
  const list = Array.isArray(paths) ? paths : [paths];
  const done = scope.locator('.file[data-upload]');
  const before = await done.count();
  // The file picker (the other input is the camera's).
  await scope.locator('input[type=file]:not([capture])').setInputFiles(list);
  await scope.locator('.file.sending').first().waitFor({ state: 'detached', timeout: 30_000 }).catch(() => {});
  const failed = scope.locator('.file.failed');
  if ((await failed.count()) > 0) throw new Error(`upload refused: ${await failed.first().innerText()}`);
  await scope.page().waitForFunction(
    ([el, n]) => el.querySelectorAll('.file[data-upload]').length >= n,
    [await scope.elementHandle(), before + list.length],
    { timeout: 30_000 },
  );
}

/**
 * Fills every field of the wizard's current step from `values` (by field
 * key): text inputs are typed, radios clicked, checkboxes ticked, files
 * (a path or a list of paths) uploaded; `'commit'` promises a material
 * (容缺受理). Fields already holding a value (prefilled, or files already
 * uploaded) are left alone unless `values` has them.
 */
export async function fillStep(page, values) {
  const keys = await page.locator('.wizard [data-field]').evaluateAll((els) => els.map((e) => e.dataset.field));
  for (const key of keys) {
    if (!(key in values)) continue;
    const v = values[key];
    const field = page.locator(`.wizard [data-field="${key}"]`);
    // A material held as an e-certificate needs nothing.
    if ((await field.locator('.certificate-note').count()) > 0) continue;
    if ((await field.locator('input[type=file]').count()) > 0) {
      const promise = field.locator(`#f-${key}-commit`);
      if (v === 'commit') {
        await promise.check();
      } else {
        if ((await promise.count()) > 0 && (await promise.isChecked())) await promise.uncheck();
        if ((await field.locator('.file[data-upload]').count()) === 0) await uploadFiles(field, v);
      }
      continue;
    }
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
