// Consultations through a real LiveKit server (livekit-server on 127.0.0.1, started here), with
// the release build served by the real reference server in `--provider livekit`: media decoded
// both ways through the SFU, mute seen by the other side, leaving, the other side told, the
// same person in a second tab, a refused LiveKit token, the server going away mid-call, the
// dashboard notice driven by LiveKit's room status — and the SDK fetched only by the call page,
// or ahead by a dashboard whose consultation is near.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  startServer, startLivekit, livekitArgs, launchBrowser, apiToken, appointmentId, inboundStats,
  waitFor, callState, waitCallState, openParty, newWatchedPage, freePort, fakeScreenCapture,
  fakeSecondCamera, sentVideoTrackId, slowCamera, toldCameraStarting, LIVEKIT_KEY, LIVEKIT_SECRET,
  assertReleased, assertNoClosedConnectionUse,
} from './harness.mjs';

const OPEN_NOW = 'Follow-up on blood pressure';
let livekit;
let server;
let browser;
let id;

before(async () => {
  // The reference server first, so LiveKit can be told where to post its webhooks.
  const port = await freePort();
  server = await startServer({ args: ['--demo', ...livekitArgs({ url: `ws://127.0.0.1:${port}` })] });
  livekit = await startLivekit({ port, webhookUrl: `${server.url}/api/livekit/webhook` });
  browser = await launchBrowser();
  id = await appointmentId(server.url, await apiToken(server.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await livekit?.stop();
});

const consultation = (role, base = server.url, appointment = id) => `${base}/consultation/${appointment}?role=${role}`;

let doctorToken;
/** Who LiveKit has in the consultation's room, by identity (the server's room status). */
async function inRoom() {
  doctorToken ??= await apiToken(server.url, 'doctor@example.com', 'doctor-demo');
  const res = await fetch(`${server.url}/api/rooms/status?appointment_ids=${id}`, { headers: { authorization: `Bearer ${doctorToken}` } });
  return (await res.json()).rooms[0].participants.map((p) => p.identity);
}

/**
 * Waits until LiveKit's room is empty: a tab of an earlier test that closed without LiveKit
 * hearing a leave still counts as in the room until LiveKit drops it, and the server's room
 * status is cached for 2 s, so a new tab would rightly be offered "continue here".
 */
const emptyRoom = () => waitFor(async () => (await inRoom()).length === 0, 40_000);

async function mediaFlows(page) {
  const first = await waitFor(async () => {
    const s = await inboundStats(page, { all: true });
    return s && s.framesDecoded > 0 && s.audioPackets > 0 ? s : null;
  }, 20_000);
  await page.waitForTimeout(1000);
  const second = await inboundStats(page, { all: true });
  assert.ok(second.videoBytes > first.videoBytes, `video bytes grow: ${first.videoBytes} -> ${second.videoBytes}`);
  assert.ok(second.audioPackets > first.audioPackets, 'audio packets grow');
  // The <video> shows a picture (with E2EE the first decodable key frame can come a moment after
  // the first decoded frame was counted).
  await waitFor(() => page.getByTestId('remote-video').evaluate((v) => v.videoWidth > 0), 10_000);
}

/** Records the URLs a page requests. */
/** The hashed LiveKit SDK file, as `consultation.html` names it. */
const LIVEKIT_SDK = /\/livekit-client-[0-9a-f]{16}\.js$/;

function recordRequests(page) {
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

test('through the SFU: both see and hear each other, mute shows, the patient is told the doctor left', async (t) => {
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  // Nadia's next appointment is an hour away: her dashboard fetches no SDK.
  const nadia = await openParty(t, browser, server.url, 'patient2@example.com', 'patient2-demo');
  const nadiaRequests = recordRequests(nadia.page);
  await nadia.page.reload();
  await nadia.page.getByText('Headaches').waitFor();
  await nadia.page.waitForTimeout(1_500);
  assert.deepEqual(nadiaRequests.filter((u) => u.includes('livekit-client')), [], 'nothing near: no SDK');
  // Adib's consultation is open: his dashboard fetches the hashed SDK ahead (a prefetch; the
  // server's /api/connectivity says the clinic uses LiveKit), and the call takes it from the
  // browser's cache.
  const patientRequests = recordRequests(patient.page);
  await patient.page.reload(); // the dashboard, with the recorder on
  await patient.page.getByRole('heading', { name: 'Your appointments' }).waitFor();
  await waitFor(async () => patientRequests.some((u) => LIVEKIT_SDK.test(u)) || null, 10_000);
  await waitFor(() => patient.page.evaluate((pattern) => performance.getEntriesByType('resource')
    .some((e) => new RegExp(pattern).test(e.name) && e.responseEnd > 0), LIVEKIT_SDK.source), 10_000);

  await doctor.page.goto(consultation('doctor'));
  await waitCallState(doctor.page, 'waiting', 20_000);
  // When the page's wasm has started (Trunk's bootstrap announces it).
  await patient.page.addInitScript(() => addEventListener('TrunkApplicationStarted', () => { window.__appStarted = performance.now(); }));
  await patient.page.goto(consultation('patient'));
  await waitCallState(patient.page, 'active', 20_000);
  await waitCallState(doctor.page, 'active', 20_000);
  const sdk = await patient.page.evaluate((pattern) => performance.getEntriesByType('resource')
    .filter((e) => new RegExp(pattern).test(e.name)).map((e) => e.transferSize), LIVEKIT_SDK.source);
  assert.deepEqual(sdk, [0], 'the call page loaded the SDK once, from the cache');
  // The dashboard remembered the clinic's provider, so the call page started the SDK with the
  // page, before its own wasm had even started, rather than after the join answer.
  const order = await patient.page.evaluate((pattern) => {
    const entries = performance.getEntriesByType('resource');
    return {
      appStarted: window.__appStarted,
      remembered: localStorage.getItem('teleconsult-provider'),
      sdkStart: entries.find((e) => new RegExp(pattern).test(e.name))?.startTime,
      joinAsked: entries.find((e) => /\/api\/appointments\/\d+\/join$/.test(e.name))?.startTime,
      joinAnswered: entries.find((e) => /\/api\/appointments\/\d+\/join$/.test(e.name))?.responseEnd,
      statusAsked: entries.filter((e) => e.name.includes('/api/rooms/status')).length,
    };
  }, LIVEKIT_SDK.source);
  assert.equal(order.remembered, 'livekit');
  // The join answer said whether Adib was already in the room, so the call did not ask.
  assert.equal(order.statusAsked, 0, 'no room-status request of its own');
  const when = `SDK started at ${order.sdkStart} ms, the wasm at ${order.appStarted} ms; join asked at ${order.joinAsked} ms, answered at ${order.joinAnswered} ms`;
  assert.ok(order.sdkStart < order.appStarted, when);
  assert.ok(order.appStarted < order.joinAsked, when);
  await mediaFlows(patient.page);
  await mediaFlows(doctor.page);
  assert.match(await doctor.page.getByTestId('remote-name').textContent(), /Adib Hossain · Patient/);
  assert.equal(await patient.page.getByTestId('e2ee').count(), 0, 'not claimed when off');
  // LiveKit's own connection quality, for both parties (on loopback: good).
  for (const who of ['local', 'remote']) {
    await waitFor(async () => (await patient.page.getByTestId(`quality-${who}`).getAttribute('data-level', { timeout: 1_000 }).catch(() => null)) === 'good', 20_000)
      .catch(() => { throw new Error(`LiveKit's quality of ${who} not shown as good`); });
  }

  await patient.page.getByRole('button', { name: 'Mute microphone' }).click();
  await doctor.page.getByTestId('remote-muted').getByText('muted their microphone').waitFor({ timeout: 5_000 });

  const started = Date.now();
  await doctor.page.getByRole('button', { name: 'Leave consultation' }).click();
  await waitCallState(doctor.page, 'ended');
  await waitCallState(patient.page, 'peer-left', 10_000);
  // A figure, not an assertion (shared, noisy machines): the target is 2 s.
  t.diagnostic(`the patient was told the doctor left after ${Date.now() - started} ms`);
  await assertReleased(doctor.page);
  assert.deepEqual(doctor.page.problems.filter((p) => !p.includes('LiveKit')), []);

  // The call log, from LiveKit's signed webhooks.
  const token = await apiToken(server.url, 'patient@example.com', 'patient-demo');
  const log = await waitFor(async () => {
    const res = await fetch(`${server.url}/api/appointments/${id}/calls`, { headers: { authorization: `Bearer ${token}` } });
    const entries = (await res.json()).map((e) => `${e.identity} ${e.kind} ${e.reason ?? '-'}`);
    return entries.includes('doctor_1 left hangup') ? entries : null;
  }, 10_000);
  for (const entry of ['doctor_1 joined -', 'patient_2 joined -']) assert.ok(log.includes(entry), JSON.stringify(log));
});

test('through the SFU, the room is joined while the camera opens: the doctor is seen first, both are told it is starting', async (t) => {
  await emptyRoom();
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  // A camera that takes 5 s to open (a permission prompt answered late): the patient already
  // receives the doctor meanwhile, and publishes once it is open. LiveKit tells others of a
  // participant who publishes nothing in a batch every 3 s (livekit-server pkg/rtc/room.go,
  // subscriberUpdateInterval), so the doctor learns of the patient up to 3 s after they enter.
  await slowCamera(patient.page, 5000);
  await doctor.page.goto(consultation('doctor'));
  await waitCallState(doctor.page, 'waiting');
  await patient.page.goto(consultation('patient'));
  await waitFor(() => patient.page.evaluate(() => window.__at.remoteFrame !== undefined), 20_000);
  // Meanwhile the doctor is told the patient's camera is starting, and the patient that theirs is.
  const told = await toldCameraStarting(doctor.page, patient.page, 4_000);
  await waitFor(() => patient.page.evaluate(() => window.__at.camera !== undefined), 20_000);
  const at = await patient.page.evaluate(() => window.__at);
  assert.ok(at.remoteFrame < at.camera, `the doctor's first frame at ${at.remoteFrame} ms, before the camera opened at ${at.camera} ms`);
  assert.ok(told < at.camera, `told at ${told} ms, before the camera opened at ${at.camera} ms`);
  await mediaFlows(doctor.page);
  await mediaFlows(patient.page);
  // Both leave, so that the next test's doctor is not still in LiveKit's room.
  for (const party of [patient, doctor]) {
    await party.page.getByRole('button', { name: 'Leave consultation' }).click();
    await waitCallState(party.page, 'ended');
  }
  for (const party of [patient, doctor]) assert.deepEqual(party.page.problems.filter((p) => !p.includes('LiveKit')), []);
});

test('through the SFU, a denied camera is explained and the patient leaves the room it joined meanwhile', async (t) => {
  await emptyRoom();
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo', { permissions: [] });
  await doctor.page.goto(consultation('doctor'));
  await waitCallState(doctor.page, 'waiting');
  await patient.page.goto(consultation('patient'));
  await waitCallState(patient.page, 'failed');
  assert.match(await patient.page.getByTestId('call-error').textContent(), /blocking the camera and microphone/);
  // Whatever the SDK opened while the browser refused is closed, and LiveKit no longer counts
  // the patient in the room; the doctor is still waiting.
  await waitFor(() => patient.page.evaluate(() => window.__pcs.every((pc) => pc.connectionState === 'closed')), 10_000);
  await waitFor(async () => !(await inRoom()).includes('patient_2'), 10_000);
  // The doctor may have seen the patient arrive (connecting) before they left: waiting again.
  await waitCallState(doctor.page, 'waiting', 10_000);
  await doctor.page.getByRole('button', { name: 'Leave consultation' }).click();
  await waitCallState(doctor.page, 'ended');
});

test('the patient dashboard is told the doctor is waiting, from LiveKit\'s room status', async (t) => {
  await emptyRoom();
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await doctor.page.goto(consultation('doctor'));
  await waitCallState(doctor.page, 'waiting', 20_000);
  await patient.page.getByTestId(`waiting-${id}`).waitFor({ timeout: 15_000 });
  await patient.page.getByTestId(`waiting-${id}`).getByRole('link', { name: 'Join now' }).click();
  await waitCallState(patient.page, 'active', 20_000);
});

test('the same person in a second tab is offered to continue there, and the first tab is told', async (t) => {
  await emptyRoom();
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  await doctor.page.goto(consultation('doctor'));
  await waitCallState(doctor.page, 'waiting', 20_000);
  // The join answer tells the app who is in the room (LiveKit's RoomService through the server's
  // 2 s cache); wait until it lists the doctor, as it would a moment later for a real second tab.
  await waitFor(async () => (await inRoom()).includes('doctor_1'), 20_000);
  const second = await newWatchedPage(doctor.context);
  await second.goto(consultation('doctor'));
  await waitCallState(second, 'busy', 20_000);
  await second.getByRole('button', { name: 'Continue the call here' }).click();
  await waitCallState(second, 'waiting', 20_000);
  await waitCallState(doctor.page, 'ended', 10_000);
  assert.match(await doctor.page.getByTestId('ended').textContent(), /continued in another tab/);
  // Seed 000's "could not createOffer with closed peer connection" (a patient's connection
  // "closes immediately") is this situation: a second session of the same identity makes
  // LiveKit close the first one's connections. Here the tab that continues never meets it: it
  // asked before joining and took over knowingly. The replaced tab's SDK does log that warning
  // while LiveKit shuts it down (its own debounced renegotiation after the server's leave,
  // measured here with our own release switched off: it is inside livekit-client), and the person
  // there reads, instead of a silent close, that the consultation continued in another tab.
  await second.waitForTimeout(2_000);
  assertNoClosedConnectionUse(second);
});

test('a LiveKit token the SFU refuses sends the person to sign in again and back', async (t) => {
  // A reference server whose LiveKit secret is not the SFU's: every join token is refused (401).
  const wrong = await startServer({ args: ['--demo', ...livekitArgs(livekit, 'another-secret-longer-than-32-characters')] });
  t.after(() => wrong.stop());
  const wrongId = await appointmentId(wrong.url, await apiToken(wrong.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
  const patient = await openParty(t, browser, wrong.url, 'patient@example.com', 'patient-demo');
  await patient.page.goto(consultation('patient', wrong.url, wrongId));
  await patient.page.waitForURL((u) => u.pathname === '/login', { timeout: 20_000 });
  assert.equal(new URL(patient.page.url()).searchParams.get('next'), `/consultation/${wrongId}?role=patient`);
});

test('the LiveKit server going away mid-call shows reconnecting, then says what is wrong', async (t) => {
  const own = await startLivekit();
  t.after(() => own.stop());
  const ownServer = await startServer({ args: ['--demo', ...livekitArgs(own)] });
  t.after(() => ownServer.stop());
  const ownId = await appointmentId(ownServer.url, await apiToken(ownServer.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
  const doctor = await openParty(t, browser, ownServer.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, ownServer.url, 'patient@example.com', 'patient-demo');
  await doctor.page.goto(consultation('doctor', ownServer.url, ownId));
  await patient.page.goto(consultation('patient', ownServer.url, ownId));
  await waitCallState(patient.page, 'active', 20_000);
  await own.stop();
  await waitCallState(patient.page, 'reconnecting', 20_000);
  // livekit-client gives up after its reconnect policy (about 45 s of attempts).
  await waitCallState(patient.page, 'failed', 90_000);
  assert.match(await patient.page.getByTestId('call-error').textContent(), /can't reach the clinic's video server/);
  await waitCallState(doctor.page, 'failed', 30_000);
});

test('through the SFU: screen sharing and a camera switch reach the other side', async (t) => {
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await fakeScreenCapture(doctor.context);
  await fakeSecondCamera(patient.context);
  await doctor.page.goto(consultation('doctor'));
  await patient.page.goto(consultation('patient'));
  await waitCallState(patient.page, 'active', 20_000);
  await waitCallState(doctor.page, 'active', 20_000);

  await doctor.page.getByRole('button', { name: 'Share screen' }).click();
  const screen = patient.page.getByTestId('remote-screen');
  await screen.waitFor({ timeout: 15_000 });
  await waitFor(() => screen.evaluate((v) => v.videoWidth > 0));
  await doctor.page.getByRole('button', { name: 'Stop sharing' }).click();
  await screen.waitFor({ state: 'detached', timeout: 10_000 });
  assert.equal(await doctor.page.evaluate(() => window.__screen.getVideoTracks()[0].readyState), 'ended');

  const picker = patient.page.getByRole('combobox', { name: 'Camera' });
  const before = await sentVideoTrackId(patient.page);
  await picker.selectOption('canvas-camera');
  await waitFor(async () => (await sentVideoTrackId(patient.page)) !== before);
  const oldTrack = await patient.page.evaluate((id) => window.__tracks.find((x) => x.id === id)?.readyState, before);
  assert.equal(oldTrack, 'ended', 'the previous camera is released');
  assert.equal(await callState(patient.page), 'active');
  await mediaFlows(doctor.page);
});

test('with the clinic\'s E2EE secret, media is end-to-end encrypted through the SFU and still decoded both ways', async (t) => {
  const port = await freePort();
  const e2ee = await startServer({
    args: ['--demo', ...livekitArgs({ url: `ws://127.0.0.1:${port}` }), '--livekit-e2ee-secret', 'clinic-e2ee-secret-of-at-least-32-chars'],
  });
  t.after(() => e2ee.stop());
  const own = await startLivekit({ port });
  t.after(() => own.stop());
  const ownId = await appointmentId(e2ee.url, await apiToken(e2ee.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
  const doctor = await openParty(t, browser, e2ee.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, e2ee.url, 'patient@example.com', 'patient-demo');
  const requests = recordRequests(patient.page);
  await doctor.page.goto(consultation('doctor', e2ee.url, ownId));
  await patient.page.goto(consultation('patient', e2ee.url, ownId));
  await waitCallState(patient.page, 'active', 20_000);
  await waitCallState(doctor.page, 'active', 20_000);
  // Frames decode on both sides only if both hold the same key: the SFU forwards ciphertext.
  await mediaFlows(patient.page);
  await mediaFlows(doctor.page);
  for (const page of [patient.page, doctor.page]) {
    await page.getByTestId('e2ee').getByText('End-to-end encrypted').waitFor();
  }
  assert.equal(requests.filter((u) => /livekit-e2ee-worker-[0-9a-f]{16}\.js$/.test(u)).length, 1, 'the E2EE worker ran');
});

/** A LiveKit server token (HS256) for RoomService calls from the test, as the clinic's backend would sign it. */
function serviceToken(grant) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: LIVEKIT_KEY, nbf: now, exp: now + 60, video: grant })}`;
  return `${body}.${createHmac('sha256', LIVEKIT_SECRET).update(body).digest('base64url')}`;
}

test('the clinic closing the room mid-call is told in plain words on both sides', async (t) => {
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await doctor.page.goto(consultation('doctor'));
  await patient.page.goto(consultation('patient'));
  await waitCallState(patient.page, 'active', 20_000);
  const room = `appointment_${id}_consultation`;
  const res = await fetch(`${livekit.url.replace('ws://', 'http://')}/twirp/livekit.RoomService/DeleteRoom`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceToken({ roomCreate: true })}` },
    body: JSON.stringify({ room }),
  });
  assert.equal(res.status, 200, await res.text());
  for (const page of [patient.page, doctor.page]) {
    await waitCallState(page, 'failed', 10_000);
    assert.match(await page.getByTestId('call-error').textContent(), /The clinic closed this consultation/);
  }
});

test('a LiveKit server that cannot be reached is explained, not waited on forever', async (t) => {
  // Nothing listens on this port: the SDK's own retries, then our limit, must end in words.
  const nowhere = await freePort();
  const unreachable = await startServer({ args: ['--demo', ...livekitArgs({ url: `ws://127.0.0.1:${nowhere}` })] });
  t.after(() => unreachable.stop());
  const ownId = await appointmentId(unreachable.url, await apiToken(unreachable.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
  const patient = await openParty(t, browser, unreachable.url, 'patient@example.com', 'patient-demo');
  await patient.page.goto(consultation('patient', unreachable.url, ownId));
  await waitCallState(patient.page, 'failed', 25_000);
  assert.match(await patient.page.getByTestId('call-error').textContent(), /can't reach the clinic's video server/);
  const released = await patient.page.evaluate(() => window.__tracks.map((x) => x.readyState));
  assert.ok(released.every((s) => s === 'ended'), 'the camera is released');
});
