// 好差评 and the 12345 / 办不成事 closed loop, on a phone: a citizen rates
// 新生儿出生's items with one tap each and gives one 差评, the department
// calls back and answers with its 整改, the citizen is satisfied, the
// department's 申诉 is voided by the county office; a 12345 operator
// registers a call, the county office assigns it, the department answers,
// the citizen is not satisfied, it reopens and is escalated; a citizen
// reports 办不成事 about an item and the lead department sees it 督办.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BASE_URL,
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

const origin = { Origin: BASE_URL };

async function post(page, path, data, status = 200) {
  const res = await page.request.post(`${BASE_URL}${path}`, { headers: origin, data });
  assert.equal(res.status(), status, `${path}: ${await res.text()}`);
  return res.json();
}

/**
 * The departments take every item of the submission to its end through the
 * API, as their clerks: accept, then complete (with a certificate number
 * where one is issued), or reject the items in `reject`.
 */
async function finishAll(citizen, submission, { reject = [] } = {}) {
  const clerks = new Map();
  const done = async () => {
    for (const p of clerks.values()) await p.context().close();
  };
  for (let round = 0; round < 10; round += 1) {
    const s = await (await citizen.request.get(`${BASE_URL}/api/v1/submissions/${submission}`)).json();
    const open = s.work_items.filter((w) => !['completed', 'rejected'].includes(w.status));
    if (open.length === 0) {
      await done();
      return s;
    }
    for (const w of open.filter((x) => ['pending', 'accepted'].includes(x.status))) {
      if (!clerks.has(w.department)) {
        const p = await newPage(browser);
        await apiLogin(p, `clerk-${w.department}`);
        clerks.set(w.department, p);
      }
      const clerk = clerks.get(w.department);
      if (w.status === 'pending') await post(clerk, `/api/v1/work-items/${w.id}/actions`, { action: 'accept' });
      if (reject.includes(w.item)) {
        await post(clerk, `/api/v1/work-items/${w.id}/actions`, { action: 'reject', comment: '新生儿已在外地办理，本地不予重复办理' });
      } else {
        const detail = await (await clerk.request.get(`${BASE_URL}/api/v1/work-items/${w.id}`)).json();
        const result = detail.issues_certificate ? { certificate_no: `R6103260${round}${w.item.length}` } : undefined;
        await post(clerk, `/api/v1/work-items/${w.id}/actions`, { action: 'complete', result });
      }
    }
  }
  await done();
  throw new Error('the items did not end');
}

