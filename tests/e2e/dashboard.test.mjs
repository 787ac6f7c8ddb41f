// Dashboards and the room-status notification, against the release build and the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newWatchedPage, signIn, apiToken, appointmentId, axeViolations,
  waitCallState, openParty, distWithConfig, waitFor,
} from './harness.mjs';

const OPEN_NOW = 'Follow-up on blood pressure';
let server;
let browser;
let id;

before(async () => {
  server = await startServer({ args: ['--demo'] });
  browser = await launchBrowser();
  id = await appointmentId(server.url, await apiToken(server.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the patient is told when the doctor opens the room, joins from the notice, and both see the call in the history', async (t) => {
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await patient.page.getByTestId(`join-${id}`).waitFor();
  assert.equal(await patient.page.getByTestId(`waiting-${id}`).count(), 0);

  await doctor.page.getByTestId(`join-${id}`).click(); // "Start consultation"
  await waitCallState(doctor.page, 'waiting');
  const opened = Date.now();
  const notice = patient.page.getByTestId(`waiting-${id}`);
  await notice.waitFor({ timeout: 6_000 });
  const took = Date.now() - opened;
  assert.match(await notice.textContent(), /Dr\. Amina Rahman is waiting in your consultation room/);
  assert.match(await patient.page.title(), /^\(1\) /);
  assert.equal(await patient.page.getByTestId('waiting-notices').getAttribute('aria-live'), 'polite');
  console.log(`# notice appeared ${took} ms after the doctor entered`);

  await notice.getByRole('link', { name: 'Join now' }).click();
  await waitCallState(patient.page, 'active');
  await waitCallState(doctor.page, 'active');
  await patient.page.getByRole('button', { name: 'Leave consultation' }).click();
  await waitCallState(doctor.page, 'peer-left');
  await doctor.page.getByRole('button', { name: 'Leave consultation' }).click();

  for (const [page, dashboard] of [[patient.page, '/patient'], [doctor.page, '/doctor']]) {
    await page.goto(server.url + dashboard);
    const history = page.getByTestId(`history-${id}`);
    await history.locator('summary').click();
    await history.getByText('The call ended').waitFor({ timeout: 5_000 });
    const text = await history.textContent();
    assert.match(text, /The doctor joined the call/);
    assert.match(text, /The patient joined the call/);
  }
  assert.deepEqual(patient.page.problems, []);
  assert.deepEqual(doctor.page.problems, []);
});

test('the notice goes away when the room empties, and the doctor sees a live marker', async (t) => {
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  // The patient enters first this time; the doctor's dashboard marks it.
  await patient.page.goto(`${server.url}/consultation/${id}?role=patient`);
  await waitCallState(patient.page, 'waiting');
  await doctor.page.getByTestId(`live-${id}`).waitFor({ timeout: 6_000 });
  await doctor.page.getByTestId(`waiting-${id}`).getByText('Adib Hossain is waiting in the consultation room').waitFor();
  await patient.page.getByRole('button', { name: 'Leave consultation' }).click();
  await doctor.page.getByTestId(`waiting-${id}`).waitFor({ state: 'detached', timeout: 6_000 });
  assert.equal(await doctor.page.getByTestId(`live-${id}`).count(), 0);
  assert.doesNotMatch(await doctor.page.title(), /^\(/);
});

test('a hidden dashboard still learns who waits: a poll every 30 s, the desktop notification, a poll at once when shown', async (t) => {
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo',
    { permissions: ['camera', 'microphone', 'notifications'] });
  // Records the notifications the page shows (the real constructor still runs).
  await patient.context.addInitScript(() => {
    window.__notifications = [];
    const Shown = window.Notification;
    window.Notification = class extends Shown {
      constructor(title, options) {
        super(title, options);
        window.__notifications.push({ title, body: options?.body });
      }
    };
  });
  await patient.page.reload();
  await patient.page.getByTestId(`join-${id}`).waitFor();
  const polls = [];
  patient.page.on('request', (r) => { if (r.url().includes('/api/rooms/status')) polls.push(Date.now()); });
  const setVisibility = (v) => patient.page.evaluate((state) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
    document.dispatchEvent(new Event('visibilitychange'));
  }, v);
  await setVisibility('hidden');
  const hiddenAt = Date.now();

  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  await doctor.page.getByTestId(`join-${id}`).click();
  await waitCallState(doctor.page, 'waiting');
  const opened = Date.now();
  await patient.page.waitForFunction(
    () => window.__notifications.some((n) => /Dr\. Amina Rahman is waiting in your consultation room/.test(n.body)),
    null, { timeout: 45_000 });
  t.diagnostic(`desktop notification ${Date.now() - opened} ms after the doctor entered, the patient's tab hidden`);
  assert.match(await patient.page.title(), /^\(1\) /);
  const hiddenFor = Date.now() - hiddenAt;
  const hiddenPolls = polls.filter((at) => at >= hiddenAt).length;
  t.diagnostic(`${hiddenPolls} room-status polls in ${hiddenFor} ms hidden`);
  assert.ok(hiddenPolls >= 1 && hiddenPolls <= Math.floor(hiddenFor / 30_000) + 1,
    `${hiddenPolls} polls in ${hiddenFor} ms hidden: at most one per 30 s`);

  const shown = patient.page.waitForRequest((r) => r.url().includes('/api/rooms/status'), { timeout: 3_000 });
  await setVisibility('visible');
  await shown;
  await doctor.page.getByRole('button', { name: 'Leave consultation' }).click();
  assert.deepEqual(patient.page.problems, []);
});

test('login, both dashboards and the consultation have no axe violations', async (t) => {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  t.after(() => context.close());
  const page = await newWatchedPage(context);
  await page.goto(server.url + '/login');
  await page.getByRole('heading', { name: 'Sign in to Teleconsult' }).waitFor();
  assert.equal(await page.title(), 'Sign in — Teleconsult');
  assert.deepEqual(await axeViolations(page), [], 'login');
  await signIn(page, server.url, 'patient@example.com', 'patient-demo');
  await page.getByTestId(`join-${id}`).waitFor();
  assert.deepEqual(await axeViolations(page), [], 'patient dashboard');
  await signIn(page, server.url, 'doctor@example.com', 'doctor-demo');
  await page.getByTestId(`join-${id}`).waitFor();
  assert.deepEqual(await axeViolations(page), [], 'doctor dashboard');
  assert.equal(await page.title(), "This week's consultations — Teleconsult");
  await page.getByTestId(`join-${id}`).click();
  await waitCallState(page, 'waiting');
  assert.equal(await page.title(), 'Consultation — Teleconsult');
  assert.deepEqual(await axeViolations(page), [], 'consultation');
  await page.getByRole('button', { name: 'Leave consultation' }).click();
});

test('every page runs under a strict Content-Security-Policy, which refuses an injected script', async (t) => {
  const res = await fetch(server.url + '/doctor');
  const csp = res.headers.get('content-security-policy');
  t.diagnostic(`content-security-policy: ${csp}`);
  assert.ok(csp, 'HTML answers carry a policy');
  for (const forbidden of ["'unsafe-inline'", "'unsafe-eval'"]) assert.ok(!csp.includes(forbidden), forbidden);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/]+=*'/);
  for (const directive of ["object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'", "style-src 'self'"]) {
    assert.ok(csp.includes(directive), directive);
  }
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await doctor.page.goto(`${server.url}/check?role=doctor`);
  await doctor.page.getByRole('heading', { level: 1 }).waitFor();
  await doctor.page.waitForTimeout(3_000); // the check's probes: API, signaling socket, ICE
  await doctor.page.goto(`${server.url}/consultation/${id}?role=doctor`);
  await waitCallState(doctor.page, 'waiting');
  await patient.page.goto(`${server.url}/consultation/${id}?role=patient`);
  await waitCallState(patient.page, 'active');
  await waitCallState(doctor.page, 'active');
  for (const page of [doctor.page, patient.page]) {
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(page.problems, []);
  }
  // The defence works: a script injected into the page (as an XSS would) does not run.
  const ran = await patient.page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true;';
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 100));
    return window.__injected === true;
  });
  assert.equal(ran, false, 'an injected inline script must not run');
  assert.deepEqual(await patient.page.evaluate(() => window.__cspViolations), ['script-src-elem inline']);
  await patient.page.getByRole('button', { name: 'Leave consultation' }).click();
});

