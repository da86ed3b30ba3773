import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BASE_URL,
  DESKTOP,
  apiLogin,
  continueStep,
  creditCode,
  fillStep,
  hydrated,
  launch,
  newPage,
  registerCitizen,
  samplePdf,
  samplePng,
  screenName,
  screenshot,
} from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const answers = {
  contact_address: '眉县首善街道平阳街 12 号',
  enterprise_address: '眉县首善街道平阳街 12 号',
  premises_address: '眉县首善街道平阳街 12 号一层',
  premises_area: '120',
  seating_count: '40',
  business_floors: '1 层',
  food_business_type: 'restaurant',
  food_business_items: 'hot_food',
  food_safety_manager: '王师傅',
  food_safety_manager_phone: '13912345670',
  signage_text: '眉县老味道面馆',
  signage_size: '6 × 1.2',
  signage_position: 'door_top',
  fire_manager_name: '刘美丽',
  fire_manager_phone: '13912345671',
  food_safety_rules: samplePdf('食品安全管理制度.pdf'),
  premises_layout: samplePdf('场所平面图.pdf'),
  signage_design: samplePng('招牌设计.png', { hue: 1 }),
  fire_safety_commitment: samplePdf('消防安全承诺书.pdf'),
  declaration_truthful: true,
};

/** A clerk completes one item of the submission through the API. */
async function complete(page, created, item, result) {
  const w = created.work_items.find((x) => x.item === item);
  for (const action of ['accept', 'complete']) {
    const res = await page.request.post(`${BASE_URL}/api/v1/work-items/${w.id}/actions`, {
      headers: { Origin: BASE_URL },
      data: action === 'complete' && result ? { action, result } : { action },
    });
    assert.equal(res.status(), 200, `${item} ${action}: ${await res.text()}`);
  }
}

test('an enterprise opens a restaurant: e-certificates, the licence in the zone, a policy offered and confirmed', async () => {
  const page = await newPage(browser);
  const me = await registerCitizen(page, '刘美丽');

  // The legal representative registers the enterprise in 企业专区 (phone).
  await page.goto(`${BASE_URL}/enterprise`);
  await hydrated(page);
  const code = creditCode(`91610326MA${String(Date.now() % 1e7).padStart(7, '0')}`);
  await page.getByLabel('统一社会信用代码').fill(code);
  await page.getByLabel('企业名称').fill('眉县老味道餐饮有限公司');
  await page.getByLabel('法定代表人身份证号').fill(me.id);
  await page.getByRole('button', { name: '登记企业' }).click();
  await page.getByRole('heading', { name: '眉县老味道餐饮有限公司' }).waitFor();
  await page.locator('.acting-chip', { hasText: '眉县老味道餐饮有限公司' }).waitFor();
  await page.locator('.certificate[data-kind="business-licence"]', { hasText: code }).waitFor();
  // A new enterprise already matches 创业担保贷款贴息.
  await page.locator('.offer[data-policy="startup-guaranteed-loan-interest"]').waitFor();

  // 开办餐饮店 through the wizard: known facts prefilled, the licence免提交.
  await page.goto(`${BASE_URL}/bundles/restaurant/apply`);
  await hydrated(page);
  const steps = [];
  while ((await screenName(page)) !== 'review') {
    const step = await screenName(page);
    steps.push(step);
    if (step === 'enterprise') {
      assert.equal(await page.locator('#f-credit_code').inputValue(), code);
      await page.locator('[data-field="enterprise_name"] .chip.prefilled', { hasText: '来自档案' }).waitFor();
    }
    if (step === 'materials') {
      await page.locator('[data-field="business_licence_copy"] .certificate-note', { hasText: '已有电子证照，免提交' }).waitFor();
      await screenshot(page, 'wizard-certificate-phone');
    }
    await fillStep(page, answers);
    await continueStep(page);
  }
  assert.ok(steps.includes('materials'));
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.waitForURL(/\/submissions\/[0-9a-f-]+\?new=1/);
  const id = page.url().match(/submissions\/([0-9a-f-]+)/)[1];
  const created = await (await page.request.get(`${BASE_URL}/api/v1/submissions/${id}`)).json();

  // The clerks complete it; 食品经营许可 issues the licence (clerk at a desktop).
  const market = await newPage(browser, { viewport: DESKTOP });
  await apiLogin(market, 'clerk-market-regulation');
  const check = created.work_items.find((w) => w.item === 'restaurant-licence-check');
  await market.goto(`${BASE_URL}/workbench/items/${check.id}`);
  await market.getByText('电子证照：营业执照').waitFor();
  await market.getByText('已核验').first().waitFor();
  await complete(market, created, 'restaurant-licence-check');
  const food = created.work_items.find((w) => w.item === 'food-business-licence');
  await market.goto(`${BASE_URL}/workbench/items/${food.id}`);
  await hydrated(market);
  await market.locator('button[data-action="accept"]').click();
  await market.waitForLoadState('load');
  await hydrated(market);
  await market.locator('button[data-action="complete"]').click();
  await market.locator('#cert-no').fill('JY16103260001234');
  await market.locator('.confirm .button').first().click();
  await market.locator('[data-status="completed"]').first().waitFor();
  const urban = await newPage(browser, { viewport: DESKTOP });
  await apiLogin(urban, 'clerk-urban-management');
  await complete(urban, created, 'outdoor-signage');
  const fire = await newPage(browser, { viewport: DESKTOP });
  await apiLogin(fire, 'clerk-fire-rescue');
  await complete(fire, created, 'fire-safety-inspection', { certificate_no: 'XF610326-2026-001' });

  // The enterprise zone shows the licence and offers the opening subsidy.
  await page.goto(`${BASE_URL}/enterprise`);
  await page.locator('.certificate[data-kind="food-business-licence"]', { hasText: 'JY16103260001234' }).waitFor();
  const offer = page.locator('.offer[data-policy="new-restaurant-opening-subsidy"]');
  await offer.waitFor();
  await hydrated(page);
  await screenshot(page, 'enterprise-zone-offer-phone');
  await offer.getByRole('button', { name: '确认享受' }).click();
  await page.locator('.offer[data-policy="new-restaurant-opening-subsidy"][data-status="confirmed"]').waitFor();

  // …which reaches 县商务和工业信息化局's workbench, with no form filled.
  const commerce = await newPage(browser, { viewport: DESKTOP });
  await apiLogin(commerce, 'clerk-commerce-industry');
  await commerce.goto(`${BASE_URL}/workbench`);
  await commerce.locator('.queue-row[data-item="new-restaurant-opening-subsidy"]').waitFor();
  await screenshot(page, 'enterprise-zone-confirmed-phone');
  for (const p of [page, market, urban, fire, commerce]) {
    assert.deepEqual(p.errors, []);
    await p.context().close();
  }
});
