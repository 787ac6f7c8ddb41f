// The pre-call check ("Check camera, microphone and connection") on the release build with the
// real server: every line comes out with its words, a pass is remembered for the day, the
// devices chosen there are the ones the call opens, and real failures — a camera the browser
// refuses, a signaling socket the network closes — are told within 10 s with what to do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, openParty, waitFor, waitCallState, apiToken, appointmentId,
  axeViolations, freePort,
} from './harness.mjs';

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

const status = (page, line) => page.getByTestId(`check-${line}`).getAttribute('data-status');
async function settled(page, line, timeout = 12_000) {
  return waitFor(async () => {
    const s = await status(page, line);
    return s && s !== 'checking' ? s : null;
  }, timeout);
}

test('from the dashboard: each line says how it came out, the pass is remembered, leaving ends the devices', async (t) => {
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  const offer = patient.page.getByTestId('precall-offer');
  assert.match(await offer.textContent(), /Before your consultation/);
  await offer.getByRole('link', { name: 'check your camera, microphone and connection' }).click();
  await patient.page.getByRole('heading', { name: 'Check camera, microphone and connection' }).waitFor();
  const started = Date.now();
  const lines = {};
  for (const line of ['camera', 'api', 'path', 'network', 'session']) lines[line] = await settled(patient.page, line);
  // The microphone line turns good once the meter hears something (Chromium's fake input beeps).
  lines.microphone = await waitFor(async () => ((await status(patient.page, 'microphone')) === 'good' ? 'good' : null), 10_000);
  t.diagnostic(`all lines settled after ${Date.now() - started} ms`);
  // The demo server has no STUN/TURN: the network line says it could not test the internet path.
  assert.deepEqual(lines, { camera: 'good', microphone: 'good', api: 'good', path: 'good', network: 'warning', session: 'good' });
  assert.match(await patient.page.getByTestId('check-network').textContent(), /no STUN or TURN server/);
  await waitFor(() => patient.page.getByTestId('check-preview').evaluate((v) => v.videoWidth > 0));
  assert.ok(Number(await patient.page.getByTestId('mic-level').getAttribute('value')) >= 0);
  assert.match(await patient.page.getByTestId('check-result').textContent(), /All set/);
  await patient.page.getByRole('button', { name: 'Play test sound' }).click();
  assert.deepEqual(await axeViolations(patient.page), []);

  // The check is the consultation page's half of the app (issue 13): going back loads the
  // dashboard's page, so the check's document — with its camera, microphone and probes — is gone.
  const checkDocument = await patient.page.evaluate(() => performance.timeOrigin);
  await patient.page.getByRole('link', { name: 'Back to your appointments' }).click();
  await patient.page.getByRole('heading', { name: 'Your appointments' }).waitFor();
  assert.match(await offer.textContent(), /passed the check today/);
  assert.notEqual(await patient.page.evaluate(() => performance.timeOrigin), checkDocument, 'a new document');
  assert.deepEqual(await patient.page.evaluate(() => ({ tracks: window.__tracks.length, pcs: window.__pcs.length })), { tracks: 0, pcs: 0 });
  assert.deepEqual(patient.page.problems, []);
});

test('the microphone chosen in the check is the one the consultation opens', async (t) => {
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo');
  await patient.page.goto(`${server.url}/check?role=patient`);
  await settled(patient.page, 'microphone');
  const picker = patient.page.getByRole('combobox', { name: 'Microphone' });
  const options = await picker.locator('option').evaluateAll((os) => os.map((o) => ({ id: o.value, label: o.textContent })));
  t.diagnostic(`microphones: ${JSON.stringify(options)}`);
  const current = await patient.page.evaluate(() => window.__tracks.filter((x) => x.kind === 'audio').at(-1).label);
  const other = options.find((o) => o.label !== current && o.id !== 'default') ?? options.at(-1);
  await picker.selectOption(other.id);
  await waitFor(async () => (await patient.page.evaluate(() => window.__tracks.filter((x) => x.kind === 'audio').at(-1).label)) === other.label);

  const id = await appointmentId(server.url, await apiToken(server.url, 'patient@example.com', 'patient-demo'), 'Follow-up on blood pressure');
  await patient.page.goto(`${server.url}/consultation/${id}?role=patient`);
  await waitCallState(patient.page, 'waiting', 20_000);
  const used = await patient.page.evaluate(() => window.__tracks.filter((x) => x.kind === 'audio' && x.readyState === 'live').map((x) => x.label));
  assert.deepEqual(used, [other.label]);
});

test('a camera the browser refuses and a signaling socket the network closes are told within 10 s, with what to do', async (t) => {
  const patient = await openParty(t, browser, server.url, 'patient@example.com', 'patient-demo', { permissions: [] });
  // The network closes WebSockets to the signaling hub (seed 004's failure, for P2P).
  await patient.context.routeWebSocket(/\/api\/signal/, (ws) => ws.close());
  const started = Date.now();
  await patient.page.goto(`${server.url}/check?role=patient`);
  assert.equal(await settled(patient.page, 'path', 10_000), 'problem');
  t.diagnostic(`blocked socket told after ${Date.now() - started} ms`);
  assert.match(await patient.page.getByTestId('check-path').textContent(), /cannot be reached.*WebSockets/);
  assert.equal(await settled(patient.page, 'camera', 10_000), 'problem');
  t.diagnostic(`camera: ${await patient.page.getByTestId('check-camera').textContent()}`);
  assert.doesNotMatch(await patient.page.getByTestId('check-result').textContent(), /All set/);
});

test('when the clinic\'s STUN server cannot be reached from this network, the check says calls are blocked and what to do', async (t) => {
  // A STUN URL where nothing answers: no server-reflexive candidate can be gathered.
  const silent = await startServer({ args: ['--demo', '--stun-urls', `stun:127.0.0.1:${await freePort()}`] });
  t.after(() => silent.stop());
  const patient = await openParty(t, browser, silent.url, 'patient@example.com', 'patient-demo');
  await patient.page.goto(`${silent.url}/check?role=patient`);
  assert.equal(await settled(patient.page, 'network', 12_000), 'problem');
  assert.match(await patient.page.getByTestId('check-network').textContent(), /This network blocks video calls.*hotspot/);
});
