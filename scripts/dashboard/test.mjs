// Browser test of the admin dashboard (GET /admin) against a running, seeded server.
// Run by scripts/dashboard.sh; by hand:
//   LMS_URL=http://127.0.0.1:8080 SEED_FILE=seed.json node scripts/dashboard/test.mjs
//
// Env: LMS_URL (the server), SEED_FILE (JSON written by scripts/analytics_scenario.py
// --credentials-out: admin, instructor, courses, expected), ARTIFACTS_DIR (screenshots,
// default target/ci-artifacts/dashboard), CHROMIUM (default /usr/bin/chromium),
// DASHBOARD_WAIT_SECONDS (how long the course numbers may take to match while the
// analytics roll up, default 60), HEADED=1 to watch.
// Exits 1 with "FAILED: <step>: <why>" on the first failure.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const baseUrl = (process.env.LMS_URL || '').replace(/\/+$/, '');
const seedFile = process.env.SEED_FILE || '';
const artifacts = path.resolve(process.env.ARTIFACTS_DIR || 'target/ci-artifacts/dashboard');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = Number(process.env.DASHBOARD_TIMEOUT_MS || 15000);
const WAIT_SECONDS = Number(process.env.DASHBOARD_WAIT_SECONDS || 60); // for the analytics rollups
const LOCALE = 'en-US';

let currentStep = 'setup';
const problems = []; // console errors and failed page resources, with the step they happened in
const allowed = []; // { step, pattern }: console errors a step provokes on purpose

class Failure extends Error {}
function check(condition, message) {
  if (!condition) throw new Failure(message);
}
function step(name) {
  currentStep = name;
  process.stdout.write(`  ${name}\n`);
}
function ok(name) {
  process.stdout.write(`  ${name.padEnd(62)} ok\n`);
}

// ------------------------------------------------------------------ the seed

function loadSeed() {
  check(baseUrl, 'LMS_URL is not set');
  check(seedFile, 'SEED_FILE is not set');
  let seed;
  try {
    seed = JSON.parse(readFileSync(seedFile, 'utf8'));
  } catch (e) {
    throw new Failure(`cannot read the seed file ${seedFile}: ${e.message}`);
  }
  check(seed.admin && seed.admin.email && seed.admin.password, `the seed has no admin {email, password}; keys: ${Object.keys(seed)}`);
  check(Array.isArray(seed.courses) && seed.courses.length > 0 && seed.courses[0].id, 'the seed lists no courses [{id, title}]');
  return seed;
}

/** The expected course analytics for a course, wherever the seed keeps them. */
function expectedFor(seed, course) {
  const e = seed.expected || {};
  const byId = (list) => (Array.isArray(list) ? list.find((c) => c && (c.course_id === course.id || c.id === course.id)) : undefined);
  const candidates = [
    course.expected,
    e.courses && !Array.isArray(e.courses) ? e.courses[course.id] : byId(e.courses),
    e.course_analytics && !Array.isArray(e.course_analytics) ? e.course_analytics[course.id] : byId(e.course_analytics),
    e[course.id],
    e.course,
    e.course_id === course.id || (e.enrollments !== undefined && !e.courses) ? e : undefined,
  ];
  const found = candidates.find((c) => c && typeof c === 'object' && c.enrollments !== undefined);
  check(found, `the seed has no expected numbers (with "enrollments") for course ${course.id}; expected has keys: ${Object.keys(e).join(', ') || 'none'}`);
  return found;
}

// ------------------------------------------------------------------ page helpers

// the page's formats (app.js), for en-US
const nf = {
  int: new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }),
  days: new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 0, maximumFractionDigits: 2 }),
  percent: new Intl.NumberFormat(LOCALE, { style: 'percent', minimumFractionDigits: 0, maximumFractionDigits: 1 }),
  discrimination: new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 4 }),
};

const byTestId = (id) => `[data-testid="${id}"]`;

async function text(locator) {
  return ((await locator.textContent({ timeout: TIMEOUT })) || '').trim();
}

async function shot(page, name, options = {}) {
  const file = path.join(artifacts, name);
  await page.screenshot({ path: file, fullPage: true, ...options });
  return file;
}

