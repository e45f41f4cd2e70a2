// The real-browser walk of careledger's pages, run by tests/integration/browser.rs against a
// server it started: Debian's chromium driven by playwright-core, axe-core on every page. Exits
// non-zero with the reason on the first thing that does not work; screenshots and PDFs go to OUT.
//
// Environment (set by the Rust test): BASE (the server), OUT (a folder), PASSWORD (every
// account's), DOCTOR_EMAIL and DOCTOR_CODE (an approved doctor with two-factor sign-in, and its
// next code), MAILBOX (a file the test appends each email's links to), CHROMIUM.
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const BASE = env('BASE');
const OUT = env('OUT');
const PASSWORD = env('PASSWORD');
const DOCTOR = env('DOCTOR_EMAIL');
// The doctor's next two-factor code, made by the test on the server's clock (RFC 6238).
const DOCTOR_CODE = env('DOCTOR_CODE');
const MAILBOX = env('MAILBOX');
mkdirSync(OUT, { recursive: true });

const shots = [];
const checked = new Set();
function ok(cond, what) {
  if (!cond) throw new Error(`not as expected: ${what}`);
}

async function shot(page, name) {
  const file = path.join(OUT, `${name}.png`);
  // Chromium can refuse one capture under load ("Unable to capture screenshot", a protocol
  // error, not the page's): one more try after a moment, then the error stands.
  try {
    await page.screenshot({ path: file, fullPage: true });
  } catch (e) {
    await page.waitForTimeout(500);
    await page.screenshot({ path: file, fullPage: true });
  }
  shots.push(file);
}

