// Benchmark: LiveKit call setup time, Teleconsult app vs a plain-JS livekit-client baseline, both
// through the same real livekit-server on 127.0.0.1.
//
// Setup time = from the second participant's join request (POST …/join, the first step of
// joining in both clients) to the first decoded remote video frame on that participant's page
// (requestVideoFrameCallback), both read from performance.now() in the page; also printed from
// the page's navigation, its load included. Both clients load the SDK with the consultation
// page (every call here is a fresh browser context, so never from cache): the baseline by a
// script tag, the app because its sessions come from a dashboard that remembered the clinic's
// provider (consultation.html's inline script). Calls alternate between the two so that machine
// noise hits both alike. Then one call of each runs for HOLD_S s while CDP samples the patient
// page's CPU time and JS heap. Prints figures; asserts nothing; stops everything it started,
// also on failure.
//
//   bench/livekit_call_setup.sh            (builds, then runs this)
//   CALLS=20 HOLD_S=60 node bench/livekit_call_setup.mjs
//   LATENCY_MS=100 HOLD_S=0 node bench/livekit_call_setup.mjs
//       every HTTP request of both clients 100 ms slower (a distant API; call_probe.mjs)
//   CAMERA_MS=500 HOLD_S=0 node bench/livekit_call_setup.mjs
//       both clients' cameras open no sooner than 500 ms after being asked (a real webcam's start)
//   COMPARE_DIST=/tmp/old-dist HOLD_S=0 node bench/livekit_call_setup.mjs
//       the "baseline" is the app built elsewhere (e.g. from an earlier commit): the same
//       figures, before and after a change, in one run (COMPARE_REMEMBERS=1 when that build's
//       dashboard already remembers the clinic's provider)
//   DOCTOR_ALONE_S=10 HOLD_S=0 node bench/livekit_call_setup.mjs
//       the doctor waits alone in the room that long before the patient joins, as in a real
//       clinic (by default the patient joins as soon as the doctor is waiting)
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startServer, startLivekit, livekitArgs, launchBrowser, newWatchedPage, apiToken, appointmentId, signIn,
} from '../tests/e2e/harness.mjs';
import {
  addProbe, DOCTOR_SETTLE_MS, setupFigures, waitForFirstFrame, alternateCalls, printSetup, hold, printHold, emulateLatency,
} from './call_probe.mjs';

const CALLS = Number(process.env.CALLS ?? 10);
const HOLD_S = Number(process.env.HOLD_S ?? 60);
const DOCTOR_ALONE_S = Number(process.env.DOCTOR_ALONE_S ?? 0);
const COMPARE_DIST = process.env.COMPARE_DIST;
const OPEN_NOW = 'Follow-up on blood pressure';

const started = [];
// A promise that rejects with no handler would end node before any `finally` runs (that is how
// a failed call once left both servers running): stop what was started, then fail.
process.once('unhandledRejection', async (e) => {
  console.error(e);
  for (const stop of started.reverse()) await stop().catch(() => {});
  process.exit(1);
});
let app;
let baseline;
let browser;
const baselineDist = mkdtempSync(join(tmpdir(), 'teleconsult-lk-baseline-'));
started.push(async () => rmSync(baselineDist, { recursive: true, force: true }));
try {
  cpSync('bench/livekit_baseline', baselineDist, { recursive: true });
  cpSync('node_modules/livekit-client/dist/livekit-client.umd.js', join(baselineDist, 'livekit-client.umd.js'));
  const livekit = await startLivekit();
  started.push(() => livekit.stop());
  app = await startServer({ args: ['--demo', ...livekitArgs(livekit)] });
  started.push(() => app.stop());
  baseline = await startServer({ args: ['--demo', ...livekitArgs(livekit)], distDir: COMPARE_DIST ?? baselineDist });
  started.push(() => baseline.stop());
  browser = await launchBrowser();
  started.push(() => browser.close());
} catch (e) {
  for (const stop of started.reverse()) await stop().catch(() => {});
  throw e;
}

