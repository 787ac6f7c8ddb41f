// In-call connection quality and low-bandwidth mode, in a real P2P call between two Chromium
// contexts, with a real rate limit (Linux tc on the loopback interface) on the doctor's uplink:
// both parties see whose connection is poor, the doctor's video pauses by itself and both are
// told, and video comes back by itself once the limit is lifted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, apiToken, appointmentId, inboundStats, waitFor, waitCallState,
  openParty, limitUdpFrom, limitCounters, mediaPort,
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

const consultation = (role) => `${server.url}/consultation/${id}?role=${role}`;
const level = (page, who) => page.getByTestId(`quality-${who}`).getAttribute('data-level', { timeout: 1_000 }).catch(() => null);
const message = (page) => page.getByTestId('quality-message').textContent();

/** Waits until the `who` indicator (local, remote) shows one of `wanted` (levels). */
async function waitLevel(page, who, wanted, timeout) {
  await waitFor(async () => wanted.includes(await level(page, who)), timeout)
    .catch(async () => { throw new Error(`quality-${who} is ${await level(page, who)}, wanted ${wanted}`); });
}
// Good or fair: an unloaded loopback link is good, but a busy 2-core machine may drop the fake
// camera's frame rate under 15 fps (fair). Never poor.
const FINE = ['good', 'fair'];

/** The doctor and the patient of `id` in an active P2P call. */
async function startCall(t) {
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await doctor.page.goto(consultation('doctor'));
  await waitCallState(doctor.page, 'waiting');
  await patient.page.goto(consultation('patient'));
  await waitCallState(patient.page, 'active');
  await waitCallState(doctor.page, 'active');
  return { doctor, patient };
}

test('a video-starved uplink: told as whose it is, video pauses by itself, both told, and it comes back', async (t) => {
  const { doctor, patient } = await startCall(t);

  // A loopback link: each side measures its own connection and tells the other.
  await waitLevel(doctor.page, 'local', FINE, 15_000);
  await waitLevel(patient.page, 'remote', FINE, 15_000);
  await waitLevel(patient.page, 'local', FINE, 5_000);
  assert.equal(await message(patient.page), '');

  const port = await mediaPort(doctor.page);
  assert.ok(port, 'the doctor has a selected candidate pair');
  const lift = limitUdpFrom(port, 100);
  t.after(lift);
  const limitedAt = Date.now();

  // The doctor's estimate of its outgoing bandwidth falls under 150 kbit/s; after 10 s of that
  // the doctor's video pauses by itself, and both sides say so in plain words.
  await waitFor(async () => (await message(doctor.page)).includes('too slow for video'), 60_000)
    .catch(async () => { throw new Error(`doctor not told; level ${await level(doctor.page, 'local')}, limit ${JSON.stringify(limitCounters())}`); });
  const pausedAfter = Date.now() - limitedAt;
  // Video really stopped at the source: the camera's sender carries no track and encodes no
  // frames (what reaches the patient can lag while the narrow link drains its queue).
  const sender = await doctor.page.evaluate(() => window.__pcs.filter((p) => p.connectionState !== 'closed').at(-1)
    .getSenders().map((s) => s.track?.kind ?? null));
  assert.ok(sender.includes(null) && !sender.includes('video'), `senders: ${JSON.stringify(sender)}`);
  const encoded = () => doctor.page.evaluate(async () => {
    const pc = window.__pcs.filter((p) => p.connectionState !== 'closed').at(-1);
    let n = 0;
    (await pc.getStats()).forEach((r) => { if (r.type === 'outbound-rtp' && r.kind === 'video') n += r.framesEncoded ?? 0; });
    return n;
  });
  const e1 = await encoded();
  await doctor.page.waitForTimeout(2_000);
  const e2 = await encoded();
  assert.ok(e2 - e1 <= 1, `frames encoded while paused: ${e1} -> ${e2}`);
  assert.match(await message(doctor.page), /continues with sound only/);
  await doctor.page.getByRole('button', { name: 'Turn video back on' }).waitFor({ timeout: 5_000 });
  await waitFor(async () => (await message(patient.page)).includes("Dr. Amina Rahman's connection is too slow for video"), 10_000);
  assert.equal(await level(doctor.page, 'local'), 'poor');
  await waitLevel(patient.page, 'remote', ['poor'], 10_000);
  // Whose connection it is: the patient's own is fine (their packets are not limited).
  assert.ok(FINE.includes(await level(patient.page, 'local')), await level(patient.page, 'local'));
  await patient.page.getByText("Dr. Amina Rahman's video is paused: their connection is too slow").waitFor({ timeout: 5_000 });
  // Sound goes on while video is paused.
  const a = await inboundStats(patient.page);
  await patient.page.waitForTimeout(1_000);
  const b = await inboundStats(patient.page);
  assert.ok(b.audioPackets > a.audioPackets, 'sound goes on');
  t.diagnostic(`video paused ${pausedAfter} ms after the limit; limit ${JSON.stringify(limitCounters())}`);

  // The link recovers: video is tried again by itself and stays.
  lift();
  const liftedAt = Date.now();
  await waitFor(async () => !(await message(patient.page)).includes('too slow for video'), 45_000);
  await waitFor(async () => {
    const before = await inboundStats(patient.page);
    await patient.page.waitForTimeout(1_000);
    const after = await inboundStats(patient.page);
    return after.framesDecoded - before.framesDecoded >= 5;
  }, 20_000);
  t.diagnostic(`video back at the patient ${Date.now() - liftedAt} ms after the limit was lifted`);
  assert.ok(!(await message(doctor.page)).includes('too slow for video'));
  // It stays: past the 10 s in which a try that fails would pause again.
  await doctor.page.waitForTimeout(12_000);
  assert.ok(!(await message(doctor.page)).includes('too slow for video'), await message(doctor.page));
  assert.equal(await doctor.page.getByRole('button', { name: 'Turn video back on' }).count(), 0);
});

test('"Turn video back on" wins over low-bandwidth mode for the rest of the call', async (t) => {
  const { doctor, patient } = await startCall(t);
  await waitLevel(doctor.page, 'local', FINE, 15_000);
  const lift = limitUdpFrom(await mediaPort(doctor.page), 100);
  t.after(lift);
  await doctor.page.getByRole('button', { name: 'Turn video back on' }).click({ timeout: 60_000 });
  await waitFor(async () => !(await message(patient.page)).includes('too slow for video'), 10_000);
  // Still limited, yet no second pause: the person's choice holds.
  await doctor.page.waitForTimeout(15_000);
  assert.ok(!(await message(doctor.page)).includes('too slow for video'), await message(doctor.page));
  lift();
});
