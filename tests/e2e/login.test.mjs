// Sign-in through the release build against the real server with its demo clinic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newWatchedPage } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({ args: ['--demo'] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(page, email, password) {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the demo logins are printed at start-up', () => {
  for (const login of ['doctor@example.com', 'doctor-demo', 'patient@example.com', 'patient2-demo']) {
    assert.ok(server.output().includes(login), login);
  }
});

test('a doctor signs in and lands on the doctor dashboard', async () => {
  const context = await browser.newContext();
  const page = await newWatchedPage(context);
  await page.goto(server.url + '/');
  await signIn(page, 'doctor@example.com', 'doctor-demo');
  await page.getByRole('heading', { name: "This week's consultations" }).waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname, '/doctor');
  assert.match(await page.getByTestId('signed-in-user').textContent(), /Dr\. Amina Rahman/);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a wrong password is explained and nothing is stored', async () => {
  const context = await browser.newContext();
  const page = await newWatchedPage(context);
  await page.goto(server.url + '/login');
  await signIn(page, 'patient@example.com', 'not-the-password');
  await page.getByText('The e-mail address or password is not right').waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname, '/login');
  const stored = await page.evaluate(() => Object.keys(localStorage));
  assert.deepEqual(stored, []);
  // The failed sign-in's 401 is the only console message (Chromium logs failed requests).
  assert.ok(page.problems.every((p) => p.includes('401')), page.problems.join('\n'));
  await context.close();
});

test('a deep link returns after sign-in, and each role keeps its own session', async () => {
  const context = await browser.newContext();
  const page = await newWatchedPage(context);
  await page.goto(server.url + '/patient');
  await page.getByRole('heading', { name: 'Sign in to Teleconsult' }).waitFor({ timeout: 15_000 });
  await signIn(page, 'patient@example.com', 'patient-demo');
  await page.getByRole('heading', { name: 'Your appointments' }).waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('signed-in-user').textContent(), /Adib Hossain/);

  // The doctor signs in in the same browser: the patient session stays, separately.
  await page.goto(server.url + '/doctor');
  await page.getByRole('heading', { name: 'Sign in to Teleconsult' }).waitFor({ timeout: 15_000 });
  await signIn(page, 'doctor@example.com', 'doctor-demo');
  await page.getByRole('heading', { name: "This week's consultations" }).waitFor({ timeout: 15_000 });
  // The sessions, one per role (beside them the dashboard may have kept the clinic's provider,
  // `teleconsult-provider`, which is nobody's and stays on sign-out).
  const sessions = () => page.evaluate(() => Object.keys(localStorage)
    .filter((k) => k.startsWith('teleconsult.session.')).sort());
  assert.deepEqual(await sessions(), ['teleconsult.session.doctor', 'teleconsult.session.patient']);

  await page.goto(server.url + '/patient');
  await page.getByRole('heading', { name: 'Your appointments' }).waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('signed-in-user').textContent(), /Adib Hossain/);

  // Signing out as the patient leaves the doctor signed in.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Teleconsult' }).waitFor({ timeout: 15_000 });
  assert.deepEqual(await sessions(), ['teleconsult.session.doctor']);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a token the server refuses sends the person to sign in, then back', async () => {
  const context = await browser.newContext();
  const page = await newWatchedPage(context);
  await page.goto(server.url + '/login');
  await page.getByRole('heading', { name: 'Sign in to Teleconsult' }).waitFor();
  // A well-formed, unexpired session whose token the server does not accept (wrong signature).
  await page.evaluate(() => localStorage.setItem('teleconsult.session.patient', JSON.stringify({
    access_token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.invalid',
    expires_at: Math.floor(Date.now() / 1000) + 3600,
    user: { id: 2, name: 'Adib Hossain', role: 'patient' },
  })));
  await page.goto(server.url + '/patient');
  await page.waitForURL((u) => u.pathname === '/login', { timeout: 15_000 });
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('next'), '/patient');
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), [], 'the refused session is dropped');
  await signIn(page, 'patient@example.com', 'patient-demo');
  await page.getByRole('heading', { name: 'Your appointments' }).waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname, '/patient');
  await context.close();
});

test('a session about to expire is caught before joining, with a way back', async () => {
  const context = await browser.newContext();
  const page = await newWatchedPage(context);
  await page.goto(server.url + '/login');
  await signIn(page, 'patient@example.com', 'patient-demo');
  await page.getByRole('heading', { name: 'Your appointments' }).waitFor({ timeout: 15_000 });
  await page.evaluate(() => {
    const key = 'teleconsult.session.patient';
    const s = JSON.parse(localStorage.getItem(key));
    // The session itself ends in a minute (renewals cannot extend it past that).
    s.session_expires_at = Math.floor(Date.now() / 1000) + 60;
    localStorage.setItem(key, JSON.stringify(s));
  });
  await page.goto(server.url + '/consultation/1?role=patient');
  await page.getByRole('heading', { name: 'Please sign in again' }).waitFor({ timeout: 15_000 });
  const link = page.getByRole('link', { name: 'Sign in again' });
  assert.match(await link.getAttribute('href'), /next=%2Fconsultation%2F1%3Frole%3Dpatient/);
  await context.close();
});
