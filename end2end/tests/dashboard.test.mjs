// 效能评估 on a desktop: a citizen files 新生儿出生 and one of its items runs
// past its deadline; the county office's evaluator opens the dashboard,
// filters to 新生儿出生, follows the red 当前逾期 to the overdue item behind it,
// and downloads the Excel report, whose numbers are the page's. The page
// also works without JavaScript (a plain GET form) and on a phone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import {
  BASE_URL,
  DESKTOP,
  PHONE,
  apiLogin,
  chinaDate,
  fileNewborn,
  hydrated,
  launch,
  newPage,
  registerCitizen,
  screenshot,
} from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The figure shown on a headline card. */
async function card(page, label) {
  const dd = page.locator('.stats-cards div', { has: page.locator('dt', { hasText: label }) }).locator('dd');
  return (await dd.innerText()).replace(/\s+/g, '').replace(/件$/, '');
}

test('the evaluator drills from an overdue bundle to its item and downloads the report', async (t) => {
  const citizen = await newPage(browser);
  const me = await registerCitizen(citizen, '评估测试');
  const filed = await fileNewborn(citizen, me);
  await citizen.context().close();

  // Time passes: 出生医学证明 should have been done ten days ago.
  const db = process.env.E2E_DATABASE;
  const late = Boolean(db);
  if (late) {
    execFileSync('sqlite3', [
      db,
      `UPDATE work_items SET due_date = '${chinaDate(-10)}' WHERE tracking_no = '${filed.tracking_no}' AND item = 'birth-certificate'`,
    ]);
  } else {
    t.diagnostic('E2E_DATABASE is not set (BASE_URL given): the overdue drill-down is skipped');
  }

  const page = await newPage(browser, { viewport: DESKTOP });
  await page.goto(`${BASE_URL}/staff/login`);
  await hydrated(page);
  await page.getByLabel('用户名').fill('evaluator');
  await page.getByLabel('密码').fill('Demo@2024');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(/\/dashboard/);
  assert.equal(await page.locator('h1').innerText(), '全县效能评估');

  // Filter to 新生儿出生 with the form (a GET: the URL says what is shown).
  await page.getByLabel('一件事', { exact: true }).selectOption({ label: '新生儿出生' });
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(/bundle=newborn/);
  assert.equal(await page.locator('h1').innerText(), '新生儿出生');
  const submissions = await card(page, '办件量');
  const workItems = await card(page, '子件');
  assert.ok(Number(workItems) >= 5, `子件 ${workItems}`);
  // 四减一优: the bundle's row, before → after.
  const saving = page.locator('section.savings tr', { hasText: '新生儿出生' });
  await saving.waitFor();
  assert.match(await saving.innerText(), /→/);
  await screenshot(page, 'dashboard-newborn');

  if (late) {
    const overdue = page.locator('.stats-cards .alert a');
    await overdue.click();
    await page.waitForURL(/\/dashboard\/overdue\?.*bundle=newborn/);
    const row = page.locator('tr', { hasText: filed.tracking_no });
    await row.waitFor();
    assert.match(await row.innerText(), /出生医学证明[\s\S]*\d+ 个工作日/);
    assert.doesNotMatch(await page.content(), new RegExp(me.name), 'no applicant on the drill-down');
    await screenshot(page, 'dashboard-overdue');
    await page.goBack();
  }

  // The Excel report holds the numbers of the page.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: '下载评估报告（Excel）' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^效能评估-.*\.xlsx$/);
  const file = join(mkdtempSync(join(tmpdir(), 'onething-report-')), 'report.xlsx');
  await download.saveAs(file);
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(file);
  assert.deepEqual(
    book.worksheets.map((s) => s.name),
    ['总览', '各部门', '各一件事', '各事项', '四减一优', '趋势', '诉求'],
  );
  const savings = book.getWorksheet('四减一优');
  assert.equal(savings.getCell('A4').value, '新生儿出生', '四减一优 of the bundle filed');
  const overview = book.getWorksheet('总览');
  assert.match(String(overview.getCell('A1').value), /^眉县·新生儿出生效能评估报告/);
  const value = (label) => {
    let found;
    overview.eachRow((r) => {
      if (r.getCell(1).value === label) found = String(r.getCell(2).value);
    });
    return found;
  };
  assert.equal(value('办件量'), submissions);
  assert.equal(value('子件'), workItems);
  await page.context().close();
});

test('the dashboard works without JavaScript and fits a phone', async () => {
  const page = await newPage(browser, { viewport: PHONE, javaScriptEnabled: false });
  await apiLogin(page, 'evaluator');
  await page.goto(`${BASE_URL}/dashboard?bundle=newborn&from=${chinaDate(-6)}&to=${chinaDate(0)}`);
  assert.equal(await page.locator('h1').innerText(), '新生儿出生');
  assert.equal(await page.locator('input[name=from]').inputValue(), chinaDate(-6));
  // The chart has a text alternative and its numbers in a table.
  const label = await page.locator('figure.chart svg').first().getAttribute('aria-label');
  assert.match(label, /办件量趋势/);
  assert.equal(await page.locator('.chart-data tbody tr').count(), 7);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone`);
  await screenshot(page, 'dashboard-phone');
  // A clerk sees their own department only.
  await page.context().close();
  const clerk = await newPage(browser, { viewport: PHONE, javaScriptEnabled: false });
  await apiLogin(clerk, 'clerk-public-security');
  await clerk.goto(`${BASE_URL}/dashboard`);
  assert.equal(await clerk.locator('h1').innerText(), '县公安局');
  await clerk.context().close();
});

test('an admin publishes the 高频清单 from the ranking and the public page shows it', async () => {
  const page = await newPage(browser, { viewport: DESKTOP });
  await apiLogin(page, 'admin');
  await page.goto(`${BASE_URL}/dashboard/high-frequency?from=${chinaDate(-29)}&to=${chinaDate(0)}`);
  await hydrated(page);
  assert.equal(await page.locator('h1').innerText(), '高频事项排行');
  const first = page.locator('table').first().locator('tbody tr').first();
  assert.match(await first.innerText(), /^1\s/, 'ranked from 1');
  await page.getByLabel('新生儿出生', { exact: true }).check();
  await page.getByLabel('说明（可选）').fill('端到端测试发布');
  await page.getByRole('button', { name: '发布新版本' }).click();
  await page.getByText(/现行清单：第 \d+ 版/).waitFor();
  await screenshot(page, 'dashboard-high-frequency');
  await page.goto(`${BASE_URL}/high-frequency`);
  await page.getByRole('link', { name: '新生儿出生' }).waitFor();
  assert.match(await page.locator('main').innerText(), /端到端测试发布/);
  await page.context().close();
});
