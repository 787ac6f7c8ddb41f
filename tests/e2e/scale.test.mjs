// Scale-out (issue 16): two instances of the real server on one real PostgreSQL and one real
// Redis, behind nginx as the load balancer (WebSocket upgrade on), all from Debian's packages and
// started here on loopback. The doctor's browser reaches instance 1 and the patient's instance 2
// (two nginx entry points, each with the other instance as backup, as a balancer's health check
// would fail over); then instance 1 is killed mid-call. A second test runs a call through the
// balanced entry point. A third runs two livekit-server nodes on one Redis (LiveKit's own
// multi-node mode), the doctor's instance pointing at node 1 and the patient's at node 2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, apiToken, appointmentId, inboundStats, waitFor, callState,
  waitCallState, openParty, explainFailure, startPostgres, startRedis, startNginx, startLivekit, livekitArgs,
} from './harness.mjs';

const OPEN_NOW = 'Follow-up on blood pressure';
// Both instances sign the same tokens: a session started on one is valid on the other.
const SHARED = { TELECONSULT_JWT_SECRET: 'scale-out-e2e-shared-token-secret-0123456789' };
let postgres;
let redis;
let browser;

before(async () => {
  postgres = await startPostgres();
  redis = await startRedis();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await redis?.stop();
  postgres?.stop();
});

/** Two instances on the shared database and Redis (started one after the other: migrations). */
let deployments = 0;
async function twoInstances(t, extra = [[], []], waitingRoom = false) {
  // Each test is a deployment of its own in the shared Redis (TELECONSULT_REDIS_PREFIX).
  const prefix = `e2e${deployments += 1}:`;
  const scale = ['--demo', '--database-url', postgres.url, '--redis-url', redis.url, '--redis-prefix', prefix];
  const one = await startServer({ args: [...scale, ...extra[0]], env: SHARED, waitingRoom });
  t.after(() => one.stop());
  const two = await startServer({ args: [...scale, ...extra[1]], env: SHARED, waitingRoom });
  t.after(() => two.stop());
  const host = (s) => s.url.replace('http://', '');
  return { one, two, host };
}

async function framesGrow(page, all = false) {
  const first = await waitFor(async () => {
    const s = await inboundStats(page, { all });
    return s && s.framesDecoded > 0 && s.audioPackets > 0 ? s : null;
  }, 20_000);
  await page.waitForTimeout(1000);
  const second = await inboundStats(page, { all });
  assert.ok(second.framesDecoded > first.framesDecoded, `frames decoded grow: ${first.framesDecoded} -> ${second.framesDecoded}`);
  return second;
}

