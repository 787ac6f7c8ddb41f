// Sessions that last a clinic day (issue 14): 20-second access tokens here, renewed by the app
// before they end — also mid-call, where a signaling reconnect must find a valid token — and a
// sign-out that ends the session at the server. Release build, real server, two Chromium contexts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, apiToken, appointmentId, inboundStats, waitFor, callState, waitCallState, openParty,
} from './harness.mjs';

const OPEN_NOW = 'Follow-up on blood pressure';
const TOKEN_TTL_S = 20;
let server;
let browser;
let id;

before(async () => {
  server = await startServer({ args: ['--demo', '--token-ttl-secs', String(TOKEN_TTL_S)] });
  browser = await launchBrowser();
  id = await appointmentId(server.url, await apiToken(server.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const stored = (page, role) => page.evaluate((key) => JSON.parse(localStorage.getItem(key)), `teleconsult.session.${role}`);

test('a call outlives several access tokens: renewed mid-call, signaling reconnects with the new one', async (t) => {
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  const renewals = [];
  patient.page.on('request', (r) => { if (r.url().endsWith('/api/auth/refresh')) renewals.push(Date.now()); });
  const refused = [];
  patient.page.on('response', (r) => { if (r.url().endsWith('/api/auth/refresh') && r.status() !== 200) refused.push(r.status()); });
  const first = await stored(patient.page, 'patient');
  assert.ok(first.refresh_token, 'the session can be renewed');

  await doctor.page.goto(`${server.url}/consultation/${id}?role=doctor`);
  await patient.page.goto(`${server.url}/consultation/${id}?role=patient`);
  await waitCallState(doctor.page, 'active');
  await waitCallState(patient.page, 'active');

  // Two and a half token lifetimes in the call: every token the call started with has ended.
  await patient.page.waitForTimeout(2.5 * TOKEN_TTL_S * 1000);
  assert.equal(await callState(patient.page), 'active');
  const now = await stored(patient.page, 'patient');
  assert.notEqual(now.access_token, first.access_token, 'renewed');
  assert.notEqual(now.refresh_token, first.refresh_token, 'rotated');
  assert.ok(now.expires_at * 1000 > Date.now(), 'the stored token is current');
  t.diagnostic(`${renewals.length} renewals in ${2.5 * TOKEN_TTL_S} s of call`);
  assert.ok(renewals.length >= 2, `renewed before each token ended (${renewals.length})`);
  assert.deepEqual(refused, [], 'every renewal accepted');

  // The server restarts: both sockets reconnect and authenticate with their current tokens
  // (the ones they started with ended long ago, and would be refused with 4001).
  await server.restart({ downMs: 1500 });
  const token = await apiToken(server.url, 'doctor@example.com', 'doctor-demo');
  await waitFor(async () => {
    const res = await fetch(`${server.url}/api/rooms/status?appointment_ids=${id}`, { headers: { authorization: `Bearer ${token}` } });
    return (await res.json()).rooms?.[0]?.participants?.length === 2;
  });
  await patient.page.getByTestId('status-pill').getByText('Connected', { exact: true }).waitFor({ timeout: 15_000 });
  const s = await inboundStats(patient.page);
  assert.ok(s && s.framesDecoded > 0, 'media still flows');

  // Back to the dashboard: its requests go out with a valid token, no sign-in page.
  await patient.page.getByRole('button', { name: 'Leave consultation' }).click();
  await patient.page.goto(`${server.url}/patient`);
  await patient.page.getByRole('heading', { name: 'Your appointments' }).waitFor({ timeout: 10_000 });
  assert.equal(new URL(patient.page.url()).pathname, '/patient');
  // The browser logs the refused connections while the server was down; nothing else.
  assert.deepEqual(patient.page.problems.filter((p) => !/ERR_CONNECTION_REFUSED/.test(p)), []);
});

test('a dashboard left open renews on its own, a reload keeps the session, and sign-out ends it at the server', async (t) => {
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  const first = await stored(patient.page, 'patient');
  await patient.page.waitForTimeout(1.5 * TOKEN_TTL_S * 1000);
  const renewed = await stored(patient.page, 'patient');
  assert.notEqual(renewed.access_token, first.access_token);
  // The first token has ended; a reload uses the renewed session from storage.
  await patient.page.reload();
  await patient.page.getByRole('heading', { name: 'Your appointments' }).waitFor({ timeout: 10_000 });
  assert.equal(new URL(patient.page.url()).pathname, '/patient');

  const last = await stored(patient.page, 'patient');
  await patient.page.getByRole('button', { name: 'Sign out' }).click();
  await patient.page.waitForURL((u) => u.pathname === '/login');
  await waitFor(async () => {
    const res = await fetch(`${server.url}/api/auth/refresh`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: last.refresh_token }),
    });
    return res.status === 401;
  }, 5_000);
  assert.equal(await patient.page.evaluate(() => localStorage.getItem('teleconsult.session.patient')), null);
});