async function signIn(page, who, label) {
  const email = page.locator(byTestId('signin-email'));
  await email.waitFor({ state: 'visible', timeout: TIMEOUT });
  // keyboard only: type, Tab to the password, Enter submits
  await email.fill('');
  await email.focus();
  await page.keyboard.type(who.email);
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  check(focused === 'signin-password', `Tab from the email field went to #${focused}, not the password field`);
  await page.keyboard.type(who.password);
  await page.keyboard.press('Enter');
  const signedIn = page.locator(byTestId('signed-in-as'));
  try {
    await page.waitForFunction(
      ([email]) => {
        const n = document.querySelector('[data-testid="signed-in-as"]');
        return n && n.dataset.email && n.dataset.email.toLowerCase() === email.toLowerCase();
      },
      [who.email],
      { timeout: TIMEOUT },
    );
  } catch (_) {
    const error = await page.locator(byTestId('signin-error')).textContent().catch(() => '');
    throw new Failure(`${label} did not get signed in${error ? `; the page says: ${error.trim()}` : ''}`);
  }
  return (await signedIn.getAttribute('data-role')) || '';
}

async function signOut(page) {
  const button = page.locator(`${byTestId('signout-button')}:visible, ${byTestId('forbidden-signout')}:visible`).first();
  await button.click();
  await page.locator(byTestId('signin-email')).waitFor({ state: 'visible', timeout: TIMEOUT });
}

function near(a, b) {
  return Math.abs(a - b) < 1e-9 || Math.abs(a - b) <= 5e-5;
}

/** data-value (raw) and the text (formatted for en-US) of a number on the page. */
async function assertNumber(locator, expected, formatter, what) {
  const raw = await locator.getAttribute('data-value', { timeout: TIMEOUT });
  const shown = await text(locator);
  if (expected === null) {
    check(raw === '', `${what}: expected no value (null), the page has data-value=${raw} ("${shown}")`);
    return;
  }
  check(raw !== null && raw !== '' && near(Number(raw), Number(expected)), `${what}: expected ${expected}, the page has ${raw} ("${shown}")`);
  const want = formatter.format(Number(expected));
  check(shown === want, `${what}: expected the text "${want}", the page shows "${shown}"`);
}

/** Waits until the view of a course has finished loading; returns its load number. */
async function waitForCourseView(page, courseId) {
  const done = `${byTestId('course-view')}[data-course-id="${courseId}"]:is([data-state="ready"], [data-state="error"])`;
  try {
    await page.locator(done).waitFor({ state: 'visible' });
  } catch (_) {
    const state = await page.locator(byTestId('course-view')).getAttribute('data-state').catch(() => null);
    throw new Failure(`the view of course ${courseId} did not finish loading (state ${state})`);
  }
  const view = page.locator(byTestId('course-view'));
  if ((await view.getAttribute('data-state')) === 'error') {
    const errors = await page.$$eval(`${byTestId('course-error')}, ${byTestId('questions-error')}`, (ns) =>
      ns.filter((n) => !n.hidden).map((n) => n.textContent.trim()),
    );
    // not worth waiting for: the API answered with an error
    throw new Failure(`the course view shows an error: ${errors.join(' | ')}`);
  }
  return Number(await view.getAttribute('data-load'));
}

