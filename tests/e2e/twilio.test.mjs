// Consultations through Twilio Video. Twilio's cloud cannot run here, so:
// - the browser side runs against tests/twilio-video-standin.js, a stand-in with twilio-video's
//   documented surface and TwilioError codes, served in place of the hashed SDK file by a
//   Playwright route — the app's transport, bindings and UI run for real;
// - the reference server (`--provider twilio`, release build of the app) asks a local stand-in of
//   Twilio's Rooms REST API (documented responses) for room status;
// - the release build's real SDK is checked to be what production loads, and is run once against
//   a blocked Twilio signaling connection (seed 004's failure).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  startServer, launchBrowser, apiToken, appointmentId, waitFor, waitCallState, openParty,
  fakeScreenCapture, fakeSecondCamera, assertReleased,
} from './harness.mjs';

const OPEN_NOW = 'Follow-up on blood pressure';
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const KEY = 'SKfedcba9876543210fedcba9876543210';
const SECRET = 'twilio-e2e-api-key-secret';
const STANDIN = fileURLToPath(new URL('../twilio-video-standin.js', import.meta.url));
const SDK_FILE = /\/twilio-video-[0-9a-f]{16}\.js$/;

let rest;
let server;
let browser;
let id;

/**
 * A stand-in of Twilio's Rooms REST API on 127.0.0.1, as documented
 * (twilio.com/docs/video/api/participants): Basic auth with the API key, 404 + error 20404 for a
 * room not in progress, `{participants, meta}` otherwise. `rooms` maps a room name to identities.
 */
