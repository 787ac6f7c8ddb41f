// The waiting room with Admit (issue 14), release build, real server, Debian's Chromium: two
// patients arrive and the doctor's live queue shows both in arrival order with their waiting
// times; a patient sees their own camera and "Dr. … will let you in" and gets no media path until
// the doctor's Admit — checked in the page itself (no RTCPeerConnection, no remote frame) — for
// P2P and for LiveKit (a real livekit-server).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startLivekit, livekitArgs, launchBrowser, apiToken, appointmentId, inboundStats,
  waitFor, waitCallState, openParty, freePort, assertReleased, axeViolations,
} from './harness.mjs';

const OPEN_NOW = 'Follow-up on blood pressure';
let server;
let browser;
let adibs;
let nadias;

/** Nadia books an appointment with the doctor two minutes from now; the doctor confirms it. */
async function bookNadia(baseUrl) {
  const nadia = await apiToken(baseUrl, 'patient2@example.com', 'patient2-demo');
  const doctor = await apiToken(baseUrl, 'doctor@example.com', 'doctor-demo');
  const post = (path, token, body) => fetch(baseUrl + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const res = await post('/api/appointments', nadia, {
    doctor_id: 1, scheduled_at: new Date(Date.now() + 120_000).toISOString(), reason: 'Dizziness',
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { id } = await res.json();
  const confirmed = await post(`/api/appointments/${id}/confirm`, doctor);
  assert.equal(confirmed.status, 200, await confirmed.text());
  return id;
}

/**
 * The page's media path: how many media receivers its RTCPeerConnections have and how many video
 * frames they decoded. (The pre-call check, which runs in the waiting room, makes a connection
 * of its own to test the network, with no media on it.)
 */
const mediaPath = (page) => page.evaluate(async () => {
  let frames = 0;
  let receivers = 0;
  for (const pc of window.__pcs) {
    if (pc.connectionState === 'closed') continue;
    receivers += pc.getReceivers().length;
    (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded ?? 0; });
  }
  return { receivers, frames };
});

before(async () => {
  server = await startServer({ args: ['--demo'], waitingRoom: true });
  browser = await launchBrowser();
  adibs = await appointmentId(server.url, await apiToken(server.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
  nadias = await bookNadia(server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('two patients queue in arrival order; Admit starts media for that one only', async (t) => {
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const nadia = await openParty(t, browser, server.url, 'patient2@example.com', 'patient2-demo');
  const adib = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');

  await nadia.page.goto(`${server.url}/consultation/${nadias}?role=patient`);
  await waitCallState(nadia.page, 'waiting-room');
  await adib.page.goto(`${server.url}/consultation/${adibs}?role=patient`);
  await waitCallState(adib.page, 'waiting-room');
  const room = adib.page.getByTestId('waiting-room');
  assert.match(await room.textContent(), /You are in the waiting room\. Dr\. Amina Rahman will let you in\./);
  // Their own camera is on while they wait.
  await waitFor(() => adib.page.getByTestId('local-video').evaluate((v) => v.videoWidth > 0));

  // The doctor's queue: Nadia (first), then Adib, both in the waiting room, with their wait.
  const queue = doctor.page.getByTestId('live-queue');
  await waitFor(async () => (await queue.locator('li').count()) === 2, 15_000);
  const entries = await queue.locator('li').evaluateAll((lis) => lis.map((li) => [li.dataset.testid, li.dataset.place]));
  assert.deepEqual(entries, [[`waiting-${nadias}`, 'waiting-room'], [`waiting-${adibs}`, 'waiting-room']]);
  assert.match(await doctor.page.getByTestId(`waiting-${nadias}`).textContent(), /Nadia Karim is in the waiting room/);
  assert.match(await doctor.page.getByTestId(`waited-${adibs}`).textContent(), /^(just arrived|waiting \d+ min)$/);
  assert.match(await doctor.page.title(), /^\(2\) /, 'the title counts who waits');
  assert.deepEqual(await axeViolations(doctor.page), []);

  // Before Admit: no media path at all on the patient's page, several polls later.
  await adib.page.waitForTimeout(4_500);
  assert.deepEqual(await mediaPath(adib.page), { receivers: 0, frames: 0 });
  assert.equal(await adib.page.getByTestId('remote-video').evaluate((v) => v.srcObject), null);

  await doctor.page.getByRole('button', { name: 'Admit Adib Hossain' }).click();
  await doctor.page.waitForURL((u) => u.pathname === `/consultation/${adibs}`);
  await waitCallState(adib.page, 'active', 20_000);
  await waitCallState(doctor.page, 'active', 20_000);
  await waitFor(async () => (await mediaPath(adib.page)).frames > 0);
  // Nadia still waits, without media.
  assert.equal(await nadia.page.getByTestId('call').getAttribute('data-state'), 'waiting-room');
  assert.deepEqual(await mediaPath(nadia.page), { receivers: 0, frames: 0 });
  // Leaving the waiting room releases her camera.
  await nadia.page.getByRole('button', { name: 'Leave consultation' }).click();
  await waitCallState(nadia.page, 'ended');
  await waitFor(() => nadia.page.evaluate(() => window.__tracks.every((x) => x.readyState === 'ended')), 2_000);
  await assertReleased(nadia.page);
});

test('a doctor already in the room admits from the call page', async (t) => {
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const nadia = await openParty(t, browser, server.url, 'patient2@example.com', 'patient2-demo');
  await doctor.page.goto(`${server.url}/consultation/${nadias}?role=doctor`);
  await waitCallState(doctor.page, 'waiting');
  await nadia.page.goto(`${server.url}/consultation/${nadias}?role=patient`);
  await waitCallState(nadia.page, 'waiting-room');
  const admit = doctor.page.getByTestId('admit-banner').getByRole('button', { name: 'Admit' });
  await admit.waitFor({ timeout: 10_000 });
  assert.equal(await doctor.page.getByTestId('call').getAttribute('data-state'), 'waiting');
  assert.deepEqual(await mediaPath(nadia.page), { receivers: 0, frames: 0 });
  await admit.click();
  await waitCallState(nadia.page, 'active', 20_000);
  await waitCallState(doctor.page, 'active', 20_000);
  // Admitted for the rest of the appointment: a reload goes straight back in.
  await nadia.page.reload();
  await waitCallState(nadia.page, 'active', 20_000);
});

test('LiveKit: no token and no media before Admit, then the call through the SFU', async (t) => {
  const port = await freePort();
  // LiveKit binds its port first: our server's own ephemeral port could otherwise take it.
  const livekit = await startLivekit({ port });
  t.after(() => livekit.stop());
  const lkServer = await startServer({ args: ['--demo', ...livekitArgs({ url: `ws://127.0.0.1:${port}` })], waitingRoom: true });
  t.after(() => lkServer.stop());
  const id = await appointmentId(lkServer.url, await apiToken(lkServer.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
  const doctor = await openParty(t, browser, lkServer.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, lkServer.url, 'patient@example.com', 'patient-demo');
  const sdk = [];
  patient.page.on('request', (r) => { if (/livekit-client-/.test(r.url())) sdk.push(r.url()); });

  await patient.page.goto(`${lkServer.url}/consultation/${id}?role=patient`);
  await waitCallState(patient.page, 'waiting-room');
  await doctor.page.goto(`${lkServer.url}/consultation/${id}?role=doctor`);
  await waitCallState(doctor.page, 'waiting');
  await patient.page.waitForTimeout(3_000);
  assert.deepEqual(await mediaPath(patient.page), { receivers: 0, frames: 0 });
  assert.deepEqual(sdk, [], 'the SDK is not even loaded before Admit');

  await doctor.page.getByTestId('admit-banner').getByRole('button', { name: 'Admit' }).click();
  await waitCallState(patient.page, 'active', 30_000);
  await waitCallState(doctor.page, 'active', 30_000);
  await waitFor(async () => {
    const s = await inboundStats(patient.page, { all: true });
    return s && s.framesDecoded > 0;
  }, 20_000);
});
