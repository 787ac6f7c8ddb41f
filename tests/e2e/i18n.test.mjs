// Bengali and Hindi beside English, and WCAG 2.2 AA through every flow (issue 17), against the
// release build and the real server, in Debian's Chromium with Debian's Bengali and Devanagari
// fonts (scripts/setup.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  startServer, launchBrowser, newWatchedPage, apiToken, appointmentId, axeViolations,
  waitCallState, instrumentWebRtc, inboundStats, waitFor, dropUdpFrom, candidatePorts, DIST,
} from './harness.mjs';

const OPEN_NOW = 'Follow-up on blood pressure';
const SCRIPT = { en: null, bn: /[\u0980-\u09FF]/, hi: /[\u0900-\u097F]/ };
const BROWSER_LOCALE = { en: 'en-GB', bn: 'bn-BD', hi: 'hi-IN' };
// Latin words a Bengali or Hindi page may rightly show: the product's and the clinic's name,
// people's names and the appointments' reasons (the clinic's data, not the app's words), time
// zone abbreviations, CLDR's own day periods for Bengali and Hindi (AM/PM, am/pm, which `Intl`
// writes in Latin letters), and the acronyms and product names the translations keep.
const KEPT_IN_LATIN = new Set(['AM', 'PM', 'am', 'pm', 'Teleconsult', 'GMT', 'UTC', 'TURN', 'VPN', 'Wi-Fi', 'WebSocket', 'HTTP', 'API', 'Chrome', 'Firefox', 'Safari', 'Edge', 'Windows', 'macOS', 'Android', 'iPhone', 'Ctrl', 'Enter', 'Esc', 'Tab', 'Shift']);
/** A fetched catalogue, as shipped. */
const words = (lang) => JSON.parse(fs.readFileSync(`${DIST}/locales/${lang}.json`, 'utf8'));
let server;
let browser;
let id;
let dataWords;