async function startTwilioRest() {
  const rooms = new Map();
  const expected = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;
  const http = createServer((req, res) => {
    const send = (status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    const m = /^\/v1\/Rooms\/([^/]+)\/Participants(\?.*)?$/.exec(req.url);
    if (req.headers.authorization !== expected) return send(401, { code: 20003, message: 'Authenticate', status: 401 });
    if (!m) return send(404, { code: 20404, message: 'Not found', status: 404 });
    const people = rooms.get(decodeURIComponent(m[1]));
    if (!people) return send(404, { code: 20404, message: `The requested resource ${req.url} was not found`, status: 404 });
    send(200, {
      participants: people.map((identity) => ({ identity, status: 'connected', start_time: new Date().toISOString().replace(/\.\d+Z$/, 'Z') })),
      meta: { page: 0, page_size: 50, key: 'participants', next_page_url: null },
    });
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  return { rooms, url: `http://127.0.0.1:${http.address().port}`, stop: () => new Promise((r) => http.close(r)) };
}

before(async () => {
  rest = await startTwilioRest();
  server = await startServer({
    args: ['--demo', '--provider', 'twilio', '--room-status-cache-ms', '200'],
    env: {
      TELECONSULT_TWILIO_ACCOUNT_SID: ACCOUNT,
      TELECONSULT_TWILIO_API_KEY_SID: KEY,
      TELECONSULT_TWILIO_API_KEY_SECRET: SECRET,
      TELECONSULT_TWILIO_API_BASE_URL: rest.url,
    },
  });
  browser = await launchBrowser();
  id = await appointmentId(server.url, await apiToken(server.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await rest?.stop();
});

const consultation = (role) => `${server.url}/consultation/${id}?role=${role}`;
const room = () => `appointment_${id}_consultation`;
const useStandIn = (context) => context.route(SDK_FILE, (route) => route.fulfill({ path: STANDIN, contentType: 'text/javascript' }));
const standIn = (page, fn, arg) => page.evaluate(fn, arg);

test('production loads the real twilio-video, runs it only on a Twilio call page (a near consultation\'s dashboard fetches it ahead); the dashboard learns from Twilio who waits', async (t) => {
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  const requests = [];
  patient.page.on('request', async (r) => requests.push({ url: r.url(), purpose: (await r.allHeaders())['sec-purpose'] ?? null }));
  await patient.page.reload(); // the dashboard, with the recorder on
  rest.rooms.set(room(), ['doctor_1']);
  t.after(() => rest.rooms.delete(room()));
  await patient.page.getByTestId(`waiting-${id}`).waitFor({ timeout: 15_000 });
  // The consultation is near: the dashboard fetched the SDK ahead, as a prefetch, which runs
  // nothing (the server's /api/connectivity said the clinic uses Twilio).
  const ahead = await waitFor(async () => {
    const sdk = requests.filter((r) => SDK_FILE.test(r.url));
    return sdk.length ? sdk : null;
  }, 10_000);
  assert.deepEqual(ahead.map((r) => r.purpose), ['prefetch'], JSON.stringify(ahead));
  assert.equal(await patient.page.evaluate(() => 'Twilio' in globalThis), false, 'fetched ahead, not run');
  const loaded = await patient.page.evaluate(async () => {
    // The consultation page (consultation.html) names the SDK; the dashboard's own page does not.
    const page = new DOMParser().parseFromString(await (await fetch('/consultation.html')).text(), 'text/html');
    const file = page.querySelector('meta[name=teleconsult-twilio-sdk]').content;
    await import(new URL(file, document.baseURI).href);
    return { file, version: globalThis.Twilio.Video.version, connect: typeof globalThis.Twilio.Video.connect, standIn: '__twilioStandin' in globalThis };
  });
  assert.match(loaded.file, /^twilio-video-[0-9a-f]{16}\.js$/);
  assert.deepEqual({ ...loaded, file: undefined }, { file: undefined, version: '2.36.0', connect: 'function', standIn: false });
});

test('through the Twilio transport: the doctor appears, mute and screen share both ways, reconnecting, leaving releases everything', async (t) => {
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await useStandIn(patient.context);
  await fakeScreenCapture(patient.context);
  await fakeSecondCamera(patient.context);
  await patient.page.goto(consultation('patient'));
  await waitCallState(patient.page, 'waiting', 20_000);
  // The room is joined while the camera opens; our tracks are published once it is open.
  const joined = await waitFor(() => standIn(patient.page, () => {
    const s = window.__twilioStandin;
    const r = s.rooms[0];
    const published = [...r.localParticipant.tracks.values()].map((p) => p.trackName).sort();
    return published.length < 2 ? null : {
      connects: s.connects.length, name: s.connects[0].options.name, tracks: s.connects[0].options.tracks, identity: r.localParticipant.identity, published,
    };
  }), 10_000);
  assert.deepEqual(joined, { connects: 1, name: room(), tracks: 0, identity: 'patient_2', published: ['camera', 'microphone'] },
    'joined with the Access Token\'s identity, the SDK opened no camera of its own, our tracks published by name');

  await standIn(patient.page, () => window.__twilioStandin.rooms[0].addRemoteParticipant('doctor_1'));
  await waitCallState(patient.page, 'active', 10_000);
  assert.match(await patient.page.getByTestId('remote-name').textContent(), /Dr\. Amina Rahman · Doctor/);
  await waitFor(() => patient.page.getByTestId('remote-video').evaluate((v) => v.videoWidth > 0));

  // The doctor mutes; the patient mutes and shares the screen.
  await standIn(patient.page, () => window.__twilioStandin.rooms[0].participants.values().next().value.setTrackEnabled('microphone', false));
  await patient.page.getByTestId('remote-muted').getByText('muted their microphone').waitFor({ timeout: 5_000 });
  await patient.page.getByRole('button', { name: 'Mute microphone' }).click();
  const enabled = () => standIn(patient.page, () => [...window.__twilioStandin.rooms[0].localParticipant.tracks.values()]
    .filter((p) => p.trackName === 'microphone').map((p) => p.track.isEnabled)[0]);
  await waitFor(async () => (await enabled()) === false);
  await patient.page.getByRole('button', { name: 'Share screen' }).click();
  const names = () => standIn(patient.page, () => [...window.__twilioStandin.rooms[0].localParticipant.tracks.values()].map((p) => p.trackName).sort());
  await waitFor(async () => (await names()).includes('screen'));
  await patient.page.getByRole('button', { name: 'Stop sharing' }).click();
  await waitFor(async () => !(await names()).includes('screen'));
  // Another camera: Twilio cannot swap a publication's track, so the camera is republished.
  const camera = () => standIn(patient.page, () => [...window.__twilioStandin.rooms[0].localParticipant.tracks.values()]
    .find((p) => p.trackName === 'camera')?.track.mediaStreamTrack.id);
  const before = await camera();
  await patient.page.getByRole('combobox', { name: 'Camera' }).selectOption('canvas-camera');
  await waitFor(async () => { const now = await camera(); return now && now !== before; });
  assert.equal(await patient.page.evaluate((id) => window.__tracks.find((x) => x.id === id)?.readyState, before), 'ended', 'the previous camera is released');
  assert.equal(await enabled(), false, 'still muted');
  // The doctor shares a screen: a second video tile.
  await standIn(patient.page, () => {
    const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 200 });
    const g = canvas.getContext('2d');
    setInterval(() => { g.fillStyle = `#${Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0')}`; g.fillRect(0, 0, 320, 200); }, 60);
    window.__twilioStandin.rooms[0].participants.values().next().value.addTrack(canvas.captureStream(10).getVideoTracks()[0], 'screen');
  });
  await patient.page.getByTestId('remote-screen').waitFor({ timeout: 5_000 });
  await standIn(patient.page, () => window.__twilioStandin.rooms[0].participants.values().next().value.removeTrack('screen'));
  await patient.page.getByTestId('remote-screen').waitFor({ state: 'detached', timeout: 5_000 });

  // Twilio's network quality levels (asked for at connect), each told as whose connection it is.
  assert.deepEqual(await standIn(patient.page, () => window.__twilioStandin.connects[0].options.networkQuality), { local: 1, remote: 1 });
  await standIn(patient.page, () => {
    const room = window.__twilioStandin.rooms[0];
    room.localParticipant.setNetworkQualityLevel(5);
    room.participants.values().next().value.setNetworkQualityLevel(1);
  });
  await waitFor(async () => (await patient.page.getByTestId('quality-local').getAttribute('data-level')) === 'good', 5_000);
  assert.equal(await patient.page.getByTestId('quality-remote').getAttribute('data-level'), 'poor');
  assert.match(await patient.page.getByTestId('quality-message').textContent(), /Dr\. Amina Rahman's connection is poor.*Nothing is wrong on your side/);
  await standIn(patient.page, () => {
    const room = window.__twilioStandin.rooms[0];
    room.localParticipant.setNetworkQualityLevel(2);
    room.participants.values().next().value.setNetworkQualityLevel(4);
  });
  await waitFor(async () => /^Your connection is poor.*Wi-Fi/.test(await patient.page.getByTestId('quality-message').textContent()), 5_000);
  assert.equal(await patient.page.getByTestId('quality-remote').getAttribute('data-level'), 'good');

  // Twilio's reconnect, then the doctor leaves.
  await standIn(patient.page, () => window.__twilioStandin.rooms[0].simulateReconnecting(53001));
  await waitCallState(patient.page, 'reconnecting', 5_000);
  await standIn(patient.page, () => window.__twilioStandin.rooms[0].simulateReconnected());
  await waitCallState(patient.page, 'active', 5_000);
  await standIn(patient.page, () => window.__twilioStandin.rooms[0].participants.values().next().value.disconnect());
  await waitCallState(patient.page, 'peer-left', 5_000);

  await patient.page.getByRole('button', { name: 'Leave consultation' }).click();
  await waitCallState(patient.page, 'ended');
  assert.equal(await standIn(patient.page, () => window.__twilioStandin.rooms[0].state), 'disconnected');
  await assertReleased(patient.page);
  assert.deepEqual(patient.page.problems, []);
});

test('TwilioError codes are told in plain words with what to do', async (t) => {
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await useStandIn(patient.context);
  const failsWith = async (code, state, words) => {
    await patient.page.evaluate((c) => localStorage.setItem('twilio-standin-connect-error', String(c)), code);
    await patient.page.goto(consultation('patient'));
    await waitCallState(patient.page, state, 20_000);
    assert.match(await patient.page.getByTestId('call-error').textContent(), words, `connect → ${code}`);
  };
  // At connect: seed 004's blocked signaling WebSocket, a media path only TURN could give, a full room.
  await failsWith(53000, 'failed', /can't reach the clinic's video server.*firewall/);
  await failsWith(53405, 'failed', /TURN relay/);
  await failsWith(53105, 'failed', /already has two people/);
  // Mid-call: the same person joined elsewhere (53205), the clinic completed the room (53118).
  const midCall = async (code, state, testId, words) => {
    await patient.page.goto(consultation('patient'));
    await waitCallState(patient.page, 'waiting', 20_000);
    await standIn(patient.page, (c) => window.__twilioStandin.rooms[0].simulateDisconnect(c), code);
    await waitCallState(patient.page, state, 5_000);
    assert.match(await patient.page.getByTestId(testId).textContent(), words, `disconnected → ${code}`);
  };
  await midCall(53205, 'ended', 'ended', /continued in another tab/);
  await midCall(53118, 'failed', 'call-error', /The clinic closed this consultation/);

  // An expired Access Token, when connecting or when Twilio drops the session for it: sign in
  // again, and back to the call.
  const signInAgain = async () => {
    await patient.page.waitForURL((u) => u.pathname === '/login', { timeout: 20_000 });
    assert.equal(new URL(patient.page.url()).searchParams.get('next'), `/consultation/${id}?role=patient`);
    await patient.page.getByLabel('E-mail').fill('patient@example.com');
    await patient.page.getByLabel('Password').fill('patient-demo');
    await patient.page.getByRole('button', { name: 'Sign in' }).click();
    await patient.page.waitForURL((u) => u.pathname === `/consultation/${id}`, { timeout: 20_000 });
  };
  await patient.page.evaluate(() => localStorage.setItem('twilio-standin-connect-error', '20104'));
  await patient.page.goto(consultation('patient'));
  await signInAgain();
  await waitCallState(patient.page, 'waiting', 20_000);
  await standIn(patient.page, () => window.__twilioStandin.rooms[0].simulateDisconnect(20104));
  await signInAgain();
  await waitCallState(patient.page, 'waiting', 20_000);
});

test('someone already in the Twilio room from another tab is offered to continue here, not thrown out there', async (t) => {
  // Twilio would end the other session (53205) on connect: the app asks the room status first.
  rest.rooms.set(room(), ['patient_2']);
  t.after(() => rest.rooms.delete(room()));
  await new Promise((r) => setTimeout(r, 300)); // past the server's 200 ms status cache
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await useStandIn(patient.context);
  await patient.page.goto(consultation('patient'));
  await waitCallState(patient.page, 'busy', 20_000);
  assert.equal(await standIn(patient.page, () => window.__twilioStandin?.connects.length ?? 0), 0, 'not connected while busy');
  await patient.page.getByRole('button', { name: 'Continue the call here' }).click();
  await waitCallState(patient.page, 'waiting', 20_000);
  assert.equal(await standIn(patient.page, () => window.__twilioStandin.connects.length), 1);
});

test('the real SDK with Twilio\'s signaling blocked (seed 004) says what is wrong instead of waiting', async (t) => {
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  // A network that blocks Twilio: its WebSockets are closed at once, its HTTPS requests fail.
  await patient.context.routeWebSocket(/twilio\.com/, (ws) => ws.close());
  await patient.context.route(/twilio\.com/, (route) => route.abort('blockedbyclient'));
  const sdkSaid = [];
  patient.page.on('console', (m) => { if (m.text().includes('Twilio connect failed')) sdkSaid.push(m.text()); });
  const started = Date.now();
  await patient.page.goto(consultation('patient'));
  await waitCallState(patient.page, 'failed', 30_000);
  t.diagnostic(`told after ${Date.now() - started} ms; ${sdkSaid.join(' ') || 'our own time limit'}`);
  assert.match(await patient.page.getByTestId('call-error').textContent(), /can't reach the clinic's video server/);
  const released = await patient.page.evaluate(() => window.__tracks.map((x) => x.readyState));
  assert.ok(released.every((s) => s === 'ended'), 'the camera is released');
});
