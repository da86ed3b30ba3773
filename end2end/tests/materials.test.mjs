import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  samplePdf,
  samplePng,
  screenName,
  screenshot,
  uploadFiles,
} from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Whether the picture in `img` (a locator) was served and decoded. */
async function loaded(img) {
  await img.waitFor();
  return img.evaluate((el) => (el.complete ? el.naturalWidth : new Promise((ok) => (el.onload = () => ok(el.naturalWidth)))));
}

test('新生儿出生 with materials on a phone: a photo and a PDF, 结婚证 promised and handed in, 分娩记录 不合格 and 补正 with a new photo', async () => {
  const photo = samplePng('分娩记录.png', { width: 480, height: 360 });
  const pdf = samplePdf('户口簿.pdf');
  const citizen = await newPage(browser);
  await registerCitizen(citizen, '刘美丽');

  // ── The citizen files, attaching files through the picker ──
  await citizen.goto(`${BASE_URL}/bundles/newborn/apply`);
  await hydrated(citizen);
  assert.equal(await screenName(citizen), 'items');
  await continueStep(citizen);
  const values = {
    contact_address: '眉县首善街道平阳街 12 号',
    newborn_name: '刘小宝',
    newborn_gender: 'female',
    newborn_birth_date: chinaDate(-3),
    newborn_birth_place: '眉县人民医院',
    mother_name: '刘美丽',
    mother_id_number: idNumber('19880315'),
    father_name: '王大力',
    father_id_number: idNumber('19870101'),
    marriage_registration_date: '2022-05-20',
    household_follow: 'father',
    household_address: '眉县首善街道平阳街 12 号',
    residence_address: '眉县首善街道平阳街 12 号',
    declaration_truthful: true,
  };
  while ((await screenName(citizen)) !== 'materials') {
    await fillStep(citizen, values);
    await continueStep(citizen);
  }

  // Two labelled buttons, the camera and the phone's files (PDFs too:
  // Android offers only the camera to an input with `capture`); each input
  // is named by the material and its button, read once.
  const record = citizen.locator('[data-field="birth_record"]');
  await record.getByText('选择文件', { exact: true }).waitFor();
  const camera = record.getByRole('button', { name: '医院出具的分娩记录 拍照', exact: true });
  assert.equal(await camera.getAttribute('capture'), 'environment');
  assert.equal(await camera.getAttribute('accept'), 'image/*');
  const files = record.getByRole('button', { name: '医院出具的分娩记录 选择文件', exact: true });
  assert.equal(await files.getAttribute('capture'), null);
  assert.equal(await files.getAttribute('accept'), 'image/*,application/pdf');
  await uploadFiles(record, photo);
  assert.ok((await loaded(record.locator('.thumb img'))) > 0, 'the photo comes back as a thumbnail');
  await record.locator('.file', { hasText: '分娩记录.png' }).waitFor();

  // A PDF shows an icon, its name and size; a second file can be deleted.
  const register = citizen.locator('[data-field="household_register"]');
  await uploadFiles(register, [pdf, samplePdf('多余的.pdf', 'extra')]);
  await register.locator('.file', { hasText: '户口簿.pdf' }).locator('.file-icon', { hasText: 'PDF' }).waitFor();
  assert.match(await register.locator('.file', { hasText: '户口簿.pdf' }).innerText(), /\d+ (B|KB)/);
  await register.locator('.file', { hasText: '多余的.pdf' }).getByRole('button', { name: /删除/ }).click();
  await register.locator('.file', { hasText: '多余的.pdf' }).waitFor({ state: 'detached' });
  assert.equal(await register.locator('.file[data-upload]').count(), 1);

  // A photo over 2000 px is scaled down in the browser and sent as JPEG.
  const newborn = citizen.locator('[data-field="newborn_photo"]');
  await uploadFiles(newborn, samplePng('新生儿照片.png', { width: 2600, height: 1800, hue: 2 }));
  await newborn.locator('.file[data-type="image/jpeg"]', { hasText: '新生儿照片.jpg' }).waitFor();
  const sent = await citizen.request.get(`${BASE_URL}/api/v1/uploads`);
  const big = (await sent.json()).find((u) => u.filename === '新生儿照片.jpg');
  assert.equal(big?.content_type, 'image/jpeg');

  // What the server refuses is said beside the field, in Chinese.
  const text = join(tmpdir(), `说明-${process.pid}.txt`);
  writeFileSync(text, '这不是图片');
  const refused = newborn.locator('.file.failed', { hasText: '说明-' });
  // The field may be rendered anew as the draft of the uploads above is
  // saved; a file set on the input it replaces is never sent, so choose it
  // again on the current input (at most 3 times) until it is listed.
  for (let attempt = 1; ; attempt += 1) {
    await newborn.locator('input[type=file]:not([capture])').setInputFiles(text);
    const listed = await newborn
      .locator('.file', { hasText: '说明-' })
      .first()
      .waitFor({ timeout: 5_000 })
      .then(() => true, () => false);
    if (listed) break;
    assert.ok(attempt < 3, 'the chosen file is listed beside the field');
  }
  rmSync(text);
  await refused.getByText('只能上传 PDF、JPG、PNG 或 WebP 格式的文件').waitFor();
  await refused.getByRole('button', { name: /移除/ }).click();
  await refused.waitFor({ state: 'detached' });
  // (Chromium logs the refused request; that error is the expected one.)
  citizen.errors = citizen.errors.filter((e) => !e.includes('status of 415'));

  // 结婚证 may be promised (容缺受理, 5 working days): the 告知承诺书 shows.
  const marriage = citizen.locator('[data-field="marriage_certificate"]');
  await marriage.getByLabel('暂缺，承诺在 5 个工作日内补交（容缺受理）').check();
  await marriage.locator('.commitment-text', { hasText: '《父母结婚证》' }).waitFor();
  assert.ok(await marriage.locator('.material-files').isHidden(), 'no picker for a promised material');
  await screenshot(citizen, 'materials-wizard-phone');

  // Once the draft is saved, the server renders the step with its files
  // and the picker, so nothing jumps when the page hydrates.
  for (let i = 0; ; i += 1) {
    const draft = await (await citizen.request.get(`${BASE_URL}/api/v1/drafts/newborn`)).json();
    if (draft.data?.marriage_certificate === 'commit' && draft.data?.newborn_photo?.files?.length === 1) break;
    assert.ok(i < 50, 'the draft is saved');
    await citizen.waitForTimeout(200);
  }
  const ssr = await (await citizen.request.get(`${BASE_URL}/bundles/newborn/apply?step=materials`)).text();
  for (const text of ['选择文件', 'capture="environment"', '分娩记录.png', '户口簿.pdf', '新生儿照片.jpg', 'accept="image/*,application/pdf"']) {
    assert.ok(ssr.includes(text), `server-rendered: ${text}`);
  }

  // A reload keeps the files (names and thumbnails from the server).
  await citizen.reload();
  await hydrated(citizen);
  await citizen.waitForFunction(() => document.querySelector('.wizard')?.dataset.screen === 'materials');
  await record.locator('.file', { hasText: '分娩记录.png' }).waitFor();
  await register.locator('.file', { hasText: '户口簿.pdf' }).waitFor();
  assert.ok(await marriage.getByLabel('暂缺，承诺在 5 个工作日内补交（容缺受理）').isChecked());
  await continueStep(citizen);
  while ((await screenName(citizen)) !== 'review') {
    await fillStep(citizen, values);
    await continueStep(citizen);
  }

  // Check answers: files counted, the promise with its term; no filing
  // without agreeing to the 告知承诺书.
  await citizen.locator('.answer', { hasText: '医院出具的分娩记录' }).getByText('已上传 1 个文件').waitFor();
  await citizen.locator('.answer', { hasText: '父母结婚证' }).getByText('暂缺，承诺在 5 个工作日内补交（告知承诺）').waitFor();
  await citizen.getByRole('button', { name: '提交申请' }).click();
  await citizen.locator('[data-field="commitment_agreed"] .field-error').waitFor();
  await citizen.locator('.error-summary a[href="#f-commitment_agreed"]').waitFor();
  await screenshot(citizen, 'materials-review-commitment-phone');
  await citizen.getByLabel('我已阅读并同意上述告知承诺书').check();
  await citizen.getByRole('button', { name: '提交申请' }).click();
  await citizen.waitForURL(/\/submissions\/[0-9a-f-]+\?new=1/);
  const submission = citizen.url().match(/submissions\/([0-9a-f-]+)/)[1];
  const tracking = await citizen.locator('.tracking-no').innerText();

  // ── The promise, handed in from the submission page ──
  const promise = citizen.locator('.commitment-group[data-material="marriage_certificate"]');
  await promise.locator('.commitment-row[data-status="open"]', { hasText: '截止' }).waitFor();
  await citizen.locator('.material-doc[data-material="birth_record"] .file', { hasText: '分娩记录.png' }).waitFor();
  await hydrated(citizen);
  await uploadFiles(promise.locator('form'), samplePdf('结婚证.pdf'));
  await promise.getByRole('button', { name: '提交补交材料' }).click();
  await promise.getByText('补交，等待部门核查').waitFor();
  await promise.locator('.file', { hasText: '结婚证.pdf' }).waitFor();
  await screenshot(citizen, 'materials-submission-phone');

  // ── The clerk of 县卫健局 reviews 分娩记录 and returns it ──
  const clerk = await newPage(browser);
  await clerk.goto(`${BASE_URL}/staff/login`);
  await hydrated(clerk);
  await clerk.getByLabel('用户名').fill('clerk-health');
  await clerk.getByLabel('密码').fill('Demo@2024');
  await clerk.getByRole('button', { name: '登录' }).click();
  await clerk.waitForURL(`${BASE_URL}/workbench`);
  await clerk.locator('.queue-row[data-item="birth-certificate"]', { hasText: tracking }).click();
  await clerk.waitForURL(/\/workbench\/items\/[0-9a-f-]+$/);
  const itemUrl = clerk.url();
  const doc = clerk.locator('.material-doc[data-material="birth_record"]');
  assert.ok((await loaded(doc.locator('.thumb img'))) > 0);
  await screenshot(clerk, 'materials-workbench-phone');

  // The photo in the viewer: full width, with what identifies the file.
  await doc.locator('a.file-name', { hasText: '分娩记录.png' }).click();
  await clerk.waitForURL(/\/files\/[0-9a-f-]+$/);
  assert.ok((await loaded(clerk.locator('.viewer-image'))) > 0);
  const viewer = clerk.locator('.viewer');
  await viewer.getByText('医院出具的分娩记录').first().waitFor();
  assert.match(await viewer.locator('.hash').innerText(), /^[0-9a-f]{64}$/);
  assert.match(await viewer.getByRole('link', { name: '下载' }).getAttribute('href'), /\?download=1$/);
  await screenshot(clerk, 'materials-viewer-phone');
  await viewer.getByRole('link', { name: '返回事项' }).click();
  await clerk.waitForURL(itemUrl);
  await hydrated(clerk);

  // 不合格 needs a reason.
  await doc.locator('button[data-decision="rejected"]').click();
  await doc.getByRole('button', { name: '确认不合格' }).click();
  await doc.getByText('请写明原因').waitFor();
  await doc.locator('#reason-birth_record').fill('照片模糊，请重新拍摄分娩记录首页');
  await doc.getByRole('button', { name: '确认不合格' }).click();
  await clerk.locator('.material-doc[data-material="birth_record"] [data-verdict="rejected"]').waitFor();
  await hydrated(clerk);

  // The return names it (always included) and pauses the clock.
  await clerk.locator('button[data-action="return"]').click();
  const asked = clerk.locator('#correct-birth_record');
  assert.ok(await asked.isChecked());
  assert.ok(await asked.isDisabled());
  await clerk.locator('#action-text').fill('分娩记录不清晰，请重新上传');
  await clerk.locator('.work-actions .confirm .button').first().click();
  await clerk.locator('p [data-status="returned"]').waitFor();

  // ── The applicant sees the correction and uploads a new photo ──
  await citizen.goto(`${BASE_URL}/submissions/${submission}`);
  const todo = citizen.locator('.todo[data-returned="birth-certificate"]');
  await todo.locator('.corrections li[data-key="birth_record"]', { hasText: '照片模糊，请重新拍摄分娩记录首页' }).waitFor();
  await hydrated(citizen);
  const again = todo.locator('[data-field="birth_record"]');
  await again.getByText('部门意见：照片模糊').waitFor();
  // Only what was asked: the other answers of the item are not in the form.
  assert.equal(await todo.locator('[data-field]').count(), 1);
  await screenshot(citizen, 'materials-correction-phone');
  await todo.getByRole('button', { name: '提交补正' }).click();
  await again.locator('.field-error').waitFor();
  await uploadFiles(again, samplePng('分娩记录-重拍.png', { hue: 1 }));
  await todo.getByRole('button', { name: '提交补正' }).click();
  await citizen.locator('.todo').waitFor({ state: 'detached' });

  // ── The clerk compares old and new, then completes ──
  await clerk.goto(itemUrl);
  const compare = clerk.locator('.material-doc[data-material="birth_record"] .compare');
  await compare.locator('.compare-side.now .file', { hasText: '分娩记录-重拍.png' }).waitFor();
  await compare.locator('.compare-side.before .file', { hasText: '分娩记录.png' }).waitFor();
  assert.equal(await clerk.locator('.material-doc[data-material="birth_record"] [data-verdict]').count(), 0, 'a new file, a new review');
  await screenshot(clerk, 'materials-compare-phone');
  await hydrated(clerk);
  await clerk.locator('button[data-action="accept"]').click();
  await clerk.locator('p [data-status="accepted"]').waitFor();
  await hydrated(clerk);
  await clerk.locator('button[data-action="complete"]').click();
  await clerk.locator('#cert-no').fill('R610326000456');
  await clerk.locator('.work-actions .confirm .button').first().click();
  await clerk.locator('p [data-status="completed"]').waitFor();

  for (const p of [citizen, clerk]) {
    assert.deepEqual(p.errors, []);
    await p.context().close();
  }
});