// axe-core on the page as it stands: any serious or critical violation fails the walk.
async function axe(page, label) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  checked.add(label);
  ok(bad.length === 0, `axe on ${label}: ${bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`).join('; ')}`);
}

async function visit(page, url, label) {
  const r = await page.goto(BASE + url);
  ok(r && r.status() < 500, `${label}: status ${r && r.status()}`);
  await axe(page, label);
  return r;
}

async function waitForMail(count) {
  for (let i = 0; i < 100; i++) {
    if (existsSync(MAILBOX)) {
      const lines = readFileSync(MAILBOX, 'utf8').split('\n').filter(Boolean);
      if (lines.length >= count) return lines[count - 1];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no email came');
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const context = (opts = {}) => browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 }, acceptDownloads: true, ...opts });
try {
  // 1. A visitor registers as a patient.
  const pc = await context();
  const patient = await pc.newPage();
  await visit(patient, '/', 'landing');
  await shot(patient, 'landing-1280-light');
  await visit(patient, '/register', 'register');
  await patient.fill('#full_name', 'Rosa Walker');
  await patient.fill('#email', 'rosa@walk.test');
  await patient.fill('#password', PASSWORD);
  await patient.selectOption('#role', 'patient');
  await Promise.all([patient.waitForNavigation(), patient.click('main button[type=submit]')]);
  ok(patient.url().endsWith('/patient/dashboard'), `registered patient lands on the dashboard, not ${patient.url()}`);
  ok((await patient.textContent('header')).includes('Rosa Walker'), 'the header names the patient');
  ok((await patient.textContent('header')).includes('Walk Clinic'), 'and the clinic');
  await axe(patient, 'patient dashboard (empty)');

  // 2. A doctor opens a page while signed out, signs in with two-factor, and comes back to it.
  const dc = await context();
  const doctor = await dc.newPage();
  await doctor.goto(BASE + '/records/create');
  ok(doctor.url().includes('/login?next=%2Frecords%2Fcreate'), `sent to sign in with the page to come back to: ${doctor.url()}`);
  ok((await doctor.textContent('main')).includes('Please sign in to see that page'), 'the sign-in page says why');
  await axe(doctor, 'sign-in (with next)');
  await doctor.fill('#email', DOCTOR);
  await doctor.fill('#password', PASSWORD);
  await Promise.all([doctor.waitForNavigation(), doctor.click('main button[type=submit]')]);
  ok(await doctor.isVisible('#totp_code'), 'the second step asks for the code');
  ok(!(await doctor.isVisible('#password')), 'and not for the password again');
  await axe(doctor, 'sign-in code step');
  await shot(doctor, 'login-code-1280-light');
  await doctor.fill('#totp_code', DOCTOR_CODE);
  await Promise.all([doctor.waitForNavigation(), doctor.click('main button[type=submit]')]);
  ok(doctor.url().endsWith('/records/create'), `back on the page asked for: ${doctor.url()}`);

  // 3. The doctor writes a record for the patient, amends it and attaches a file.
  await doctor.fill('#patient_email', 'rosa@walk.test');
  await doctor.fill('#title', 'Knee pain after running');
  await doctor.selectOption('#record_type', 'visit');
  await doctor.fill('#notes', 'Mild swelling. Rest for a week, ice twice a day.');
  await Promise.all([doctor.waitForNavigation(), doctor.click('main button[type=submit]')]);
  ok((await doctor.textContent('main')).includes('Rosa Walker'), 'the confirmation shows the patient');
  await Promise.all([doctor.waitForNavigation(), doctor.click('main button[type=submit]:not([name=edit])')]);
  ok(/\/records\/[0-9a-f-]{36}\?done=created$/.test(doctor.url()), `the record page: ${doctor.url()}`);
  ok((await doctor.textContent('.success')).includes('Record saved'), 'a green notice says the record is saved');
  const recordPath = new URL(doctor.url()).pathname;
  await axe(doctor, 'record (author)');
  await doctor.fill('#notes', 'Mild swelling. Rest for a week, ice twice a day. Physiotherapy if no better.');
  await doctor.fill('#reason', 'Added the plan if it does not improve');
  await Promise.all([doctor.waitForNavigation(), doctor.click('form[action$="/amend"] button[type=submit]')]);
  ok((await doctor.textContent('.success')).includes('Amended'), 'a green notice says it was amended');
  const upload = path.join(OUT, 'exercises.txt');
  writeFileSync(upload, 'Straight-leg raises, 3 x 10, twice a day.\n');
  await doctor.setInputFiles('#file', upload);
  await Promise.all([doctor.waitForNavigation(), doctor.click('form[action$="/files"] button[type=submit]')]);
  ok((await doctor.textContent('.success')).includes('attached'), 'a green notice says the file is attached');
  ok((await doctor.textContent('main')).includes('exercises.txt'), 'the file is listed');
  await shot(doctor, 'record-author-1280-light');

  // 4. The patient reads it, downloads its proof and prints it (the print stylesheet).
  await visit(patient, recordPath, 'record (patient)');
  ok((await patient.textContent('main')).includes('Physiotherapy if no better'), 'the patient reads the amended notes');
  const [download] = await Promise.all([patient.waitForEvent('download'), patient.click(`a[href="${recordPath}/proof"]`)]);
  ok(download.suggestedFilename().endsWith('-proof.json'), `the proof is a file: ${download.suggestedFilename()}`);
  const proof = JSON.parse(readFileSync(await download.path(), 'utf8'));
  ok(proof.leaf_hash && proof.audit_path, 'the proof holds its hashes');
  await patient.emulateMedia({ media: 'print' });
  ok(await patient.evaluate(() => getComputedStyle(document.querySelector('header.top')).display === 'none'), 'no navigation on paper');
  const foot = await patient.textContent('.print-foot');
  ok(foot.includes('verification code ' + proof.leaf_hash.slice(0, 4)), `the printed footer carries the verification code: ${foot}`);
  await shot(patient, 'record-print');
  await patient.pdf({ path: path.join(OUT, 'record.pdf') });
  await patient.goto(BASE + '/me/records/print');
  ok((await patient.textContent('main')).includes('Knee pain after running'), 'my records to print list the record');
  ok((await patient.textContent('main')).includes('verification code ' + proof.leaf_hash.slice(0, 4)), 'with its verification code');
  await patient.pdf({ path: path.join(OUT, 'my-records.pdf') });
  await patient.emulateMedia({ media: 'screen' });
  await axe(patient, 'my records to print');

  // 5. Error pages keep the signed-in header.
  const r = await patient.goto(BASE + '/no/such/page');
  ok(r.status() === 404, 'a missing page is 404');
  ok((await patient.textContent('header')).includes('Rosa Walker') && (await patient.isVisible('header button:has-text("Sign out")')), 'the 404 page shows who is signed in, with sign-out');
  await axe(patient, '404 (signed in)');

  // 6. Both themes and both widths on the pages people live in.
  for (const scheme of ['light', 'dark']) {
    for (const width of [1280, 390]) {
      const c = await context({ colorScheme: scheme, viewport: { width, height: width === 390 ? 844 : 800 }, storageState: await pc.storageState() });
      const p = await c.newPage();
      for (const [url, name] of [['/patient/dashboard', 'dashboard'], [recordPath, 'record'], ['/me/security', 'account'], ['/history', 'history']]) {
        await visit(p, url, `${name} ${width} ${scheme}`);
        await shot(p, `${name}-${width}-${scheme}`);
      }
      if (width === 390) {
        // A table on a phone (the account page's devices): each cell says what it is.
        await p.goto(BASE + '/me/security');
        const labelled = await p.evaluate(() => {
          const td = document.querySelector('table.sessions tbody td');
          return td && getComputedStyle(td, '::before').content.includes(':');
        });
        ok(labelled, `table cells are labelled at 390 px (${scheme})`);
      }
      const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
      ok(scheme === 'dark' ? bg !== 'rgb(245, 247, 250)' : bg === 'rgb(245, 247, 250)', `the ${scheme} theme's background: ${bg}`);
      await c.close();
    }
  }

  // 7. Password reset through the mail sink: the same answer for any email, a link that works once.
  const rc = await context();
  const reset = await rc.newPage();
  await visit(reset, '/login', 'sign-in');
  await Promise.all([reset.waitForNavigation(), reset.click('a[href="/forgot-password"]')]);
  await axe(reset, 'forgot password');
  await reset.fill('#email', 'rosa@walk.test');
  await Promise.all([reset.waitForNavigation(), reset.click('main button[type=submit]')]);
  ok((await reset.textContent('main')).includes('works once, for 30 minutes'), 'the page says a link is on its way');
  const link = await waitForMail(1);
  await visit(reset, new URL(link).pathname + new URL(link).search, 'set password');
  await reset.fill('#password', 'rosa-chooses-a-new-one-2026');
  await Promise.all([reset.waitForNavigation(), reset.click('main button[type=submit]')]);
  ok((await reset.textContent('main')).includes('Your password is saved'), 'back on sign-in with a word');
  await reset.fill('#email', 'rosa@walk.test');
  await reset.fill('#password', 'rosa-chooses-a-new-one-2026');
  await Promise.all([reset.waitForNavigation(), reset.click('main button[type=submit]')]);
  ok(reset.url().endsWith('/patient/dashboard'), `the new password signs in: ${reset.url()}`);
  // The old session is over.
  await patient.goto(BASE + '/patient/dashboard');
  ok(patient.url().includes('/login'), 'the earlier session was signed out by the reset');

  // 8. Spanish: a visitor whose browser asks for it, then the patient's saved choice, at both
  // widths and in both themes, and the doctor's pages; no English left on them.
  const english = ['Sign in', 'Sign out', 'Register', 'My records', 'Dashboard', 'Account', 'Skip to content', 'Page not found'];
  const spanishOnly = async (page, label) => {
    ok((await page.getAttribute('html', 'lang')) === 'es', `${label} is marked as Spanish`);
    const text = await page.evaluate(() => document.body.innerText);
    const left = english.filter((w) => text.includes(w));
    ok(left.length === 0, `${label} still says ${left.join(', ')}`);
  };
  const ec = await context({ locale: 'es-ES' });
  const visitor = await ec.newPage();
  for (const [url, name] of [['/', 'landing'], ['/login', 'login'], ['/register', 'register'], ['/forgot-password', 'forgot-password']]) {
    await visit(visitor, url, `${name} (es)`);
    await spanishOnly(visitor, `${name} (es)`);
    await shot(visitor, `${name}-1280-light-es`);
  }
  ok((await visitor.textContent('header')).includes('Iniciar sesión'), 'the visitor\'s header says Iniciar sesión');
  await visit(reset, '/me/security', 'account');
  await reset.check('form[action="/me/language"] input[name=language][value=es]');
  await Promise.all([reset.waitForNavigation(), reset.click('form[action="/me/language"] button[type=submit]')]);
  ok((await reset.textContent('main')).includes('Idioma guardado'), 'the account page says the language is saved, in Spanish');
  await spanishOnly(reset, 'account after choosing Spanish');
  for (const scheme of ['light', 'dark']) {
    for (const width of [1280, 390]) {
      // An English browser: the saved choice wins.
      const c = await context({ locale: 'en-US', colorScheme: scheme, viewport: { width, height: width === 390 ? 844 : 800 }, storageState: await rc.storageState() });
      const p = await c.newPage();
      for (const [url, name] of [['/patient/dashboard', 'dashboard'], [recordPath, 'record'], ['/me/security', 'account'], ['/history', 'history'], ['/me/access-log', 'access-log'], ['/me/shares', 'shares'], ['/no/such/page', '404']]) {
        await visit(p, url, `${name} ${width} ${scheme} es`);
        await spanishOnly(p, `${name} ${width} ${scheme}`);
        await shot(p, `${name}-${width}-${scheme}-es`);
      }
      await c.close();
    }
  }
  const dce = await context({ locale: 'es-ES', storageState: await dc.storageState() });
  const doctorEs = await dce.newPage();
  for (const [url, name] of [['/doctor/dashboard', 'doctor-dashboard'], [recordPath, 'record-author'], ['/patients', 'patients'], ['/appointments', 'appointments'], ['/records/create', 'record-form']]) {
    await visit(doctorEs, url, `${name} (es)`);
    await spanishOnly(doctorEs, `${name} (es)`);
    await shot(doctorEs, `${name}-1280-light-es`);
  }

  writeFileSync(path.join(OUT, 'walk.json'), JSON.stringify({ pages_checked_with_axe: [...checked], screenshots: shots }, null, 1));
  console.log(`walk ok: ${checked.size} pages checked with axe, ${shots.length} screenshots in ${OUT}`);
} finally {
  await browser.close();
}
