// 节假日安排 on a phone: an admin follows the calendar notice on the admin
// page, enters next year's 国庆 days as a range, is told in Chinese about a
// date that does not exist, and after saving sees the year entered, with
// its version and who entered it. (A holiday a year or more away, so the
// other tests' due dates are not moved.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE_URL, apiLogin, chinaDate, hydrated, launch, newPage, screenshot } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('an admin enters next year\'s holidays at run time', async () => {
  const next = Number(chinaDate(0).slice(0, 4)) + 1;
  const page = await newPage(browser);
  await apiLogin(page, 'admin');
  await page.goto(`${BASE_URL}/admin`);
  await page.getByRole('link', { name: '查看和录入节假日安排' }).click();
  await page.waitForURL(`${BASE_URL}/admin/calendar`);
  await hydrated(page);
  assert.equal(await page.locator('h1').innerText(), '节假日安排');

  const form = page.locator(`#year-${next}`);
  const holidays = form.getByLabel('放假日期');
  await holidays.fill(`${next}-13-01`);
  await form.getByRole('button', { name: `保存 ${next} 年的安排` }).click();
  const summary = form.locator('.error-summary');
  await summary.waitFor();
  assert.match(await summary.innerText(), /不是日期/);
  assert.equal(await holidays.getAttribute('aria-invalid'), 'true');

  await holidays.fill(`${next}-10-01~${next}-10-03 # 国庆节`);
  await form.getByRole('button', { name: `保存 ${next} 年的安排` }).click();
  const row = page
    .locator('table tbody tr')
    .filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${next}$`) }) });
  await row.getByText(/第 \d+ 版，系统管理员 录入于/).waitFor();
  assert.equal(await row.locator('td').nth(2).innerText(), '3', 'three days off');
  assert.equal(await row.locator('td').nth(3).innerText(), '0', 'no workdays');
  // The saved days come back as a range in the form.
  await hydrated(page);
  assert.equal(await page.locator(`#year-${next}`).getByLabel('放假日期').inputValue(), `${next}-10-01~${next}-10-03`);
  await screenshot(page, 'admin-calendar');
  await page.context().close();
});