test('the whole patient flow works by keyboard alone', async (t) => {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  t.after(() => context.close());
  const page = await newWatchedPage(context);
  await page.goto(server.url + '/login');
  await page.getByRole('heading', { name: 'Sign in to Teleconsult' }).waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.type('patient@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('patient-demo');
  await page.keyboard.press('Enter');
  await page.getByTestId(`join-${id}`).waitFor();
  // Tab to the join link and follow it.
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((tid) => document.activeElement?.dataset?.testid === tid, `join-${id}`)) break;
  }
  await page.keyboard.press('Enter');
  await waitCallState(page, 'waiting');
  await page.keyboard.press('Control+D');
  await page.getByRole('button', { name: 'Unmute microphone' }).waitFor();
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.textContent === 'Leave consultation')) break;
  }
  await page.keyboard.press('Enter');
  await waitCallState(page, 'ended');
});

test('a 360 px phone: no page scrolls sideways and the call controls stay on screen', async (t) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, permissions: ['camera', 'microphone'] });
  t.after(() => context.close());
  const page = await newWatchedPage(context);
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.goto(server.url + '/login');
  await page.getByRole('heading', { name: 'Sign in to Teleconsult' }).waitFor();
  assert.equal(await overflow(), 0, 'login');
  await signIn(page, server.url, 'patient@example.com', 'patient-demo');
  await page.getByTestId(`join-${id}`).waitFor();
  assert.equal(await overflow(), 0, 'patient dashboard');
  await signIn(page, server.url, 'doctor@example.com', 'doctor-demo');
  await page.getByTestId(`join-${id}`).waitFor();
  assert.equal(await overflow(), 0, 'doctor dashboard');
  await page.getByTestId(`join-${id}`).click();
  await waitCallState(page, 'waiting');
  assert.equal(await overflow(), 0, 'consultation');
  for (const name of ['Mute microphone', 'Turn camera off', 'Share screen', 'Leave consultation']) {
    const box = await page.getByRole('button', { name }).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 360 && box.y + box.height <= 740, `${name}: ${JSON.stringify(box)}`);
    assert.ok(box.height >= 44, `${name} is a comfortable touch target (${box.height} px)`);
  }
  await page.getByRole('button', { name: 'Leave consultation' }).click();
});

