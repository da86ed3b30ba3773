import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BASE_URL,
  chinaDate,
  continueStep,
  fillStep,
  hydrated,
  idNumber,
  launch,
  newPage,
  registerCitizen,
  registerEnterprise,
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

const restaurant = {
  contact_address: '眉县首善街道平阳街 12 号',
  enterprise_name: '眉县老味道餐饮有限公司',
  legal_representative: '刘美丽',
  legal_representative_id_number: idNumber('19800512'),
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
  business_licence_copy: samplePdf('营业执照.pdf'),
  food_safety_rules: samplePdf('食品安全管理制度.pdf'),
  premises_layout: 'commit',
  signage_design: samplePng('招牌设计.png', { hue: 1 }),
  fire_safety_commitment: samplePdf('消防安全承诺书.pdf'),
  declaration_truthful: true,
};

test('开办餐饮店: the whole merged form on a phone, with an error fixed and a reload', async () => {
  const page = await newPage(browser);
  const me = await registerCitizen(page, '刘美丽');
  // 开办餐饮店 is an enterprise bundle: file it acting for the enterprise.
  await page.goto(`${BASE_URL}/bundles/restaurant/apply`);
  await page.locator('[data-audience="enterprise"]').waitFor();
  const enterprise = await registerEnterprise(page, me);
  await page.goto(`${BASE_URL}/bundles/restaurant`);
  await page.getByRole('link', { name: '开始办理' }).click();
  await page.waitForURL(/\/bundles\/restaurant\/apply/);
  await hydrated(page);

  // Step 1: the applicant, prefilled from the account and marked as such.
  assert.equal(await screenName(page), 'applicant');
  assert.equal(await page.locator('#f-applicant_name').inputValue(), '刘美丽');
  assert.equal(await page.locator('#f-applicant_id_number').inputValue(), me.id);
  assert.ok((await page.locator('.chip.prefilled').count()) >= 3);
  await page.getByText('第 1 步，共').waitFor();
  await screenshot(page, 'wizard-restaurant-applicant');
  await fillStep(page, restaurant);
  await continueStep(page);

  // Step 2: a wrong check character in the credit code is caught as the
  // field is left, in Chinese, then corrected.
  assert.equal(await screenName(page), 'enterprise');
  // The code of the enterprise being acted for (the server refuses another).
  const good = enterprise.code;
  const bad = good.slice(0, 17) + (good.endsWith('A') ? 'B' : 'A');
  await page.locator('#f-credit_code').fill(bad);
  await page.locator('#f-enterprise_name').focus();
  await page.locator('[data-field="credit_code"] .field-error').getByText('校验位不正确').waitFor();
  await screenshot(page, 'wizard-restaurant-error');
  await continueStep(page, { stay: true });
  assert.equal(await screenName(page), 'enterprise', 'cannot continue with an error');
  await fillStep(page, { ...restaurant, credit_code: good });
  await page.locator('#f-enterprise_name').focus();
  assert.equal(await page.locator('[data-field="credit_code"] .field-error').count(), 0);
  // Shared facts say which items use them.
  await page.locator('[data-field="credit_code"] .used-by').getByText('食品经营许可').waitFor();
  await continueStep(page);

  // Step 3, half filled, then the page is reloaded: nothing is lost.
  assert.equal(await screenName(page), 'premises');
  await page.locator('#f-premises_address').fill(restaurant.premises_address);
  await page.locator('#f-premises_area').fill('120');
  await page.reload();
  await hydrated(page);
  await page.waitForFunction(() => document.querySelector('.wizard')?.dataset.screen === 'premises');
  assert.equal(await page.locator('#f-premises_address').inputValue(), restaurant.premises_address);
  assert.equal(await page.locator('#f-premises_area').inputValue(), '120');
  // Back and forward move between steps without losing answers.
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('.wizard')?.dataset.screen === 'enterprise');
  assert.equal(await page.locator('#f-credit_code').inputValue(), good);
  await page.goForward();
  await page.waitForFunction(() => document.querySelector('.wizard')?.dataset.screen === 'premises');
  await fillStep(page, restaurant);
  await continueStep(page);

  for (const step of ['business', 'materials', 'declaration']) {
    assert.equal(await screenName(page), step);
    await fillStep(page, restaurant);
    await continueStep(page);
  }

  // Check answers, change one, come back to the check page.
  assert.equal(await screenName(page), 'review');
  await page.getByText('眉县老味道面馆').waitFor();
  await page.getByText(/暂缺，承诺在 \d+ 个工作日内补交（告知承诺）/).waitFor();
  await page.getByText('已上传 1 个文件').first().waitFor();
  await screenshot(page, 'wizard-restaurant-review');
  await page.locator('.answer', { hasText: '招牌文字内容' }).getByRole('link', { name: /修改/ }).click();
  await page.waitForFunction(() => document.querySelector('.wizard')?.dataset.screen === 'business');
  await page.locator('#f-signage_text').fill('眉县老味道');
  await continueStep(page);
  assert.equal(await screenName(page), 'review', 'back to the check page after a change');
  await page.getByText('眉县老味道', { exact: true }).waitFor();
  // 场所平面图 is promised (容缺受理): agree to the 告知承诺书 first.
  await page.locator('.commitment-text[data-material="premises_layout"]').waitFor();
  await page.getByLabel('我已阅读并同意上述告知承诺书').check();

  await page.getByRole('button', { name: '提交申请' }).click();
  await page.waitForURL(/\/submissions\/[0-9a-f-]+\?new=1/);
  await page.getByRole('heading', { name: '申请已提交' }).waitFor();
  const tracking = await page.locator('.tracking-no').innerText();
  assert.match(tracking, /^MX\d{8}-[2-9A-Z]{6}$/);
  const parts = page.locator('.part');
  assert.equal(await parts.count(), 4);
  for (const dept of ['县市场监管局', '县城市管理执法局', '县消防救援大队']) {
    await page.locator('.part-dept', { hasText: dept }).first().waitFor();
  }
  await page.locator('.part[data-item="food-business-licence"] .pill', { hasText: '等待前置事项' }).waitFor();
  await screenshot(page, 'wizard-restaurant-receipt');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('新生儿出生: choose items, a wrong birth date corrected, reload, receipt', async () => {
  const page = await newPage(browser);
  await registerCitizen(page, '刘美丽');
  await page.goto(`${BASE_URL}/bundles/newborn/apply`);
  await hydrated(page);

  assert.equal(await screenName(page), 'items');
  assert.ok(await page.locator('#item-birth-certificate').isDisabled(), 'required items cannot be removed');
  await page.locator('#item-parenting-guidance').check();
  await screenshot(page, 'wizard-newborn-items');
  await continueStep(page);

  const father = idNumber('19870101');
  const values = {
    contact_address: '眉县首善街道平阳街 12 号',
    newborn_name: '刘小宝',
    newborn_gender: 'female',
    newborn_birth_date: chinaDate(2),
    newborn_birth_place: '眉县人民医院',
    newborn_birth_weight: '3200',
    parenting_guidance_mode: 'clinic',
    mother_name: '刘美丽',
    father_name: '王大力',
    father_id_number: father,
    marriage_registration_date: '2022-05-20',
    household_follow: 'father',
    household_address: '眉县首善街道平阳街 12 号',
    residence_address: '眉县首善街道平阳街 12 号',
    birth_record: samplePng('分娩记录.png'),
    marriage_certificate: samplePdf('结婚证.pdf'),
    household_register: samplePdf('户口簿.pdf'),
    newborn_photo: 'commit',
    declaration_truthful: true,
  };

  assert.equal(await screenName(page), 'applicant');
  await fillStep(page, values);
  await continueStep(page);

  // A birth date in the future is refused on continue, with the reason.
  assert.equal(await screenName(page), 'newborn');
  await fillStep(page, values);
  await continueStep(page, { stay: true });
  assert.equal(await screenName(page), 'newborn');
  await page.locator('[data-field="newborn_birth_date"] .field-error').getByText('不能晚于今天').waitFor();
  await fillStep(page, { newborn_birth_date: chinaDate(-12) });
  // The error goes as soon as the date is right, before leaving the field.
  await page.locator('[data-field="newborn_birth_date"] .field-error').waitFor({ state: 'detached' });
  await continueStep(page);

  // The mother's ID comes from the applicant's own number; reload here.
  assert.equal(await screenName(page), 'parents');
  await fillStep(page, values);
  await page.locator('#f-mother_id_number').fill((await page.locator('#f-mother_id_number').inputValue()) || idNumber('19880315'));
  await page.reload();
  await hydrated(page);
  await page.waitForFunction(() => document.querySelector('.wizard')?.dataset.screen === 'parents');
  assert.equal(await page.locator('#f-father_id_number').inputValue(), father);
  await fillStep(page, { ...values, mother_id_number: idNumber('19880315') });
  await continueStep(page);

  while ((await screenName(page)) !== 'review') {
    await fillStep(page, values);
    await continueStep(page);
    assert.equal(await page.locator('.error-summary').count(), 0, `no errors on ${await screenName(page)}`);
  }
  await page.getByText('科学育儿指导服务登记').waitFor();
  await page.getByLabel('我已阅读并同意上述告知承诺书').check();
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.waitForURL(/\/submissions\/[0-9a-f-]+\?new=1/);
  await page.getByRole('heading', { name: '申请已提交' }).waitFor();
  assert.equal(await page.locator('.part').count(), 6);
  await page.locator('.part[data-item="birth-certificate"] .pill', { hasText: '待受理' }).waitFor();
  await page.locator('.part[data-item="birth-registration"]', { hasText: '等待前置事项办结后开始计时' }).waitFor();
  await screenshot(page, 'wizard-newborn-receipt');

  // The draft is gone: starting again begins afresh.
  const draft = await page.request.get(`${BASE_URL}/api/v1/drafts/newborn`);
  assert.equal(draft.status(), 404);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