/** The numbers on the page against the seed's expected course analytics (Failure if not). */
async function checkCourse(page, expected) {
  if (expected.title) {
    const title = await text(page.locator(byTestId('course-title')));
    check(title === expected.title, `the course title is "${title}", expected "${expected.title}"`);
  }
  await assertNumber(page.locator(byTestId('course-enrollments')), expected.enrollments, nf.int, 'enrollments');
  if (expected.completions !== undefined) {
    await assertNumber(page.locator(byTestId('course-completions')), expected.completions, nf.int, 'completions');
  }
  let rate = expected.completion_rate;
  if (rate === undefined && expected.completions !== undefined) {
    rate = expected.enrollments > 0 ? Math.round((expected.completions / expected.enrollments) * 1e4) / 1e4 : null;
  }
  if (rate !== undefined) {
    await assertNumber(page.locator(byTestId('course-completion-rate')), rate, nf.percent, 'completion rate');
  }
  if (expected.active_learners !== undefined) {
    await assertNumber(page.locator(byTestId('course-active-learners')), expected.active_learners, nf.int, 'active learners');
  }
  if (expected.median_days_to_complete !== undefined) {
    await assertNumber(page.locator(byTestId('course-median-days')), expected.median_days_to_complete, nf.days, 'median days to complete');
  }

  const funnel = Array.isArray(expected.funnel) ? expected.funnel : [];
  check(funnel.length > 0, `the seed's expected numbers have no funnel; keys: ${Object.keys(expected).join(', ')}`);
  const rows = page.locator(byTestId('funnel-row'));
  const rowCount = await rows.count();
  check(rowCount === funnel.length, `the funnel table has ${rowCount} rows, the seed expects ${funnel.length}`);
  for (const [i, want] of funnel.entries()) {
    const row = want.lesson_id
      ? page.locator(`${byTestId('funnel-row')}[data-lesson-id="${want.lesson_id}"]`)
      : Number.isFinite(want.position)
        ? page.locator(`${byTestId('funnel-row')}[data-position="${want.position}"]`)
        : rows.nth(i);
    const name = `funnel row ${i + 1} (${want.title || want.lesson_id || 'lesson'})`;
    check((await row.count()) === 1, `${name} is not in the funnel table`);
    if (want.title) {
      const title = await text(row.locator(byTestId('funnel-title')));
      check(title === want.title, `${name}: the title is "${title}"`);
    }
    for (const [key, testid] of [
      ['reached', 'funnel-reached'],
      ['completed', 'funnel-completed'],
      ['last_activity_here', 'funnel-last-activity'],
    ]) {
      if (want[key] === undefined) continue;
      await assertNumber(row.locator(byTestId(testid)), want[key], nf.int, `${name} ${key}`);
    }
  }
  const bars = await page.locator(`${byTestId('funnel-chart')} svg rect.bar`).count();
  check(bars === funnel.length * 2, `the funnel chart has ${bars} bars, expected ${funnel.length * 2} (reached and completed per lesson)`);

  const questionRows = await page.locator(byTestId('question-row')).count();
  const empty = await page.locator(byTestId('questions-empty')).textContent().catch(() => '');
  check(questionRows > 0, `the question table has no rows (${(empty || '').trim()})`);
  const wantQuestions = Array.isArray(expected.questions) ? expected.questions : [];
  if (wantQuestions.length > 0) {
    check(questionRows === wantQuestions.length, `the question table has ${questionRows} rows, the seed expects ${wantQuestions.length}`);
  }
  for (const [i, want] of wantQuestions.entries()) {
    if (!want.question_id) continue;
    const row = page.locator(`${byTestId('question-row')}[data-question-id="${want.question_id}"]`);
    const name = `question ${i + 1} (${want.question_id})`;
    check((await row.count()) === 1, `${name} is not in the question table`);
    for (const [key, testid, formatter] of [
      ['attempts', 'question-attempts', nf.int],
      ['correct', 'question-correct', nf.int],
      ['correct_rate', 'question-correct-rate', nf.percent],
      ['discrimination', 'question-discrimination', nf.discrimination],
    ]) {
      if (want[key] === undefined) continue;
      await assertNumber(row.locator(byTestId(testid)), want[key], formatter, `${name} ${key}`);
    }
    if (typeof want.correct_rate === 'number') {
      const hard = want.correct_rate < 0.5;
      check((await row.getAttribute('data-hard')) === String(hard), `${name} should${hard ? '' : ' not'} be marked hard`);
    }
  }
  const hardRows = await page.locator(`${byTestId('question-row')}[data-hard="true"]`).count();
  const hardMarked = await page.locator(`${byTestId('question-row')}.hard`).count();
  check(hardRows === hardMarked, `${hardRows} hard questions, but ${hardMarked} highlighted`);
  const wrongFlags = await page.$$eval(`${byTestId('question-row')}`, (trs) =>
    trs
      .filter((tr) => {
        const raw = tr.querySelector('[data-testid="question-correct-rate"]').dataset.value;
        const hard = raw !== '' && Number(raw) < 0.5;
        return hard !== (tr.dataset.hard === 'true');
      })
      .map((tr) => tr.dataset.questionId),
  );
  check(wrongFlags.length === 0, `questions flagged wrongly as (not) hard: ${wrongFlags.join(', ')}`);
  return { rate, lessons: funnel.length, questions: questionRows, hard: hardRows };
}