test('malformed answers from the API give a plain message, never a crash', async (t) => {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  t.after(() => context.close());
  const page = await newWatchedPage(context);
  await signIn(page, server.url, 'patient@example.com', 'patient-demo');
  await page.getByTestId(`join-${id}`).waitFor();
  // What a broken deployment can send: a 200 that is not JSON, and a proxy's HTML error page.
  await page.route('**/api/appointments', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: '{"appointments": [' }));
  await page.route('**/api/appointments/*/join', (r) => r.fulfill({ status: 502, contentType: 'text/html', body: '<html>Bad Gateway</html>' }));
  await page.reload();
  await page.getByRole('alert').filter({ hasText: 'The Teleconsult server had a problem' }).waitFor({ timeout: 10_000 });
  await page.goto(`${server.url}/consultation/${id}?role=patient`);
  await waitCallState(page, 'failed');
  assert.match(await page.getByTestId('call-error').textContent(), /server had a problem/);
  assert.ok(page.problems.every((p) => !p.includes('panicked') && !p.startsWith('pageerror')), page.problems.join('\n'));
});

test('the doctor confirms a requested appointment, and cancels it only after saying so in the dialog', async (t) => {
  // A request of the patient's own, two days ahead, so the other tests' appointments are untouched.
  const token = await apiToken(server.url, 'patient@example.com', 'patient-demo');
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const [doctorAccount] = await (await fetch(server.url + '/api/doctors', { headers })).json();
  const reason = `Confirm-then-cancel ${Date.now()}`;
  const at = new Date(Date.now() + 2 * 24 * 3600_000);
  at.setUTCMinutes(0, 0, 0);
  const booked = await fetch(server.url + '/api/appointments', {
    method: 'POST', headers, body: JSON.stringify({ doctor_id: doctorAccount.id, scheduled_at: at.toISOString(), reason }),
  });
  assert.equal(booked.status, 201, await booked.clone().text());
  const requested = await appointmentId(server.url, token, reason);

  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const card = doctor.page.getByTestId(`appointment-${requested}`);
  await card.getByText('Requested', { exact: true }).waitFor({ timeout: 10_000 });
  await card.getByRole('button', { name: 'Confirm' }).click();
  await card.getByText('Confirmed', { exact: true }).waitFor({ timeout: 5_000 });
  assert.equal(await card.getByRole('button', { name: 'Confirm' }).count(), 0, 'confirmed once');

  // Dismissed: nothing is sent, the appointment stays confirmed.
  const sent = [];
  doctor.page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes(`/appointments/${requested}/`)) sent.push(r.url()); });
  doctor.page.once('dialog', (d) => d.dismiss());
  await card.getByRole('button', { name: 'Cancel' }).click();
  await doctor.page.waitForTimeout(500);
  assert.deepEqual(sent, []);
  assert.equal(await card.getByText('Confirmed', { exact: true }).count(), 1);

  let asked;
  doctor.page.once('dialog', (d) => { asked = d.message(); d.accept(); });
  await card.getByRole('button', { name: 'Cancel' }).click();
  await card.getByText('Cancelled', { exact: true }).waitFor({ timeout: 5_000 });
  assert.equal(asked, 'Cancel this appointment?');
  assert.equal(await card.getByRole('button').count(), 0, 'a cancelled appointment offers no action');
  assert.deepEqual(doctor.page.problems, []);
});