// `remembers`: whether this build's dashboard remembers the provider (a COMPARE_DIST build from
// before it did does not).
async function setup(server, kind, remembers = true) {
  const tokens = {
    doctor: await apiToken(server.url, 'doctor@example.com', 'doctor-demo'),
    patient: await apiToken(server.url, 'patient@example.com', 'patient-demo'),
  };
  const id = await appointmentId(server.url, tokens.patient, OPEN_NOW);
  // Sign in once per role (logins are rate-limited) and start every call from that session.
  const storage = {};
  if (kind === 'app') {
    for (const role of ['doctor', 'patient']) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await signIn(page, server.url, `${role === 'doctor' ? 'doctor' : 'patient'}@example.com`, `${role}-demo`);
      // As a real dashboard would by the time "Join" is clicked: it has learnt the provider.
      if (remembers) {
        await page.waitForFunction(() => localStorage.getItem('teleconsult-provider') !== null, null, { timeout: 10_000 });
      }
      storage[role] = await context.storageState();
      await context.close();
    }
  }
  // The clock starts at the join request; the figures from navigation include the page load.
  async function open(role) {
    const context = await browser.newContext({ permissions: ['camera', 'microphone'], storageState: storage[role] });
    await addProbe(context);
    const page = await newWatchedPage(context);
    await emulateLatency(context, page);
    if (kind === 'app') {
      return { context, page, go: () => page.goto(`${server.url}/consultation/${id}?role=${role}`) };
    }
    await context.addInitScript((b) => { window.__bench = b; }, { token: tokens[role], appointmentId: id, role });
    return { context, page, go: () => page.goto(`${server.url}/`) };
  }
  return { open };
}

let sides;

async function oneCall(kind) {
  const doctor = await sides[kind].open('doctor');
  const patient = await sides[kind].open('patient');
  try {
    await doctor.go();
    // The doctor waits in the room with the camera open (and its tracks sent or published): a
    // doctor's call page is in the room before its camera is open, and the patient's first frame
    // would then wait for the doctor's camera, not for the patient's own join.
    await doctor.page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="call"]');
      const waiting = (el && el.dataset.state === 'waiting') || window.__state === 'waiting';
      return waiting && window.__marks?.['camera and microphone'] !== undefined;
    }, null, { timeout: 20_000 });
    await doctor.page.waitForTimeout(DOCTOR_SETTLE_MS);
    if (DOCTOR_ALONE_S > 0) await doctor.page.waitForTimeout(DOCTOR_ALONE_S * 1000);
    await patient.go();
    await waitForFirstFrame(patient.page);
    // Awaited here, before `finally` closes the contexts (a bare `return` of the promise let
    // `finally` close the page under it: "Target page, context or browser has been closed").
    return await setupFigures(patient.page);
  } finally {
    await doctor.context.close();
    await patient.context.close();
    await new Promise((r) => setTimeout(r, 1000)); // let LiveKit see both participants go
  }
}

try {
  sides = { app: await setup(app, 'app'), baseline: await setup(baseline, COMPARE_DIST ? 'app' : 'baseline', process.env.COMPARE_REMEMBERS === '1') };
  const calls = await alternateCalls(oneCall, CALLS);
  const other = COMPARE_DIST ? 'compare' : 'baseline';
  // The bench-result line is for bench/report.sh, not for a comparison of two builds.
  printSetup('LiveKit call setup', calls, other, COMPARE_DIST ? undefined : 'livekit_call_setup');
  for (const kind of HOLD_S > 0 ? ['app', 'baseline'] : []) {
    printHold('livekit_call_setup', kind === 'app' ? kind : other, HOLD_S, await hold(sides[kind], HOLD_S));
  }
} finally {
  for (const stop of started.reverse()) await stop().catch(() => {});
}