// ------------------------------------------------------------------ the test

async function run(browser, seed, expected) {
  const context = await browser.newContext({ locale: LOCALE, timezoneId: 'UTC', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const loc = msg.location();
    problems.push({ step: currentStep, text: `console error: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}` });
  });
  page.on('pageerror', (err) => problems.push({ step: currentStep, text: `uncaught exception: ${err.message}` }));
  page.on('requestfailed', (req) => problems.push({ step: currentStep, text: `request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText || ''}` }));

  try {
    // ---- signed out
    step('open /admin');
    const response = await page.goto(`${baseUrl}/admin`, { waitUntil: 'load' });
    check(response && response.status() === 200, `GET /admin answered ${response && response.status()}`);
    const type = response.headers()['content-type'] || '';
    check(type.startsWith('text/html'), `GET /admin has content-type "${type}"`);
    const csp = response.headers()['content-security-policy'] || '(none)';
    // the form is hidden until app.js runs: visible means the script and its CSP are fine
    try {
      await page.locator(byTestId('signin-email')).waitFor({ state: 'visible' });
    } catch (_) {
      throw new Failure(`the sign-in form never appeared (did /admin/app.js load and run? CSP: ${csp})`);
    }
    for (const id of ['signin-email', 'signin-password']) {
      const labelled = await page.evaluate((testid) => {
        const input = document.querySelector(`[data-testid="${testid}"]`);
        return !!(input && input.labels && input.labels.length > 0 && input.labels[0].textContent.trim());
      }, id);
      check(labelled, `the ${id} field has no label`);
    }
    await shot(page, 'signed-out.png');
    ok(`the sign-in form shows (CSP: ${csp})`);

    step('a wrong password shows the API error message');
    allowed.push({ step: currentStep, pattern: /status of 401/ });
    await signInExpectingError(page, { email: `nobody-${Date.now()}@example.com`, password: 'not-the-password-1' });
    ok('a wrong password shows the API error message');

    // ---- admin
    step('sign in as the admin (keyboard only)');
    const role = await signIn(page, seed.admin, 'the admin');
    check(role === 'admin', `the admin is shown with role "${role}"`);
    await page.locator(byTestId('incidents-section')).waitFor({ state: 'visible' });
    await page.locator(byTestId('business-section')).waitFor({ state: 'visible' });
    ok(`signed in as the admin: "${await text(page.locator(byTestId('signed-in-as')))}"`);

    const course = seed.courses[0];
    step(`course analytics of "${course.title || course.id}"`);
    const select = page.locator(byTestId('course-select'));
    try {
      await page.locator(`${byTestId('course-select')} option[value="${course.id}"]`).waitFor({ state: 'attached' });
    } catch (_) {
      const options = await page.$$eval(`${byTestId('course-select')} option`, (os) => os.map((o) => `${o.value}=${o.textContent}`));
      const error = await page.locator(byTestId('courses-error')).textContent().catch(() => '');
      throw new Failure(`the course list has no ${course.id}; options: ${options.join(', ') || 'none'} ${error || ''}`);
    }
    await select.selectOption(course.id);
    // The analytics are rolled up asynchronously after the seeding: refresh the view until
    // the numbers match or the wait is over.
    const deadline = Date.now() + WAIT_SECONDS * 1000;
    let refreshes = 0;
    let summary;
    for (;;) {
      const load = await waitForCourseView(page, course.id);
      try {
        summary = await checkCourse(page, expected);
        break;
      } catch (error) {
        if (!(error instanceof Failure) || Date.now() >= deadline) {
          if (refreshes > 0 && error instanceof Failure) error.message += ` (still, after ${refreshes} refreshes in ${WAIT_SECONDS} s)`;
          throw error;
        }
      }
      await page.waitForTimeout(1000);
      await page.locator(byTestId('course-refresh')).click();
      await page.waitForFunction(
        (prev) => Number(document.querySelector('[data-testid="course-view"]').dataset.load) > prev,
        load,
      );
      refreshes++;
    }
    ok(`enrollments ${expected.enrollments}, completion rate ${summary.rate ?? '(not in the seed)'}${refreshes ? ` (after ${refreshes} refreshes)` : ''}`);
    ok(`the funnel's ${summary.lessons} lessons match (reached, completed, last activity)`);
    ok(`the question table has ${summary.questions} rows (${summary.hard} hard)`);
    await page.locator(byTestId('course-view')).scrollIntoViewIfNeeded();
    await shot(page, 'course.png');

    step('the course view on a narrow screen');
    await page.setViewportSize({ width: 375, height: 800 });
    await page.waitForTimeout(400); // the charts redraw after a resize
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `the page is ${overflow}px wider than a 375px screen`);
    await shot(page, 'course-narrow.png');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.waitForTimeout(300);
    ok('the page fits a 375px screen');

    // ---- business
    step('business analytics (last 90 days)');
    await page.locator(`${byTestId('business-view')}:is([data-state="ready"], [data-state="error"])`).waitFor({ state: 'attached' });
    const businessState = await page.locator(byTestId('business-view')).getAttribute('data-state');
    check(businessState === 'ready', `the business section shows an error: ${await text(page.locator(byTestId('business-error')))}`);
    const currencies = await page.locator(byTestId('currency-panel')).count();
    if (currencies === 0) {
      check(await page.locator(byTestId('business-empty')).isVisible(), 'no business data and no empty-state text');
    } else {
      const latest = await page.locator(byTestId('business-latest-row')).count();
      check(latest === currencies, `${currencies} currencies but ${latest} latest-day rows`);
      check((await page.locator(`${byTestId('sales-chart')} svg`).count()) === currencies, 'a currency has no sales chart');
      check((await page.locator(`${byTestId('mrr-chart')} svg`).count()) === currencies, 'a currency has no MRR chart');
    }
    await page.locator(byTestId('business-section')).screenshot({ path: path.join(artifacts, 'business.png') });
    ok(`business analytics shown (${currencies} currencies)`);

    // ---- incidents
    step('incidents');
    await page.locator(`${byTestId('incidents-view')}:is([data-state="ready"], [data-state="error"])`).waitFor({ state: 'attached' });
    check(
      (await page.locator(byTestId('incidents-view')).getAttribute('data-state')) === 'ready',
      `the incidents section shows an error: ${await text(page.locator(byTestId('incidents-error')))}`,
    );
    const incidents = await page.locator(byTestId('incident-row')).count();
    if (incidents === 0) {
      const empty = page.locator(byTestId('incidents-empty'));
      check(await empty.isVisible(), 'no incidents and no empty-state text');
      check(/no open or acknowledged incidents/i.test(await text(empty)), `the empty state says "${await text(empty)}"`);
      ok('no incidents: the empty state is shown');
    } else {
      const withoutResolve = await page.$$eval(`${byTestId('incident-row')}`, (trs) =>
        trs.filter((tr) => !tr.querySelector('[data-testid="resolve-button"]')).map((tr) => tr.dataset.incidentId),
      );
      check(withoutResolve.length === 0, `incidents without a Resolve button: ${withoutResolve.join(', ')}`);
      const open = page.locator(`${byTestId('incident-row')}[data-status="open"]`);
      if ((await open.count()) > 0) {
        const id = await open.first().getAttribute('data-incident-id');
        await open.first().locator(byTestId('ack-button')).click();
        await page.locator(`${byTestId('incident-row')}[data-incident-id="${id}"][data-status="acknowledged"]`).waitFor({ state: 'attached' });
        check(!(await page.locator(byTestId('incidents-error')).isVisible()), `acknowledging failed: ${await text(page.locator(byTestId('incidents-error')))}`);
        ok(`${incidents} incidents; acknowledged ${id}, the list refreshed`);
      } else {
        ok(`${incidents} incidents (all acknowledged)`);
      }
    }
    await page.locator(byTestId('incidents-section')).scrollIntoViewIfNeeded();
    await page.locator(byTestId('incidents-section')).screenshot({ path: path.join(artifacts, 'incidents.png') });

    // ---- instructor and student, when the seed has them
    if (seed.instructor && seed.instructor.email) {
      step('sign in as the instructor');
      await signOut(page);
      const instructorRole = await signIn(page, seed.instructor, 'the instructor');
      check(instructorRole === 'instructor', `the instructor is shown with role "${instructorRole}"`);
      check(!(await page.locator(byTestId('business-section')).isVisible()), 'an instructor sees the business section');
      check(!(await page.locator(byTestId('incidents-section')).isVisible()), 'an instructor sees the incidents section');
      await page
        .locator(`${byTestId('course-view')}:is([data-state="ready"], [data-state="error"]):visible, ${byTestId('courses-empty')}:visible, ${byTestId('courses-error')}:visible`)
        .first()
        .waitFor({ state: 'visible' });
      check(!(await page.locator(byTestId('courses-error')).isVisible()), `the instructor's course list failed: ${await text(page.locator(byTestId('courses-error')))}`);
      const state = await page.locator(byTestId('course-view')).getAttribute('data-state');
      check(state !== 'error', `the instructor's course analytics failed: ${await text(page.locator(byTestId('course-error')))}`);
      const own = await page.locator(`${byTestId('course-select')} option[value]:not([value=""])`).count();
      ok(`the instructor sees course analytics only (${own} own courses)`);
    }
    if (seed.student && seed.student.email) {
      step('sign in as a student');
      await signOut(page);
      await signIn(page, seed.student, 'the student');
      const message = page.locator(byTestId('forbidden-message'));
      await message.waitFor({ state: 'visible' });
      check(/admins and instructors only/i.test(await text(message)), `the student sees "${await text(message)}"`);
      check(!(await page.locator(byTestId('dashboard')).isVisible()), 'a student sees the dashboard');
      ok('a student is told the dashboard is for admins and instructors only');
    }

    // ---- console
    step('no console errors');
    // The browser asks for /favicon.ico by itself; the server need not have one.
    const unexpected = problems.filter(
      (p) => !/\/favicon\.ico\b/.test(p.text) && !allowed.some((a) => a.step === p.step && a.pattern.test(p.text)),
    );
    check(unexpected.length === 0, `the page logged errors:\n${unexpected.map((p) => `    [${p.step}] ${p.text}`).join('\n')}`);
    ok('no console errors');
  } catch (error) {
    await shot(page, 'failure.png').catch(() => {});
    writeFileSync(path.join(artifacts, 'failure.html'), await page.content().catch(() => ''));
    throw error;
  } finally {
    writeFileSync(path.join(artifacts, 'console.log'), problems.map((p) => `[${p.step}] ${p.text}`).join('\n') + '\n');
    await context.close();
  }
}