/** Fills the booking form's date (`days` from today, local), time and a unique note; returns the note. */
async function fillBooking(form, days, time, note) {
  const day = new Date(Date.now() + days * 24 * 3600_000);
  const ymd = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
  await form.getByLabel('Date').fill(ymd);
  await form.getByLabel('Time').fill(time);
  const reason = `${note} ${Date.now()}`;
  await form.getByLabel('What is it about? (optional)').fill(reason);
  return reason;
}

test('a patient books in the form: what is missing is said, the request shows as requested; a doctors list that cannot load is said', async (t) => {
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  const form = patient.page.getByRole('region', { name: 'Book an appointment' });
  const submit = form.getByRole('button', { name: 'Request appointment' });
  await form.getByRole('option', { name: 'Dr. Amina Rahman' }).waitFor({ state: 'attached', timeout: 10_000 });
  await submit.click();
  await form.getByText('Choose a doctor.').waitFor();
  await form.getByLabel('Doctor').selectOption({ label: 'Dr. Amina Rahman' });
  await submit.click();
  await form.getByText('Choose a date and a time.').waitFor();
  const reason = await fillBooking(form, 3, '10:00', 'Booked in the form');
  await submit.click();
  await form.getByText('Requested. The doctor will confirm it.').waitFor({ timeout: 10_000 });
  const card = patient.page.locator('li.appointment', { hasText: reason });
  await card.getByText('Requested', { exact: true }).waitFor({ timeout: 10_000 });
  assert.equal(await form.getByLabel('What is it about? (optional)').inputValue(), '', 'the note is cleared');
  assert.deepEqual(patient.page.problems, []);

  // The list of doctors refused (a real 503 from a proxy in front of the API): said, not empty.
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await newWatchedPage(context);
  await page.route('**/api/doctors', (r) => r.fulfill({ status: 503, contentType: 'text/html', body: '<html>Service Unavailable</html>' }));
  await signIn(page, server.url, 'patient@example.com', 'patient-demo');
  const refused = page.getByRole('region', { name: 'Book an appointment' }).getByRole('alert');
  await refused.getByText(/server had a problem/).waitFor({ timeout: 10_000 });
});

