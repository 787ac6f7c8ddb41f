// In-call chat (issue 14), release build, real server, two Debian Chromium contexts: messages
// both ways over the call's own data path (a P2P RTCDataChannel; LiveKit data through a real
// livekit-server), sent → delivered, the unread count while the panel is closed, a message typed
// by keyboard alone, a log region screen readers follow, "Copy conversation" after the call, and
// nothing of it on the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startLivekit, livekitArgs, launchBrowser, apiToken, appointmentId,
  waitFor, waitCallState, openParty, freePort, axeViolations,
} from './harness.mjs';

const OPEN_NOW = 'Follow-up on blood pressure';
const DOSAGE = 'Is it Amoxicillin 500 mg three times a day?';
const REPLY = 'Yes: 500 mg every 8 hours, for 7 days. https://example.org/leaflet';
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

const messages = (page) => page.getByTestId('chat-message').evaluateAll((lis) => lis.map((li) => ({
  text: li.querySelector('.text').textContent, delivery: li.dataset.delivery,
})));

/** Types `text` into the chat by keyboard alone: Enter on the toggle, Tab to the box, Enter. */
async function typeByKeyboard(page, text) {
  await page.getByTestId('chat-toggle').focus();
  await page.keyboard.press('Enter');
  for (let i = 0; i < 8 && !(await page.evaluate(() => document.activeElement?.id === 'chat-input')); i++) {
    await page.keyboard.press('Tab');
  }
  assert.ok(await page.evaluate(() => document.activeElement?.id === 'chat-input'), 'Tab reaches the message box');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function chatBothWays(doctor, patient) {
  await typeByKeyboard(patient.page, DOSAGE);
  await waitFor(async () => (await messages(patient.page)).some((m) => m.text === DOSAGE && m.delivery === 'delivered'), 10_000);
  // The doctor's panel is closed: the count says so, and a status line tells screen readers.
  await waitFor(async () => (await doctor.page.getByTestId('chat-toggle').textContent()) === 'Chat (1 unread)', 10_000);
  await doctor.page.getByTestId('chat-toggle').click();
  assert.equal(await doctor.page.getByTestId('chat-toggle').textContent(), 'Chat');
  assert.deepEqual((await messages(doctor.page)).map((m) => m.text), [DOSAGE]);
  assert.equal(await doctor.page.getByTestId('chat-log').getAttribute('role'), 'log');
  await doctor.page.getByLabel('Message to Adib Hossain').fill(REPLY);
  await doctor.page.getByRole('button', { name: 'Send' }).click();
  await waitFor(async () => (await messages(doctor.page)).some((m) => m.text === REPLY && m.delivery === 'delivered'), 10_000);
  // The patient's panel is open: read at once, no count.
  await waitFor(async () => (await messages(patient.page)).some((m) => m.text === REPLY), 10_000);
  assert.equal(await patient.page.getByTestId('chat-toggle').textContent(), 'Chat');
}

test('P2P: chat both ways over the data channel, delivered, unread, by keyboard, copied at the end', async (t) => {
  const id = await appointmentId(server.url, await apiToken(server.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
  const doctor = await openParty(t, browser, server.url, 'doctor@example.com', 'doctor-demo', {
    permissions: ['camera', 'microphone', 'clipboard-read', 'clipboard-write'],
  });
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await doctor.page.goto(`${server.url}/consultation/${id}?role=doctor`);
  await patient.page.goto(`${server.url}/consultation/${id}?role=patient`);
  await waitCallState(patient.page, 'active', 20_000);
  await waitCallState(doctor.page, 'active', 20_000);

  await chatBothWays(doctor, patient);
  assert.deepEqual(await axeViolations(doctor.page), [], 'the open chat passes axe');

  // The call ends; the conversation stays and can be copied.
  await doctor.page.getByRole('button', { name: 'Leave consultation' }).click();
  await waitCallState(doctor.page, 'ended');
  await doctor.page.getByRole('button', { name: 'Copy conversation' }).click();
  await doctor.page.getByTestId('chat-copied').getByText('Copied.').waitFor();
  const copied = await doctor.page.evaluate(() => navigator.clipboard.readText());
  assert.match(copied, /^\[\d\d:\d\d\] Adib Hossain: Is it Amoxicillin 500 mg three times a day\?\n\[\d\d:\d\d\] Dr\. Amina Rahman: Yes: 500 mg every 8 hours/);
  // Never through the server: its log holds not a word of it (nor could its database: there is
  // no chat table; messages travel only on the call's data channel).
  assert.ok(!server.output().includes('Amoxicillin'), 'the server never saw the chat');
});

test('LiveKit: chat both ways through the SFU, delivered, unread', async (t) => {
  const port = await freePort();
  // LiveKit binds its port first: our server's own ephemeral port could otherwise take it.
  const livekit = await startLivekit({ port });
  t.after(() => livekit.stop());
  const lkServer = await startServer({ args: ['--demo', ...livekitArgs({ url: `ws://127.0.0.1:${port}` })] });
  t.after(() => lkServer.stop());
  const id = await appointmentId(lkServer.url, await apiToken(lkServer.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);
  const doctor = await openParty(t, browser, lkServer.url, 'doctor@example.com', 'doctor-demo');
  const patient = await openParty(t, browser, lkServer.url, 'patient@example.com', 'patient-demo');
  await doctor.page.goto(`${lkServer.url}/consultation/${id}?role=doctor`);
  await waitCallState(doctor.page, 'waiting', 30_000);
  await patient.page.goto(`${lkServer.url}/consultation/${id}?role=patient`);
  await waitCallState(patient.page, 'active', 30_000);
  await waitCallState(doctor.page, 'active', 30_000);
  await chatBothWays(doctor, patient);
  assert.ok(!lkServer.output().includes('Amoxicillin'), 'our server never saw the chat');
});