before(async () => {
  server = await startServer({ args: ['--demo'] });
  browser = await launchBrowser();
  const patientToken = await apiToken(server.url, 'patient@example.com', 'patient-demo');
  id = await appointmentId(server.url, patientToken, OPEN_NOW);
  // Every word of the demo data (names, reasons) may appear in Latin letters on any page.
  const words = new Set();
  for (const [email, password] of [['patient@example.com', 'patient-demo'], ['doctor@example.com', 'doctor-demo']]) {
    const token = await apiToken(server.url, email, password);
    const res = await fetch(`${server.url}/api/appointments`, { headers: { authorization: `Bearer ${token}` } });
    const text = JSON.stringify(await res.json());
    for (const w of text.match(/[A-Za-z][A-Za-z'-]+/g) ?? []) words.add(w);
  }
  dataWords = words;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function party(t, lang, { permissions = ['camera', 'microphone'] } = {}) {
  const context = await browser.newContext({ locale: BROWSER_LOCALE[lang], permissions });
  t.after(() => context.close());
  await instrumentWebRtc(context);
  const page = await newWatchedPage(context);
  return { context, page };
}

/** Signs in through the form at `base` (the file's server by default) without reading its (translated) labels. */
async function signInAnyLanguage(page, email, password, base = server.url) {
  await page.goto(base + '/login');
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.waitForURL((u) => u.pathname === '/doctor' || u.pathname === '/patient', { timeout: 15_000 });
}

/**
 * The page is in `lang`: `<html lang>`, the title and the main heading; no word of the app's own
 * left in English (for Bengali and Hindi); the script drawn with a font that has it; and axe
 * finds nothing with the WCAG 2.0–2.2 A/AA rules. `where` names the page and state.
 */
async function assertInLanguage(page, lang, where) {
  await waitFor(() => page.evaluate((l) => document.documentElement.lang === l, lang), 10_000);
  const heading = page.getByRole('heading', { level: 1 });
  await heading.first().waitFor();
  const [title, h1] = [await page.title(), await heading.first().textContent()];
  if (SCRIPT[lang]) {
    assert.match(h1, SCRIPT[lang], `${where}: heading ${JSON.stringify(h1)}`);
    assert.match(title, SCRIPT[lang], `${where}: title ${JSON.stringify(title)}`);
    const text = await page.evaluate(() => document.body.innerText);
    // The browser's own names of the camera and microphone are its words, not the app's.
    const devices = await page.evaluate(async () => (await navigator.mediaDevices.enumerateDevices()).map((d) => d.label).join(' '));
    const latin = [...new Set(text.match(/[A-Za-z][A-Za-z'-]*[A-Za-z]/g) ?? [])]
      .filter((w) => !KEPT_IN_LATIN.has(w) && !dataWords.has(w) && !devices.includes(w) && w !== 'English');
    assert.deepEqual(latin, [], `${where}: English left on the page`);
    assert.ok(await drawnWithFontFor(page, lang), `${where}: no font with the ${lang} script`);
  } else {
    assert.doesNotMatch(h1, /[\u0900-\u09FF]/, where);
  }
  assert.deepEqual(await axeViolations(page), [], `${where}: axe`);
}

/** Whether the main heading is drawn with a platform font for the script (not boxes). */
async function drawnWithFontFor(page, lang) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument');
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'h1' });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    const wanted = lang === 'bn' ? /Bengali|Beng/i : /Devanagari|Deva|Hindi/i;
    return fonts.some((f) => wanted.test(f.familyName) && f.glyphCount > 0);
  } finally {
    await cdp.detach();
  }
}

for (const lang of ['en', 'bn', 'hi']) {
  test(`${lang}: not found, sign-in, both dashboards, the pre-call check and every call state read in the language, axe-clean`, async (t) => {
    const doctor = await party(t, lang);
    const patient = await party(t, lang);
    await doctor.page.goto(server.url + '/no/such/page');
    await assertInLanguage(doctor.page, lang, 'page not found');
    await doctor.page.goto(server.url + '/login');
    await assertInLanguage(doctor.page, lang, 'sign-in');
    await signInAnyLanguage(doctor.page, 'doctor@example.com', 'doctor-demo');
    await doctor.page.getByTestId(`join-${id}`).waitFor();
    await assertInLanguage(doctor.page, lang, 'doctor dashboard');
    await signInAnyLanguage(patient.page, 'patient@example.com', 'patient-demo');
    await patient.page.getByTestId(`join-${id}`).waitFor();
    await assertInLanguage(patient.page, lang, 'patient dashboard');
    if (lang === 'bn') {
      // Dates and times through Intl in the page's language: Bengali digits.
      const when = await patient.page.locator('.appointment').first().innerText();
      assert.match(when, /[০-৯]/, `appointment time in Bengali digits: ${when}`);
    }

    await patient.page.goto(`${server.url}/check?role=patient`);
    await patient.page.getByRole('heading', { level: 1 }).waitFor();
    await patient.page.waitForTimeout(3_000); // the check's probes
    await assertInLanguage(patient.page, lang, 'pre-call check');

    await doctor.page.getByTestId(`join-${id}`).click();
    await waitCallState(doctor.page, 'waiting');
    await assertInLanguage(doctor.page, lang, 'call: waiting');
    await patient.page.goto(`${server.url}/consultation/${id}?role=patient`);
    await waitCallState(patient.page, 'active');
    await waitCallState(doctor.page, 'active');
    await assertInLanguage(patient.page, lang, 'call: active');

    // The same person in a second tab: "busy", offered to continue there.
    const second = await newWatchedPage(patient.context);
    await second.goto(`${server.url}/consultation/${id}?role=patient`);
    await waitCallState(second, 'busy');
    await assertInLanguage(second, lang, 'call: busy');
    await second.close();

    // The media path drops (every UDP packet of either side lost): the page says it is
    // reconnecting, then recovers when the path comes back.
    const lift = dropUdpFrom([...await candidatePorts(patient.page), ...await candidatePorts(doctor.page)]);
    t.after(lift);
    try {
      await waitCallState(patient.page, 'reconnecting', 30_000);
      await assertInLanguage(patient.page, lang, 'call: reconnecting');
    } finally {
      lift();
    }
    await waitCallState(patient.page, 'active', 30_000);

    await doctor.page.getByTestId('leave').click();
    await waitCallState(doctor.page, 'ended');
    await assertInLanguage(doctor.page, lang, 'call: ended');
    await waitCallState(patient.page, 'peer-left');
    await assertInLanguage(patient.page, lang, 'call: peer left');
    await patient.page.getByTestId('leave').click();

    // Camera and microphone blocked: "failed", with what to do.
    const blocked = await party(t, lang, { permissions: [] });
    await signInAnyLanguage(blocked.page, 'patient@example.com', 'patient-demo');
    await blocked.page.goto(`${server.url}/consultation/${id}?role=patient`);
    await waitCallState(blocked.page, 'failed');
    if (SCRIPT[lang]) assert.match(await blocked.page.getByTestId('call-error').textContent(), SCRIPT[lang]);
    await assertInLanguage(blocked.page, lang, 'call: failed');
    for (const p of [doctor.page, patient.page, blocked.page]) {
      assert.ok(p.problems.every((m) => !m.includes('panicked') && !m.startsWith('pageerror')), p.problems.join('\n'));
    }
  });
}

test('the language is picked from the browser, switched on any page without a reload, remembered, and a call goes on through a switch', async (t) => {
  const doctor = await party(t, 'hi');
  const patient = await party(t, 'en');
  await doctor.page.goto(server.url + '/login');
  await assertInLanguage(doctor.page, 'hi', 'sign-in from hi-IN');
  // Switched on the sign-in page: no reload (a marker on window survives).
  await doctor.page.evaluate(() => { window.__sameDocument = true; });
  await doctor.page.locator('#lang-picker').selectOption('bn');
  await assertInLanguage(doctor.page, 'bn', 'sign-in after a switch');
  assert.equal(await doctor.page.evaluate(() => window.__sameDocument), true);
  // Remembered: a new page of the same browser opens in Bengali, though the browser says Hindi.
  await signInAnyLanguage(doctor.page, 'doctor@example.com', 'doctor-demo');
  await doctor.page.getByTestId(`join-${id}`).waitFor();
  await assertInLanguage(doctor.page, 'bn', 'doctor dashboard, remembered');

  await signInAnyLanguage(patient.page, 'patient@example.com', 'patient-demo');
  await patient.page.goto(`${server.url}/consultation/${id}?role=patient`);
  await doctor.page.goto(`${server.url}/consultation/${id}?role=doctor`);
  await waitCallState(doctor.page, 'active');
  await waitCallState(patient.page, 'active');
  const before = await inboundStats(doctor.page);
  const pcs = await doctor.page.evaluate(() => window.__pcs.length);
  await doctor.page.locator('#lang-picker').selectOption('hi');
  await assertInLanguage(doctor.page, 'hi', 'call after a switch');
  // The switch re-rendered words only: the same peer connection, media still arriving.
  assert.equal(await callStateOf(doctor.page), 'active');
  assert.equal(await doctor.page.evaluate(() => window.__pcs.length), pcs);
  await waitFor(async () => (await inboundStats(doctor.page)).framesDecoded > before.framesDecoded + 10, 10_000);
  await doctor.page.locator('#lang-picker').selectOption('en');
  await assertInLanguage(doctor.page, 'en', 'call back in English');
  await doctor.page.getByRole('button', { name: 'Leave consultation' }).click();
  await patient.page.getByRole('button', { name: 'Leave consultation' }).click();
});

const callStateOf = (page) => page.getByTestId('call').getAttribute('data-state');

test('a wrong password is told in the page\'s language, and the message follows a switch', async (t) => {
  const { page } = await party(t, 'bn');
  await page.goto(server.url + '/login');
  await page.locator('html[lang="bn"] #email').fill('nobody@example.com');
  await page.locator('#password').fill('not-the-password');
  await page.locator('form button[type=submit]').click();
  // The server's refusal (401 invalid_credentials) in the app's own words, not the server's English.
  const alert = page.getByRole('alert');
  await alert.getByText(words('bn')['api.refusal.invalid_credentials']).waitFor({ timeout: 10_000 });
  await page.locator('#lang-picker').selectOption('hi');
  await alert.getByText(words('hi')['api.refusal.invalid_credentials']).waitFor({ timeout: 10_000 });
  await assertInLanguage(page, 'hi', 'sign-in refused');
  // The browser logs the refused request itself (401); nothing else.
  assert.deepEqual(page.problems.filter((p) => !/status of 401/.test(p)), []);
});

test('a slow start shows the loading line in the reader\'s language, never English first', async (t) => {
  const { page } = await party(t, 'bn');
  // Everything the page shows on its way, from its first paint.
  await page.addInitScript(() => {
    window.__seen = [];
    new MutationObserver(() => {
      const text = document.body?.innerText?.trim();
      if (text && window.__seen.at(-1) !== text) window.__seen.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  // A slow link: config.json takes 1.5 s (the Bengali catalogue arrives meanwhile).
  await page.route('**/config.json', async (route) => {
    await new Promise((r) => setTimeout(r, 1_500));
    await route.continue();
  });
  await page.goto(server.url + '/login');
  await assertInLanguage(page, 'bn', 'sign-in after a slow start');
  const seen = await page.evaluate(() => window.__seen);
  assert.ok(seen.some((text) => text.includes(words('bn')['app.loading'])), `the loading line, in Bengali: ${JSON.stringify(seen)}`);
  const english = seen.filter((text) => /[A-Za-z]{4,}/.test(text.replace(/Teleconsult|English/g, '')));
  assert.deepEqual(english, [], 'no English on the way');
});

test('the reader\'s catalogue is asked for with the page, once, not after the wasm has started', async (t) => {
  const { page } = await party(t, 'hi');
  // The wasm 400 ms slower, as on a weak mobile link where it is the longest download (routing
  // also keeps it out of the cache): the catalogue must not wait for it.
  await page.route('**/*_bg.wasm', async (route) => {
    await new Promise((r) => setTimeout(r, 400));
    await route.continue();
  });
  const catalogues = (wasm) => page.evaluate((wasm) => {
    const entries = performance.getEntriesByType('resource');
    return {
      asked: entries.filter((e) => e.name.includes('/locales/')).map((e) => [new URL(e.name).pathname, e.startTime]),
      wasmArrived: entries.find((e) => e.name.includes(wasm) && e.name.endsWith('_bg.wasm'))?.responseEnd,
    };
  }, wasm);
  // From the browser's languages (hi-IN), on the sign-in page.
  await page.goto(server.url + '/login');
  await assertInLanguage(page, 'hi', 'sign-in from hi-IN');
  let seen = await catalogues('/teleconsult-web-');
  assert.deepEqual(seen.asked.map(([path]) => path), ['/locales/hi.json'], JSON.stringify(seen));
  assert.ok(seen.asked[0][1] < seen.wasmArrived, `asked while the wasm was still arriving: ${JSON.stringify(seen)}`);
  // The remembered choice wins over the browser's, on the consultation page as well (signed in,
  // so that the page stays itself rather than sending to sign-in).
  await signInAnyLanguage(page, 'patient@example.com', 'patient-demo');
  await page.evaluate(() => localStorage.setItem('teleconsult.lang', 'bn'));
  await page.goto(`${server.url}/check?role=patient`);
  await page.locator('html[lang="bn"]').waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname, '/check');
  seen = await catalogues('/teleconsult-call-');
  assert.deepEqual(seen.asked.map(([path]) => path), ['/locales/bn.json'], JSON.stringify(seen));
  assert.ok(seen.asked[0][1] < seen.wasmArrived, JSON.stringify(seen));
  assert.deepEqual(page.consoleAll.filter((m) => m.includes('/locales/')), []);
  assert.deepEqual(page.problems, []);
});

test('a language file that cannot be fetched leaves the page in English, and says so', async (t) => {
  const { page } = await party(t, 'hi');
  // A real network failure of that one request (the CDN without the file, a proxy blocking it).
  await page.route('**/locales/hi.json', (r) => r.abort('connectionrefused'));
  await page.goto(server.url + '/login');
  await page.getByRole('heading', { name: 'Sign in to Teleconsult' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.getByRole('status').filter({ hasText: 'could not be loaded' }).waitFor();
  assert.deepEqual(await axeViolations(page), []);
  assert.ok(page.problems.every((m) => !m.includes('panicked')), page.problems.join('\n'));
});

test('the doctor\'s whole flow by keyboard alone, in Bengali: sign in, start, mute, chat, leave', async (t) => {
  const doctor = await party(t, 'bn');
  const patient = await party(t, 'bn');
  await signInAnyLanguage(patient.page, 'patient@example.com', 'patient-demo');
  const page = doctor.page;
  await page.goto(server.url + '/login');
  await assertInLanguage(page, 'bn', 'sign-in');
  // Focus is on the page's heading; the next stop is the e-mail field.
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
  await page.keyboard.press('Tab');
  await page.keyboard.type('doctor@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('doctor-demo');
  await page.keyboard.press('Enter');
  await page.getByTestId(`join-${id}`).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus on the dashboard\'s heading');
  await tabTo(page, (tid) => document.activeElement?.dataset?.testid === tid, `join-${id}`);
  await page.keyboard.press('Enter');
  await waitCallState(page, 'waiting');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus on the consultation\'s heading');
  await patient.page.goto(`${server.url}/consultation/${id}?role=patient`);
  await waitCallState(page, 'active');
  await page.keyboard.press('Control+D');
  assert.equal(await page.getByTestId('mute').getAttribute('aria-pressed'), 'true');
  await tabTo(page, () => document.activeElement?.dataset?.testid === 'chat-toggle');
  await page.keyboard.press('Enter');
  await tabTo(page, () => document.activeElement?.tagName === 'TEXTAREA' || document.activeElement?.tagName === 'INPUT');
  await page.keyboard.type('নমস্কার');
  await page.keyboard.press('Enter');
  await waitFor(async () => (await patient.page.getByTestId('chat-toggle').textContent()).match(/[০-৯1-9]/), 10_000);
  await tabTo(page, () => document.activeElement?.dataset?.testid === 'leave');
  await page.keyboard.press('Enter');
  await waitCallState(page, 'ended');
  await patient.page.getByTestId('leave').click();
});

/** Presses Tab until `isThere` (evaluated in the page with `arg`) holds; fails after 60 stops. */
async function tabTo(page, isThere, arg) {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(isThere, arg)) return;
  }
  throw new Error(`Tab never reached ${isThere}`);
}

test('content reflows at 320 CSS px and at 200 % zoom (a 1280 px window: 640 CSS px), in the longest language', async (t) => {
  for (const viewport of [{ width: 320, height: 640 }, { width: 640, height: 360 }]) {
    for (const lang of ['bn', 'hi']) {
      const context = await browser.newContext({ locale: BROWSER_LOCALE[lang], viewport, permissions: ['camera', 'microphone'] });
      t.after(() => context.close());
      const page = await newWatchedPage(context);
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      const where = `${lang} at ${viewport.width} px`;
      await page.goto(server.url + '/login');
      await assertInLanguage(page, lang, `${where}: sign-in`);
      assert.equal(await overflow(), 0, `${where}: sign-in`);
      await signInAnyLanguage(page, 'patient@example.com', 'patient-demo');
      await page.getByTestId(`join-${id}`).waitFor();
      assert.equal(await overflow(), 0, `${where}: patient dashboard`);
      await page.getByTestId(`join-${id}`).click();
      await waitCallState(page, 'waiting');
      assert.equal(await overflow(), 0, `${where}: consultation`);
      await context.close();
    }
  }
});

test('motion stops for people who ask the system for less (prefers-reduced-motion)', async (t) => {
  for (const [reducedMotion, wanted] of [['no-preference', 'pulse'], ['reduce', 'none']]) {
    const context = await browser.newContext({ reducedMotion });
    t.after(() => context.close());
    const page = await newWatchedPage(context);
    await page.goto(server.url + '/login');
    await page.getByRole('heading', { level: 1 }).waitFor();
    // The app's one animation: the pulsing dot of the doctor's "live" marker, styled here as the
    // dashboard renders it.
    const animation = await page.evaluate(() => {
      const marker = document.createElement('p');
      marker.className = 'live-marker';
      marker.innerHTML = '<span class="dot"></span>';
      document.querySelector('main').append(marker);
      return getComputedStyle(marker.firstChild).animationName;
    });
    assert.equal(animation, wanted, reducedMotion);
  }
});

test('the waiting room and Admit read in each language, axe-clean: the patient waiting, the doctor\'s live queue', async (t) => {
  for (const lang of ['en', 'bn', 'hi']) {
    // A clinic of its own per language: admission lasts for the appointment.
    const clinic = await startServer({ args: ['--demo'], waitingRoom: true });
    t.after(() => clinic.stop());
    const appointment = await appointmentId(clinic.url, await apiToken(clinic.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
    const doctor = await party(t, lang);
    const patient = await party(t, lang);
    await signInAnyLanguage(doctor.page, 'doctor@example.com', 'doctor-demo', clinic.url);
    await signInAnyLanguage(patient.page, 'patient@example.com', 'patient-demo', clinic.url);
    await patient.page.goto(`${clinic.url}/consultation/${appointment}?role=patient`);
    await waitCallState(patient.page, 'waiting-room');
    await assertInLanguage(patient.page, lang, `${lang} call: waiting room`);
    const waiting = doctor.page.getByTestId(`waiting-${appointment}`);
    await waiting.waitFor({ timeout: 15_000 });
    await assertInLanguage(doctor.page, lang, `${lang} doctor's live queue`);
    await waiting.getByRole('button').first().click();
    await waitCallState(patient.page, 'active', 20_000);
    await waitCallState(doctor.page, 'active', 20_000);
    await doctor.page.getByTestId('leave').click();
    await patient.page.getByTestId('leave').click();
    await waitCallState(patient.page, 'ended');
    await doctor.context.close();
    await patient.context.close();
  }
});