test('an appointment list that cannot load is said and loaded again by itself; a reload that fails keeps the list on screen', async (t) => {
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await newWatchedPage(context);
  // Real failures on the way to the API: a refused connection, then a proxy's 503.
  let gets = 0;
  let failures = [];
  await page.route('**/api/appointments', (r) => {
    if (r.request().method() !== 'GET') return r.continue();
    gets += 1;
    const failure = failures.shift();
    if (failure === 'refused') return r.abort('connectionrefused');
    if (failure === 503) return r.fulfill({ status: 503, contentType: 'text/html', body: '<html>Service Unavailable</html>' });
    return r.continue();
  });
  const retrying = page.getByRole('alert').filter({ hasText: 'This page keeps trying by itself' });

  // The first load finds no server: said, then the list arrives without a reload.
  failures = ['refused'];
  await signIn(page, server.url, 'patient@example.com', 'patient-demo');
  await retrying.getByText(/can't reach the Teleconsult server/).waitFor({ timeout: 10_000 });
  await page.getByTestId(`join-${id}`).waitFor({ timeout: 10_000 });
  await retrying.waitFor({ state: 'detached' });
  assert.equal(gets, 2, 'one failed load, one retry');

  // A booking's reload meets two 503s: the list stays, the failure is said, and the new request
  // shows once the server answers again.
  failures = [503, 503];
  const form = page.getByRole('region', { name: 'Book an appointment' });
  await form.getByRole('option', { name: 'Dr. Amina Rahman' }).waitFor({ state: 'attached', timeout: 10_000 });
  await form.getByLabel('Doctor').selectOption({ label: 'Dr. Amina Rahman' });
  const reason = await fillBooking(form, 4, '11:00', 'Booked through an outage');
  await form.getByRole('button', { name: 'Request appointment' }).click();
  await retrying.getByText(/server had a problem/).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId(`join-${id}`).count(), 1, 'the list stayed on screen');
  await page.locator('li.appointment', { hasText: reason }).waitFor({ timeout: 15_000 });
  await retrying.waitFor({ state: 'detached' });
  assert.equal(gets, 5, 'two failed reloads, then one that answered');
  assert.deepEqual(await axeViolations(page), []);
});