/** Logs in on the staff login page and waits for the role's home. */
async function staffLogin(page, username, home) {
  await page.goto(`${BASE_URL}/staff/login`);
  await hydrated(page);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill('Demo@2024');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${BASE_URL}${home}`);
}

/** Rates the block of `item` (or the whole submission) on the citizen's page with one tap. */
async function rate(page, block, level, { tags = [], comment } = {}) {
  await hydrated(page);
  const button = block.getByRole('button', { name: level, exact: true });
  await button.click();
  assert.equal(await button.getAttribute('aria-pressed'), 'true', `${level} is selected`);
  for (const t of tags) await block.getByLabel(t).check();
  if (comment) await block.getByLabel('留言（选填）').fill(comment);
  await block.getByRole('button', { name: '提交评价' }).click();
  await block.locator('.rating-card .score', { hasText: level }).waitFor();
}

/** Acts on the case page: the action's button, its text (and department), 确认. */
async function caseAction(page, action, { text, department, confirm } = {}) {
  await hydrated(page);
  await page.locator(`.case-actions button[data-action="${action}"]`).click();
  const dialog = page.locator(`.case-actions .confirm[data-confirm="${action}"]`);
  if (department) await dialog.locator('#case-department').selectOption(department);
  if (text !== undefined) await dialog.locator('#case-comment').fill(text);
  await dialog.getByRole('button', { name: confirm }).click();
}

test('好差评 of 新生儿出生 on a phone: one tap per item, one typed in at the window, a 差评 with its 回访 and 整改, the citizen satisfied; the 申诉 voided', async () => {
  const citizen = await newPage(browser);
  const me = await registerCitizen(citizen, '刘美丽');
  const created = await fileNewborn(citizen, me);

  // Nothing has ended: nothing to rate, but 我要反映 is there for each item.
  await citizen.goto(`${BASE_URL}/submissions/${created.id}`);
  assert.equal(await citizen.locator('section.ratings').count(), 0);
  const report = citizen.getByRole('link', { name: /^我要反映\s*：《出生医学证明》/ });
  assert.match(await report.getAttribute('href'), new RegExp(`^/cases/new\\?submission=${created.id}&work_item=[0-9a-f-]+$`));

  const ended = await finishAll(citizen, created.id, { reject: ['vaccination-certificate'] });

  // 一次一评: 县卫健局 types in the rating the applicant gave at its window.
  const vaccination = ended.work_items.find((w) => w.item === 'vaccination-certificate');
  const health = await newPage(browser);
  await apiLogin(health, 'clerk-health');
  await health.goto(`${BASE_URL}/workbench/items/${vaccination.id}`);
  const windowRating = health.locator('.window-rating');
  await windowRating.getByText('申请人对办理是否满意？').waitFor();
  await rate(health, windowRating, '基本满意', { tags: ['材料要求不清'] });
  await windowRating.getByText('窗口', { exact: false }).first().waitFor();
  assert.equal(await windowRating.getAttribute('data-rated'), 'true');

  // ── Every ended item asks for a rating: five labelled buttons ──
  await citizen.goto(`${BASE_URL}/submissions/${created.id}`);
  const section = citizen.locator('section.ratings');
  await section.getByRole('heading', { name: '好差评' }).waitFor();
  const block = (item) => section.locator(`.rating-block[data-item="${item}"]`);
  const cert = block('birth-certificate');
  const levels = await cert.locator('.score-buttons button').allInnerTexts();
  assert.deepEqual(levels.map((t) => t.trim()), ['非常满意', '满意', '基本满意', '不满意', '非常不满意']);
  assert.equal(await section.locator('.rating-block[data-rate="submission"]').count(), 1, 'and the whole submission');
  await screenshot(citizen, 'feedback-rate-phone');

  await rate(citizen, cert, '非常满意', { tags: ['办事高效'] });
  await cert.locator('.chip', { hasText: '办事高效' }).waitFor();

  // One 差评, with the problems and a comment: it goes to 县公安局 for 回访.
  const registration = block('birth-registration');
  await hydrated(citizen);
  await registration.getByRole('button', { name: '不满意', exact: true }).click();
  await registration.getByText('差评将转交县公安局').waitFor();
  assert.ok(await registration.getByLabel('办事高效').isHidden(), 'praise is not offered with a 差评');
  await registration.getByLabel('多次跑动').check();
  await registration.getByLabel('留言（选填）').fill('户口登记让我跑了三趟，每次要的材料都不一样');
  await registration.getByRole('button', { name: '提交评价' }).click();
  const bad = registration.locator('.rating-card');
  await bad.locator('.score.bad', { hasText: '不满意' }).waitFor();
  await bad.getByText('户口登记让我跑了三趟，每次要的材料都不一样').waitFor();
  const caseLink = bad.getByRole('link', { name: '差评已转交县公安局回访整改，查看进度' });
  const caseId = (await caseLink.getAttribute('href')).split('/').pop();
  const ratingId = await bad.getAttribute('data-rating');

  const atWindow = block('vaccination-certificate');
  await atWindow.locator('.rating-card .score', { hasText: '基本满意' }).waitFor();
  assert.equal(await atWindow.locator('.score-buttons').count(), 0, 'rated once, at the window');
  await rate(citizen, block('newborn-social-security-card'), '满意');
  await rate(citizen, block('newborn-medical-insurance'), '满意', { comment: '医保登记很快' });
  await rate(citizen, section.locator('.rating-block[data-rate="submission"]'), '满意');

  // One 追评, never a new score.
  await hydrated(citizen);
  await cert.getByRole('button', { name: '追评' }).click();
  await cert.getByRole('button', { name: '提交追评' }).click();
  await cert.getByText('请填写追评内容').waitFor();
  await cert.getByLabel('追评内容（必填）').fill('出生医学证明当天就拿到了');
  await cert.getByRole('button', { name: '提交追评' }).click();
  await cert.locator('.rating-follow', { hasText: '出生医学证明当天就拿到了' }).waitFor();
  assert.equal(await cert.getByRole('button', { name: '追评' }).count(), 0, 'one 追评 only');
  await cert.locator('.score', { hasText: '非常满意' }).waitFor();
  await screenshot(citizen, 'feedback-rated-phone');

  // ── 县公安局 sees the 差评 case, calls back, answers with its 整改 ──
  const police = await newPage(browser);
  await apiLogin(police, 'clerk-public-security');
  await police.goto(`${BASE_URL}/workbench/cases`);
  await police.getByRole('link', { name: '诉求', exact: true }).waitFor();
  const row = police.locator(`.case-row[data-case="${caseId}"]`);
  await row.getByText('差评整改').waitFor();
  await row.getByText('已转办，待签收').waitFor();
  await screenshot(police, 'feedback-desk-cases-phone');
  await row.locator('a').click();
  await police.waitForURL(`${BASE_URL}/cases/${caseId}`);
  const caseMain = police.locator('section.case');
  await caseMain.getByText('户口登记让我跑了三趟，每次要的材料都不一样').first().waitFor();
  assert.ok(!(await caseMain.innerText()).includes('刘美丽'), 'the department does not see who rated');

  // 回访 needs its record.
  await hydrated(police);
  await police.locator('.case-actions button[data-action="contact"]').click();
  await police.getByRole('button', { name: '确认签收并回访' }).click();
  await police.getByText('请填写回访记录').waitFor();
  await police.getByLabel('回访记录（必填）').fill('已电话回访申请人，核实窗口三次要求补交不同材料');
  await police.getByRole('button', { name: '确认签收并回访' }).click();
  await police.locator('section.case [data-status="processing"]', { hasText: '办理中' }).waitFor();
  await caseAction(police, 'answer', {
    text: '已整改：窗口一次性告知材料清单，并对经办人员批评教育',
    confirm: '确认答复',
  });
  await police.locator('section.case [data-status="answered"]', { hasText: '已答复，待评价' }).waitFor();
  await screenshot(police, 'feedback-case-answered-phone');

  // The department contests the 差评 (申诉) from its ratings.
  await police.goto(`${BASE_URL}/workbench/ratings`);
  const contested = police.locator(`.rating-row:has(.rating-card[data-rating="${ratingId}"])`);
  await contested.getByText('户口登记让我跑了三趟，每次要的材料都不一样').waitFor();
  assert.ok(!(await contested.innerText()).includes('刘美丽'), 'anonymous unless 实名');
  await hydrated(police);
  await contested.getByRole('button', { name: '申诉' }).click();
  await contested.getByLabel('申诉理由（必填）').fill('申请人第二次来时婚姻登记信息有变，补交材料属正常要求');
  await contested.getByRole('button', { name: '提交申诉' }).click();
  await police.locator(`.rating-card[data-rating="${ratingId}"] .pill`, { hasText: '申诉中' }).waitFor();

  // ── The citizen reads the 整改 and is satisfied ──
  await citizen.goto(`${BASE_URL}/cases`);
  const mine = citizen.locator(`.case-row[data-case="${caseId}"]`);
  await mine.getByText('已答复，待评价').waitFor();
  await mine.locator('a').click();
  await citizen.waitForURL(`${BASE_URL}/cases/${caseId}`);
  await citizen.locator('.answer-box', { hasText: '已整改：窗口一次性告知材料清单' }).waitFor();
  await hydrated(citizen);
  await screenshot(citizen, 'feedback-case-confirm-phone');
  await citizen.getByRole('button', { name: '满意', exact: true }).click();
  await citizen.getByRole('button', { name: '确认：满意' }).click();
  await citizen.locator('section.case [data-status="closed"]', { hasText: '已办结' }).waitFor();
  await citizen.locator('section.case [data-satisfaction="satisfied"]', { hasText: '满意' }).waitFor();
  const timeline = await citizen.locator('.timeline').innerText();
  for (const text of ['已电话回访申请人', '已整改：窗口一次性告知材料清单', '评价：满意']) {
    assert.ok(timeline.includes(text), `timeline shows ${text}`);
  }
  assert.equal(await citizen.locator('.case-actions').count(), 0, 'nothing left to do');

  // ── The county office voids the 差评 on review; it stays, marked ──
  const dispatcher = await newPage(browser);
  await staffLogin(dispatcher, 'dispatcher', '/dispatch');
  const appeal = dispatcher.locator(`#appeals .rating-row:has(.rating-card[data-rating="${ratingId}"])`);
  await appeal.getByText('申请人第二次来时婚姻登记信息有变').waitFor();
  await hydrated(dispatcher);
  await appeal.getByLabel('复核意见（必填）').fill('经调取记录，第二次补交系申请人信息变更所致');
  await appeal.getByRole('button', { name: '作废评价' }).click();
  await dispatcher.locator(`#appeals .rating-card[data-rating="${ratingId}"]`).waitFor({ state: 'detached' });

  await citizen.goto(`${BASE_URL}/submissions/${created.id}`);
  const voided = citizen.locator(`.rating-card.voided[data-rating="${ratingId}"]`);
  await voided.getByText('申诉成立，评价已作废').waitFor();
  await voided.getByText('户口登记让我跑了三趟，每次要的材料都不一样').waitFor();
  await citizen.locator('#cases .case-row', { hasText: '已办结' }).waitFor();

  for (const p of [citizen, health, police, dispatcher]) {
    assert.deepEqual(p.errors, []);
    await p.context().close();
  }
});