async function signInExpectingError(page, who) {
  const email = page.locator(byTestId('signin-email'));
  await email.fill(who.email);
  await page.locator(byTestId('signin-password')).fill(who.password);
  await page.locator(byTestId('signin-submit')).click();
  const error = page.locator(byTestId('signin-error'));
  try {
    await error.waitFor({ state: 'visible' });
  } catch (_) {
    throw new Failure('a wrong password showed no error message');
  }
  const message = await text(error);
  const code = await error.getAttribute('data-code');
  check(message.length > 0 && code && code !== 'NETWORK_ERROR', `the sign-in error is "${message}" (code ${code})`);
  check(!(await page.locator(byTestId('dashboard')).isVisible()), 'a wrong password opened the dashboard');
  await page.locator(byTestId('signin-password')).fill('');
}

async function main() {
  mkdirSync(artifacts, { recursive: true });
  let seed;
  let browser;
  try {
    step('read the seed');
    seed = loadSeed();
    const expected = expectedFor(seed, seed.courses[0]);
    step(`launch ${executablePath}`);
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: !process.env.HEADED });
    await run(browser, seed, expected);
    process.stdout.write(`dashboard test passed (screenshots in ${artifacts})\n`);
  } catch (error) {
    const why = error instanceof Failure ? error.message : error && error.stack ? error.stack : String(error);
    process.stderr.write(`FAILED: ${currentStep}: ${why}\n(screenshots and console.log in ${artifacts})\n`);
    process.exitCode = 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
}

await main();
