import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BASE_URL,
  DESKTOP,
  apiLogin,
  hydrated,
  launch,
  newPage,
  registerCitizen,
  screenshot,
  fileNewborn,
} from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A clerk opens the item of `tracking` from the department queue. */
async function openFromQueue(page, tracking, item) {
  await page.goto(`${BASE_URL}/workbench`);
  await page.locator(`.queue-row[data-item="${item}"]`, { hasText: tracking }).click();
  await page.waitForURL(/\/workbench\/items\//);
  await hydrated(page);
}

async function clerkAction(page, action, text) {
  await page.locator(`button[data-action="${action}"]`).click();
  if (text !== undefined) {
    await page.locator('#action-text').fill(text);
    await page.locator('.confirm .button').first().click();
  }
  await page.waitForLoadState('load');
}

test('新生儿出生 through the departments: release, 补正, one timeline', async () => {
  const citizen = await newPage(browser);
  const me = await registerCitizen(citizen, '刘美丽');
  const created = await fileNewborn(citizen, me);
  const tracking = created.tracking_no;

  // 县卫健局 accepts and completes 《出生医学证明》 on a desktop.
  const health = await newPage(browser, { viewport: DESKTOP });
  await apiLogin(health, 'clerk-health');
  await health.goto(`${BASE_URL}/workbench`);
  await health.getByRole('heading', { name: '县卫健局' }).waitFor();
  await screenshot(health, 'workbench-queue-desktop');
  await openFromQueue(health, tracking, 'birth-certificate');
  await health.getByText('刘小宝').first().waitFor();
  assert.equal(await health.locator('[data-field="household_follow"]').count(), 0, 'need-to-know only');
  await clerkAction(health, 'accept');
  await health.locator('[data-status="accepted"]').first().waitFor();
  await hydrated(health);
  await health.locator('button[data-action="complete"]').click();
  await health.locator('#cert-no').fill('R610326000123');
  await health.locator('.confirm .button').first().click();
  await health.waitForLoadState('load');
  await health.locator('[data-status="completed"]').first().waitFor();
  await screenshot(health, 'workbench-item-completed');

  // That released 出生登记 at 县公安局, which returns it for 补正.
  const police = await newPage(browser, { viewport: DESKTOP });
  await apiLogin(police, 'clerk-public-security');
  await police.goto(`${BASE_URL}/workbench?status=pending`);
  await police.locator('.queue-row[data-item="birth-registration"]', { hasText: tracking }).waitFor();
  await openFromQueue(police, tracking, 'birth-registration');
  await clerkAction(police, 'accept');
  await hydrated(police);
  // A return needs a reason.
  await police.locator('button[data-action="return"]').click();
  await police.locator('.confirm .button').first().click();
  await police.getByText('请写明原因').waitFor();
  await police.locator('#action-text').fill('户籍地址请写到门牌号');
  await police.locator('.confirm .button').first().click();
  await police.waitForLoadState('load');
  await police.locator('[data-status="returned"]').first().waitFor();

  // The citizen, on a phone, sees what to do and supplements.
  await citizen.goto(`${BASE_URL}/`);
  await citizen.locator('.nav-badge').waitFor();
  await citizen.goto(`${BASE_URL}/submissions/${created.id}`);
  await citizen.locator('[data-status="needs_supplement"]').waitFor();
  const todo = citizen.locator('.todo[data-returned="birth-registration"]');
  await todo.getByText('户籍地址请写到门牌号').waitFor();
  await hydrated(citizen);
  await screenshot(citizen, 'submission-needs-supplement-phone');
  await todo.locator('#f-household_address').fill('眉县首善街道平阳街 12 号');
  await todo.getByRole('button', { name: '提交补正' }).click();
  await citizen.waitForLoadState('load');
  await citizen.locator('.todo').waitFor({ state: 'detached' });
  await citizen.locator('p[data-status="in_progress"]').waitFor();

  // 县公安局 accepts again and completes.
  await openFromQueue(police, tracking, 'birth-registration');
  await police.getByText('眉县首善街道平阳街 12 号').first().waitFor();
  await clerkAction(police, 'accept');
  await hydrated(police);
  await clerkAction(police, 'complete', '');
  await police.locator('[data-status="completed"]').first().waitFor();

  // The lead department sees the whole bundle with each department's part.
  await health.goto(`${BASE_URL}/workbench/board`);
  await health.locator(`.board-row[data-submission="${created.id}"] .step.completed`).first().waitFor();
  await screenshot(health, 'lead-board-desktop');

  // One timeline tells the citizen every step, newest first.
  await citizen.goto(`${BASE_URL}/submissions/${created.id}`);
  const events = await citizen.locator('.timeline li').evaluateAll((els) => els.map((e) => e.dataset.event));
  // 出生登记 done releases 社保卡 and 居民医保 (newest first).
  assert.deepEqual(events, [
    'release', 'release', 'complete', 'accept', 'supplement', 'return', 'accept', 'release', 'complete', 'accept', 'submitted',
  ]);
  const timeline = await citizen.locator('.timeline').innerText();
  for (const text of ['县卫健局 · 受理', '县公安局 · 前置事项已办结，开始办理', '县公安局 · 退回补正', '户籍地址请写到门牌号', '申请人已补正']) {
    assert.ok(timeline.includes(text), `timeline shows ${text}`);
  }
  await citizen.locator('.part[data-item="birth-registration"] .pill', { hasText: '已办结' }).waitFor();
  await screenshot(citizen, 'submission-timeline-phone');
  for (const p of [citizen, health, police]) {
    assert.deepEqual(p.errors, []);
    await p.context().close();
  }
});
