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

test('home lists the bundles as 个人办事 and 企业办事 on a phone', async () => {
  const page = await newPage(browser);
  const res = await page.goto(`${BASE_URL}/`);
  assert.equal(res.status(), 200);
  assert.match(await page.title(), /一件事/);
  await page.getByRole('heading', { name: '个人办事' }).waitFor();
  await page.getByRole('heading', { name: '企业办事' }).waitFor();
  assert.equal(await page.locator('#citizen-bundles ~ ul .bundle-card, section[aria-labelledby="citizen-bundles"] .bundle-card').count(), 5);
  assert.equal(await page.locator('section[aria-labelledby="enterprise-bundles"] .bundle-card').count(), 8);
  // Nothing overflows the phone's width.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
  await screenshot(page, 'home-phone');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('bundle page shows items, departments and the lead, and expands once hydrated', async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE_URL}/`);
  await page.locator('a[data-bundle="restaurant"]').click();
  await page.waitForURL(/\/bundles\/restaurant$/);
  await page.getByRole('heading', { level: 1 }).filter({ hasText: '开办餐饮店' }).waitFor();
  await page.getByText('★ 牵头部门：').waitFor();
  assert.match(await page.locator('.lead-line').innerText(), /县市场监管局/);
  const items = page.locator('#bundle-items details');
  assert.equal(await items.count(), 4);
  assert.equal(await page.locator('#bundle-items details[open]').count(), 0);

  await hydrated(page);
  await page.getByRole('button', { name: '全部展开' }).click();
  assert.equal(await page.locator('#bundle-items details[open]').count(), 4);
  await page.getByText('县城市管理执法局').first().waitFor();
  await page.getByRole('button', { name: '全部收起' }).waitFor();
  await screenshot(page, 'bundle-restaurant-phone');

  await page.getByRole('button', { name: '全部收起' }).click();
  assert.equal(await page.locator('#bundle-items details[open]').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a bundle page is complete without JavaScript', async () => {
  const page = await newPage(browser, { javaScriptEnabled: false });
  await page.goto(`${BASE_URL}/bundles/ipo-compliance`);
  assert.equal(await page.locator('#bundle-items details').count(), 17);
  await page.locator('#bundle-items summary').first().click();
  assert.equal(await page.locator('#bundle-items details[open]').count(), 1);
  await page.context().close();
});

test('desktop layout and an unknown bundle answers 404', async () => {
  const page = await newPage(browser, { viewport: DESKTOP });
  await page.goto(`${BASE_URL}/`);
  await screenshot(page, 'home-desktop');
  const res = await page.goto(`${BASE_URL}/bundles/no-such-bundle`);
  assert.equal(res.status(), 404);
  await page.getByRole('heading', { name: '页面不存在' }).waitFor();
  await page.context().close();
});