async function callLog(baseUrl, id) {
  const token = await apiToken(baseUrl, 'doctor@example.com', 'doctor-demo');
  const res = await fetch(`${baseUrl}/api/appointments/${id}/calls`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return res.json();
}

test('doctor on instance 1, patient on instance 2: waiting room, Admit, a call; instance 1 killed mid-call', explainFailure(async (t) => {
  const { one, two, host } = await twoInstances(t, [[], []], true);
  const lb = await startNginx({
    doctor: [host(one), 'backup', host(two)],
    patient: [host(two), 'backup', host(one)],
  });
  t.after(() => lb.stop());
  const D = lb.urls.doctor;
  const P = lb.urls.patient;
  const id = await appointmentId(P, await apiToken(P, 'patient@example.com', 'patient-demo'), OPEN_NOW);

  const doctor = await openParty(t, browser, D, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, P, 'patient@example.com', 'patient-demo');
  // The doctor opens the room on instance 1; the patient's dashboard, polling instance 2, is told.
  await patient.page.getByTestId(`join-${id}`).waitFor();
  await doctor.page.getByTestId(`join-${id}`).click();
  await waitCallState(doctor.page, 'waiting');
  const notice = patient.page.getByTestId(`waiting-${id}`);
  await notice.waitFor({ timeout: 10_000 });
  assert.match(await notice.textContent(), /Dr\. Amina Rahman is waiting in your consultation room/);

  // Joining puts the patient in the waiting room (kept in Redis by instance 2); the doctor's
  // Admit banner on instance 1 shows them, and Admit lets them in.
  await notice.getByRole('link', { name: 'Join now' }).click();
  await waitCallState(patient.page, 'waiting-room');
  const admit = doctor.page.getByTestId('admit-banner').getByRole('button', { name: 'Admit' });
  await admit.waitFor({ timeout: 10_000 });
  await admit.click();
  await waitCallState(patient.page, 'active', 20_000);
  await waitCallState(doctor.page, 'active', 20_000);
  await framesGrow(doctor.page);
  await framesGrow(patient.page);

  // Instance 1 dies. Media is peer to peer: it keeps flowing.
  const before = await inboundStats(patient.page);
  await one.kill();
  const killedAt = Date.now();
  await patient.page.waitForTimeout(1500);
  const during = await inboundStats(patient.page);
  assert.ok(during.framesDecoded > before.framesDecoded, 'frames kept arriving after instance 1 died');

  // The doctor's signaling reconnects through the balancer to instance 2 and re-enters the room.
  await waitFor(async () => {
    const token = await apiToken(P, 'patient@example.com', 'patient-demo');
    const res = await fetch(`${P}/api/rooms/status?appointment_ids=${id}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.json();
    return body.rooms?.[0]?.participants?.length === 2;
  }, 20_000);
  await doctor.page.getByTestId('status-pill').getByText('Connected', { exact: true }).waitFor({ timeout: 20_000 });
  console.log(`# the doctor was back in the room ${Date.now() - killedAt} ms after instance 1 died`);
  assert.equal(await callState(patient.page), 'active');

  // A mute toggled afterwards still reaches the patient (its frame crosses to instance 2 only).
  await doctor.page.getByRole('button', { name: 'Mute microphone' }).click();
  await patient.page.getByTestId('remote-muted').getByText('Dr. Amina Rahman muted their microphone').waitFor({ timeout: 5_000 });
  await framesGrow(doctor.page);

  await patient.page.getByRole('button', { name: 'Leave consultation' }).click();
  await waitCallState(doctor.page, 'peer-left', 5_000);
  await doctor.page.getByRole('button', { name: 'Leave consultation' }).click();

  // The call log, kept by both instances in one database, has every event once: per person,
  // joins and departures alternate, and the call ends once.
  const events = await waitFor(async () => {
    const log = await callLog(P, id);
    return log.some((e) => e.kind === 'ended') ? log : null;
  }, 10_000);
  const summary = events.map((e) => `${e.identity} ${e.kind}${e.reason ? ` ${e.reason}` : ''}`);
  console.log(`# call log: ${summary.join(', ')}`);
  for (const who of ['doctor_1', 'patient_2']) {
    const kinds = events.filter((e) => e.identity === who && (e.kind === 'joined' || e.kind === 'left')).map((e) => e.kind);
    assert.ok(kinds.length >= 2, `${who}: ${kinds}`);
    kinds.forEach((k, i) => assert.equal(k, i % 2 === 0 ? 'joined' : 'left', `${who} alternates: ${kinds}`));
  }
  assert.equal(events.filter((e) => e.kind === 'ended').length, 1, summary.join(', '));
  assert.deepEqual(patient.page.problems, []);
}));

test('a call through the balanced entry point (round robin across both instances)', explainFailure(async (t) => {
  const { one, two, host } = await twoInstances(t);
  const lb = await startNginx({ clinic: [host(one), host(two)] });
  t.after(() => lb.stop());
  const url = lb.urls.clinic;
  const id = await appointmentId(url, await apiToken(url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
  const doctor = await openParty(t, browser, url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, url, 'patient@example.com', 'patient-demo');
  await doctor.page.goto(`${url}/consultation/${id}?role=doctor`);
  await waitCallState(doctor.page, 'waiting');
  await patient.page.goto(`${url}/consultation/${id}?role=patient`);
  await waitCallState(patient.page, 'active', 20_000);
  await waitCallState(doctor.page, 'active', 20_000);
  await framesGrow(doctor.page);
  await framesGrow(patient.page);
  await patient.page.getByRole('button', { name: 'Mute microphone' }).click();
  await doctor.page.getByTestId('remote-muted').getByText('Adib Hossain muted their microphone').waitFor({ timeout: 5_000 });
}));

test('LiveKit as a cluster: two nodes on one Redis, doctor on node 1, patient on node 2', explainFailure(async (t) => {
  const node1 = await startLivekit({ redis: redis.address });
  t.after(() => node1.stop());
  const node2 = await startLivekit({ redis: redis.address });
  t.after(() => node2.stop());
  const { one, two } = await twoInstances(t, [livekitArgs(node1), livekitArgs(node2)]);
  const id = await appointmentId(two.url, await apiToken(two.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
  const doctor = await openParty(t, browser, one.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, two.url, 'patient@example.com', 'patient-demo');
  const signalled = [];
  for (const [who, page] of [['doctor', doctor.page], ['patient', patient.page]]) {
    page.on('websocket', (ws) => signalled.push(`${who} ${new URL(ws.url()).port}`));
  }
  await doctor.page.goto(`${one.url}/consultation/${id}?role=doctor`);
  await waitCallState(doctor.page, 'waiting', 20_000);
  await patient.page.goto(`${two.url}/consultation/${id}?role=patient`);
  await waitCallState(patient.page, 'active', 30_000);
  await waitCallState(doctor.page, 'active', 30_000);
  await framesGrow(doctor.page, true);
  await framesGrow(patient.page, true);
  const port = (n) => new URL(n.url).port;
  assert.ok(signalled.includes(`doctor ${port(node1)}`), `the doctor signals through node 1: ${signalled}`);
  assert.ok(signalled.includes(`patient ${port(node2)}`), `the patient signals through node 2: ${signalled}`);
  // Room status through either node's RoomService sees the one room with both participants.
  for (const instance of [one, two]) {
    const token = await apiToken(instance.url, 'doctor@example.com', 'doctor-demo');
    const people = await waitFor(async () => {
      const res = await fetch(`${instance.url}/api/rooms/status?appointment_ids=${id}`, { headers: { authorization: `Bearer ${token}` } });
      const list = (await res.json()).rooms?.[0]?.participants?.map((x) => x.identity).sort();
      return list?.length === 2 ? list : null;
    }, 10_000);
    assert.deepEqual(people, ['doctor_1', 'patient_2']);
  }
}));
