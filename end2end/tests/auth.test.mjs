import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE_URL, DESKTOP, hydrated, launch, newPage, screenshot } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

// A fresh phone and a valid 身份证号 for each run.
function uniquePhone() {
  return `137${String(Date.now() % 1e8).padStart(8, '0')}`;
}
function idNumber() {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const seq = String(Date.now() % 1000).padStart(3, '0');
  const first17 = `61032619880315${seq}`;
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

test('a citizen registers, logs out and logs in again on a phone', async () => {
  const page = await newPage(browser);
  const phone = uniquePhone();
  const id = idNumber();
  await page.goto(`${BASE_URL}/register`);
  await hydrated(page);

  // Inline validation as a field is left, in Chinese, next to the field.
  await page.getByLabel('身份证号').fill(`${id.slice(0, 17)}${id.endsWith('1') ? '2' : '1'}`);
  await page.getByLabel('手机号').focus();
  await page.locator('#f-id_number-error').getByText('校验位不正确').waitFor();
  await screenshot(page, 'register-inline-error-phone');

  await page.getByLabel('姓名').fill('刘美丽');
  await page.getByLabel('身份证号').fill(id);
  await page.getByLabel('手机号').fill(phone);
  await page.getByLabel('设置密码').fill('眉县的猕猴桃最甜');
  await page.getByLabel('设置密码').blur();
  assert.equal(await page.locator('.field-error').count(), 0);
  await page.getByRole('button', { name: '注册并登录' }).click();

  await page.waitForURL(`${BASE_URL}/me`);
  await page.getByRole('heading', { name: '刘美丽' }).waitFor();
  const text = await page.locator('main').innerText();
  assert.ok(text.includes(`${phone.slice(0, 3)}****${phone.slice(7)}`), 'masked phone');
  assert.ok(text.includes('6103************'), 'masked ID');
  assert.ok(!text.includes(id), 'the full ID is never shown');
  await screenshot(page, 'me-phone');

  await hydrated(page);
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.waitForURL(`${BASE_URL}/`);
  await page.getByRole('link', { name: '登录' }).first().waitFor();

  // /me now sends to the login page, which brings us back after logging in.
  await page.goto(`${BASE_URL}/me`);
  await page.waitForURL(/\/login\?next=/);
  await hydrated(page);
  await page.getByLabel('手机号').fill(phone);
  await page.getByLabel('密码').fill('wrong password');
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('.error-summary').getByText('登录失败').waitFor();
  await page.getByLabel('密码').fill('眉县的猕猴桃最甜');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${BASE_URL}/me`);
  await page.getByRole('heading', { name: '刘美丽' }).waitFor();
  assert.deepEqual(page.errors.filter((e) => !e.includes('401')), []);
  await page.context().close();
});

test('a clerk logs in as staff and lands on the department workbench', async () => {
  const page = await newPage(browser, { viewport: DESKTOP });
  await page.goto(`${BASE_URL}/staff/login`);
  await hydrated(page);
  await page.getByLabel('用户名').fill('clerk-health');
  await page.getByLabel('密码').fill('Demo@2024');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${BASE_URL}/workbench`);
  await page.getByRole('heading', { name: '县卫健局' }).waitFor();
  await page.context().close();
});

test('the admin sees staff accounts and a verified audit log', async () => {
  const page = await newPage(browser, { viewport: DESKTOP });
  await page.goto(`${BASE_URL}/staff/login`);
  await hydrated(page);
  await page.getByLabel('用户名').fill('admin');
  await page.getByLabel('密码').fill('Demo@2024');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${BASE_URL}/admin`);
  await page.getByText('clerk-market-regulation').waitFor();
  await page.getByText('哈希链校验通过').waitFor();
  await screenshot(page, 'admin-desktop');
  await page.context().close();
});