test('12345 complaint by phone: found by number, assigned, answered, 不满意 reopens it, the county office escalates', async () => {
  const citizen = await newPage(browser);
  const me = await registerCitizen(citizen, '王建国');

  // ── The operator finds the caller by phone and registers the call ──
  const operator = await newPage(browser);
  await staffLogin(operator, 'operator-12345', '/hotline');
  await operator.getByRole('heading', { name: '诉求登记' }).waitFor();
  await hydrated(operator);
  const search = operator.getByLabel('来电人手机号或身份证号');
  assert.ok(await search.evaluate((el) => el === document.activeElement), 'the search has the focus');
  await search.fill(me.phone);
  await search.press('Enter');
  const caller = operator.getByRole('radio', { name: /王建国/ });
  await caller.waitFor();
  assert.ok(await caller.isChecked(), 'the one match is picked');
  const shown = await operator.locator('.radio.person', { hasText: '王建国' }).innerText();
  assert.ok(!shown.includes(me.phone) && shown.includes(me.phone.slice(-4)), 'the number is masked');
  await operator.getByRole('radio', { name: /^投诉/ }).check();
  const what = '在县政务大厅办理社保卡，窗口说系统故障让下周再来，已经跑了两次';
  await operator.getByLabel('具体情况').fill(what);
  await screenshot(operator, 'feedback-hotline-phone');
  await operator.getByRole('button', { name: '登记诉求' }).click();
  const receipt = operator.locator('.receipt');
  await receipt.getByText('诉求编号（请告知来电人）').waitFor();
  const caseNo = (await receipt.locator('.tracking-no').innerText()).trim();
  assert.match(caseNo, /^SQ\d{8}-[0-9A-Z]{6}$/);
  await screenshot(operator, 'feedback-hotline-registered-phone');
  await receipt.getByRole('button', { name: '登记下一件' }).click();
  await operator.locator('.case-row', { hasText: caseNo }).getByText('已受理，待转办').waitFor();

  // ── The county office assigns it to 县人社局 ──
  const dispatcher = await newPage(browser);
  await staffLogin(dispatcher, 'dispatcher', '/dispatch');
  await dispatcher.locator('.tab.current', { hasText: '待派单' }).waitFor();
  const queued = dispatcher.locator('.case-row', { hasText: caseNo });
  await queued.getByText('投诉').waitFor();
  await screenshot(dispatcher, 'feedback-dispatch-phone');
  await queued.locator('a').click();
  await dispatcher.waitForURL(/\/cases\/[0-9a-f-]+$/);
  const caseUrl = dispatcher.url();
  await dispatcher.locator('section.case').getByText('王建国').waitFor();
  await dispatcher.locator('section.case').getByText('12345热线').waitFor();
  await caseAction(dispatcher, 'assign', { department: 'hrss', text: '请核实窗口系统故障情况并答复', confirm: '确认转办' });
  await dispatcher.locator('section.case [data-status="assigned"]').waitFor();
  await dispatcher.locator('section.case').getByText('县人社局').first().waitFor();

  // ── 县人社局 answers ──
  const hrss = await newPage(browser);
  await apiLogin(hrss, 'clerk-hrss');
  await hrss.goto(`${BASE_URL}/workbench/cases`);
  const assigned = hrss.locator('.case-row', { hasText: caseNo });
  await assigned.getByText('已转办，待签收').waitFor();
  await assigned.locator('a').click();
  await hrss.waitForURL(caseUrl);
  await hrss.locator('section.case').getByText(what).waitFor();
  await caseAction(hrss, 'answer', { text: '经核实系统当天已恢复，已电话告知申请人可随时办理', confirm: '确认答复' });
  await hrss.locator('section.case [data-status="answered"]').waitFor();

  // ── The citizen is not satisfied: it goes back to the county office ──
  await citizen.goto(`${BASE_URL}/cases`);
  const mine = citizen.locator('.case-row', { hasText: caseNo });
  await mine.getByText('已答复，待评价').waitFor();
  await mine.locator('a').click();
  await citizen.waitForURL(caseUrl);
  await citizen.locator('.answer-box', { hasText: '经核实系统当天已恢复' }).waitFor();
  await hydrated(citizen);
  await citizen.getByRole('button', { name: '不满意', exact: true }).click();
  await citizen.getByText('选择不满意后，县政务服务中心将重新派单办理。').waitFor();
  await citizen.getByLabel('补充说明（选填）').fill('今天再去还是说系统故障，没有办成');
  await citizen.getByRole('button', { name: '确认：不满意' }).click();
  await citizen.locator('section.case [data-status="reopened"]', { hasText: '不满意，重新办理' }).waitFor();
  await citizen.locator('section.case').getByText('曾不满意重办').waitFor();
  await screenshot(citizen, 'feedback-case-reopened-phone');

  // ── The county office escalates it (督办) ──
  await dispatcher.goto(`${BASE_URL}/dispatch`);
  const back = dispatcher.locator('.case-row', { hasText: caseNo });
  await back.getByText('不满意，重新办理').waitFor();
  await back.locator('a').click();
  await dispatcher.waitForURL(caseUrl);
  await dispatcher.locator('.timeline').getByText('今天再去还是说系统故障，没有办成').waitFor();
  // 督办 goes to the county office only (the call is about no submission, so no lead department).
  await hydrated(dispatcher);
  await dispatcher.locator('.case-actions button[data-action="escalate"]').click();
  const targets = await dispatcher.locator('#case-department option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(targets, ['', 'approval']);
  await dispatcher.getByRole('button', { name: '取消' }).click();
  await caseAction(dispatcher, 'escalate', {
    department: 'approval',
    text: '群众二次不满意，请县行政审批局牵头督办',
    confirm: '确认提级督办',
  });
  await dispatcher.locator('section.case [data-status="assigned"]').waitFor();
  await dispatcher.locator('section.case .escalated', { hasText: '已督办' }).waitFor();
  await dispatcher.locator('section.case').getByText('县行政审批局').first().waitFor();
  await dispatcher.goto(`${BASE_URL}/dispatch?queue=escalated`);
  await dispatcher.locator('.case-row', { hasText: caseNo }).getByText('已督办').waitFor();
  await screenshot(dispatcher, 'feedback-dispatch-escalated-phone');

  // The board and the case read the same without JavaScript.
  const plain = await newPage(browser, { javaScriptEnabled: false });
  await apiLogin(plain, 'dispatcher');
  await plain.goto(`${BASE_URL}/dispatch?queue=escalated`);
  await plain.locator('.case-row', { hasText: caseNo }).getByText('已督办').waitFor();
  await plain.goto(caseUrl);
  const steps = await plain.locator('.timeline li').evaluateAll((els) => els.map((e) => e.dataset.event));
  assert.deepEqual(steps, ['escalate', 'confirm', 'answer', 'assign', 'register']);
  await plain.locator('.timeline').getByText('群众二次不满意，请县行政审批局牵头督办').waitFor();
  await plain.context().close();

  for (const p of [citizen, operator, dispatcher, hrss]) {
    assert.deepEqual(p.errors, []);
    await p.context().close();
  }
});

test('办不成事 from the submission page: the form checks, the item department gets it, the lead department sees 办不成事 督办', async () => {
  const citizen = await newPage(browser);
  const me = await registerCitizen(citizen, '李秀英');
  const created = await fileNewborn(citizen, me);

  // 我要反映 from the footer and, prefilled, from an item.
  await citizen.goto(`${BASE_URL}/submissions/${created.id}`);
  assert.equal(await citizen.locator('.site-footer').getByRole('link', { name: '我要反映' }).getAttribute('href'), '/cases/new');
  await citizen.getByRole('link', { name: /^我要反映\s*：《出生医学证明》/ }).click();
  await citizen.waitForURL(/\/cases\/new\?submission=/);
  const about = citizen.locator('.about-box');
  await about.getByText(`办件编号 ${created.tracking_no}`).waitFor();
  await about.getByText('事项：《出生医学证明》办理(首签)（县卫健局）').waitFor();

  // Nothing chosen, nothing written: both are asked for, linked from the summary.
  await hydrated(citizen);
  await citizen.getByRole('button', { name: '提交', exact: true }).click();
  const summary = citizen.locator('.error-summary');
  await summary.getByRole('link', { name: '请选择反映的类型' }).waitFor();
  await summary.getByRole('link', { name: '请写明具体情况' }).waitFor();
  assert.equal(await citizen.locator('#f-description').getAttribute('aria-invalid'), 'true');
  await citizen.getByRole('radio', { name: /^办不成事/ }).check();
  await citizen.getByLabel('具体情况').fill('出生医学证明已经受理三天，窗口说要等医院盖章，一直没有下文');
  await screenshot(citizen, 'feedback-new-case-phone');
  await citizen.getByRole('button', { name: '提交', exact: true }).click();
  await citizen.waitForURL(/\/cases\/[0-9a-f-]+\?new=1$/);
  const receipt = citizen.locator('.receipt');
  await receipt.getByText('反映已提交').waitFor();
  const caseNo = (await receipt.locator('.tracking-no').innerText()).trim();
  assert.match(caseNo, /^SQ\d{8}-[0-9A-Z]{6}$/);
  const reported = citizen.locator('section.case');
  await reported.locator('.tag', { hasText: '办不成事' }).waitFor();
  await reported.locator('[data-status="assigned"]', { hasText: '已转办，待签收' }).waitFor();
  await reported.getByText('《出生医学证明》办理(首签)（县卫健局）').waitFor();
  await reported.getByText('出生医学证明已经受理三天').waitFor();
  await screenshot(citizen, 'feedback-case-new-phone');

  // 县卫健局 (the item's department and ★ lead of 新生儿出生) sees the case and the mark.
  const health = await newPage(browser);
  await apiLogin(health, 'clerk-health');
  await health.goto(`${BASE_URL}/workbench/cases`);
  await health.locator('.case-row[data-kind="cannot_get_done"]', { hasText: caseNo }).getByText('已转办，待签收').waitFor();
  await health.goto(`${BASE_URL}/workbench/board`);
  await health.locator(`.board-row[data-submission="${created.id}"] .supervised`, { hasText: '办不成事 督办' }).waitFor();
  await health.goto(`${BASE_URL}/workbench`);
  await health.locator('.queue-row[data-item="birth-certificate"]', { hasText: created.tracking_no }).click();
  await health.waitForURL(/\/workbench\/items\/[0-9a-f-]+$/);
  await health.locator('.supervised', { hasText: '办不成事 督办' }).waitFor();
  await screenshot(health, 'feedback-supervised-item-phone');

  // The citizen's submission lists what they reported.
  await citizen.goto(`${BASE_URL}/submissions/${created.id}`);
  await citizen.locator('#cases .case-row', { hasText: caseNo }).getByText('办不成事').waitFor();

  for (const p of [citizen, health]) {
    assert.deepEqual(p.errors, []);
    await p.context().close();
  }
});