test('when a consultation is near, the dashboard fetches the consultation page\'s code ahead and joining reads it from the cache; otherwise it fetches none', async (t) => {
  // The consultation page's own files, as resource-timing entries of `page`.
  const CALL_FILE = String.raw`/teleconsult-call-[0-9a-f]+(_bg\.wasm|\.js)$`;
  const callFiles = (page) => page.evaluate((pattern) => performance.getEntriesByType('resource')
    .filter((e) => new RegExp(pattern).test(e.name))
    .map((e) => ({ name: e.name.replace(/^.*\//, ''), transferSize: e.transferSize, done: e.responseEnd > 0 })), CALL_FILE);

  // Nadia's next appointment is an hour away: her dashboard fetches no call code.
  const nadia = await openParty(t, browser, server.url, 'patient2@example.com', 'patient2-demo');
  await nadia.page.getByText('Headaches').waitFor();
  await nadia.page.waitForTimeout(1_500);
  assert.deepEqual(await callFiles(nadia.page), []);

  // Adib's consultation is open now: the call page's wasm and glue arrive while he reads his
  // dashboard, and the consultation page then takes them from the browser's cache.
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await patient.page.getByTestId(`join-${id}`).waitFor();
  const ahead = await waitFor(async () => {
    const files = await callFiles(patient.page);
    return files.filter((f) => f.done).length >= 2 ? files : null;
  }, 10_000);
  assert.ok(ahead.some((f) => f.name.endsWith('_bg.wasm') && f.transferSize > 0), JSON.stringify(ahead));
  // This clinic's calls are peer to peer: no provider SDK is fetched ahead (the links are added
  // all at once, after /api/connectivity answered).
  const prefetched = await patient.page.evaluate(() => [...document.querySelectorAll('link[rel=prefetch]')]
    .map((l) => l.getAttribute('href')));
  assert.ok(prefetched.some((href) => href.endsWith('_bg.wasm')), JSON.stringify(prefetched));
  assert.deepEqual(prefetched.filter((href) => /livekit|twilio/.test(href)), [], 'P2P: no SDK');
  // The provider is remembered for the next call. A stale entry (as if the clinic had used
  // LiveKit before) costs the call one unused SDK import, and its join answer corrects it.
  const remembered = () => patient.page.evaluate(() => localStorage.getItem('teleconsult-provider'));
  assert.equal(await remembered(), 'p2p');
  await patient.page.evaluate(() => localStorage.setItem('teleconsult-provider', 'livekit'));
  await patient.page.getByTestId(`join-${id}`).click();
  await patient.page.waitForURL(/\/consultation\//);
  await patient.page.getByTestId('call').waitFor({ timeout: 10_000 });
  await waitFor(async () => (await remembered()) === 'p2p' || null, 10_000);
  const onJoin = await callFiles(patient.page);
  const wasm = onJoin.find((f) => f.name.endsWith('_bg.wasm'));
  assert.ok(wasm, JSON.stringify(onJoin));
  assert.equal(wasm.transferSize, 0, `the call wasm came from the cache: ${JSON.stringify(onJoin)}`);
  await patient.page.getByRole('button', { name: 'Leave consultation' }).click();
  assert.deepEqual(patient.page.problems, []);
});

// Last in this file: it closes the appointment the other tests use.
test('the doctor marks the consultation completed and both dashboards say so', async (t) => {
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const card = doctor.page.getByTestId(`appointment-${id}`);
  await card.getByRole('button', { name: 'Mark as completed' }).click();
  await card.getByText('This consultation has taken place').waitFor({ timeout: 5_000 });
  assert.equal(await card.getByRole('button', { name: 'Mark as completed' }).count(), 0);
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await patient.page.getByTestId(`join-note-${id}`).getByText('This consultation has taken place').waitFor({ timeout: 5_000 });
  assert.equal(await patient.page.getByTestId(`join-${id}`).count(), 0, 'no join button any more');
});

test('someone in another time zone sees appointment times in theirs and the clinic\'s; an unknown clinic zone names the setting', async (t) => {
  const copy = distWithConfig(JSON.stringify({ apiBaseUrl: '', clinicTimeZone: 'Asia/Dhaka' }));
  const clinic = await startServer({ distDir: copy.dir, args: ['--demo'] });
  t.after(async () => { await clinic.stop(); copy.cleanup(); });
  const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  for (const [timezoneId, abroad] of [['Europe/London', true], ['Asia/Dhaka', false]]) {
    const context = await browser.newContext({ timezoneId, locale: 'en-GB' });
    t.after(() => context.close());
    const page = await newWatchedPage(context);
    for (const [email, password] of [['patient@example.com', 'patient-demo'], ['doctor@example.com', 'doctor-demo']]) {
      await signIn(page, clinic.url, email, password);
      const text = (await page.locator('[data-testid^="time-"]').first().textContent()).trim();
      if (abroad) {
        // London is GMT in winter, Dhaka GMT+6 all year: the clinic's clock is 6 h ahead.
        const m = /^(\d\d:\d\d) your time \(GMT\) · (\d\d:\d\d) at the clinic \(GMT\+6\)$/.exec(text);
        assert.ok(m, `${email} in ${timezoneId}: ${text}`);
        assert.equal((minutes(m[2]) - minutes(m[1]) + 1440) % 1440, 360, text);
      } else {
        assert.match(text, /^\d\d:\d\d$/, `${email} in the clinic's zone sees the time alone: ${text}`);
      }
      await page.getByRole('button', { name: 'Sign out' }).click();
    }
    assert.deepEqual(page.problems, []);
  }

  const unknown = distWithConfig(JSON.stringify({ apiBaseUrl: '', clinicTimeZone: 'Mars/Olympus_Mons' }));
  const broken = await startServer({ distDir: unknown.dir });
  t.after(async () => { await broken.stop(); unknown.cleanup(); });
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await newWatchedPage(context);
  await page.goto(broken.url + '/patient');
  await page.getByRole('heading', { name: "Teleconsult can't start" }).waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('config-error-detail').textContent(), /clinicTimeZone.*Mars\/Olympus_Mons/);
});
