// Shared pieces of the end-to-end tests: a real teleconsult-server on a free loopback port with
// its own temporary data folder, and Debian's Chromium driven by playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, cpSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const SERVER_BIN = process.env.TELECONSULT_SERVER_BIN ?? 'target/debug/teleconsult-server';
export const DIST = process.env.TELECONSULT_TEST_DIST ?? 'dist';

/**
 * The Chromium features Playwright turns off (playwright-core 1.65,
 * `server/chromium/chromiumSwitches.ts`). Chromium keeps only the last `--disable-features` of
 * its command line, so [`DISABLED_FEATURES`] repeats them; browser.test.mjs fails when
 * Playwright's own switch names one this list lacks (an upgrade).
 */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding',
  'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect', 'TcpPortRandomizationWin',
  'OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch',
  'msForceBrowserSignIn', 'msEdgeUpdateLaunchServicesPreferredVersion',
];

/**
 * Playwright's [`PLAYWRIGHT_DISABLED_FEATURES`] and ours: `WebUIOmniboxPopup` and
 * `WebUIOmniboxAimPopup`. With them, Chromium 156 preloads the address bar's popup (a WebUI
 * renderer that loads some 300 modules) for every window, and Playwright opens a window per
 * context: 10 contexts cost 4.5 s of CPU with it and 2.7 s without (measured 2026-12-04), time
 * taken from the pages under test on 2 cores. Puppeteer turns both off too (puppeteer#15278).
 */
export const DISABLED_FEATURES = [...PLAYWRIGHT_DISABLED_FEATURES, 'WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];

/** Chromium flags measured in shared/TOOLCHAIN.md: no network chatter, fake media, loopback ICE. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
  `--disable-features=${DISABLED_FEATURES.join(',')}`,
];

/**
 * Starts the server. Resolves to { url, stop, restart, dataDir, output() } once it logs its
 * address. `distDir` defaults to the release build under test; `args` are extra flags.
 * `restart({ downMs, args, signal })` stops it (SIGTERM, or `signal`) and starts it again on the same port and data folder,
 * after `downMs`, with other flags if `args` is given. `dataDir`: an existing data folder
 * instead of a new temporary one (removed by `stop()` either way). `waitingRoom`: the clinic's
 * waiting room (the server's default) — off unless asked, because the other tests are about the
 * call itself and let the patient straight in; waitingroom.test.mjs tests it.
 */
export async function startServer({ distDir = DIST, args = [], env = {}, dataDir: given, waitingRoom = false } = {}) {
  const dataDir = given ?? mkdtempSync(join(tmpdir(), 'teleconsult-e2e-'));
  let log = '';
  let child;
  const room = ['--waiting-room', String(waitingRoom)];
  let currentArgs = [...room, ...args];
  const launch = (addr) => new Promise((resolve, reject) => {
    child = spawn(SERVER_BIN, ['--addr', addr, '--data-dir', dataDir, '--dist-dir', distDir, ...currentArgs], {
      env: { ...process.env, NO_COLOR: '1', RUST_LOG: 'info,tower_http=warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const startedAt = log.length;
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${log}`)), 20_000);
    const onData = (chunk) => {
      log += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log.slice(startedAt));
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${log}`)); });
  });
  const stopChild = (signal = 'SIGTERM') => endProcess(child, signal);
  const url = await launch('127.0.0.1:0');
  return {
    url,
    dataDir,
    output: () => log,
    /** `signal: 'SIGKILL'` crashes it instead of a graceful stop. */
    async restart({ downMs = 0, args: newArgs, signal } = {}) {
      await stopChild(signal);
      if (newArgs) currentArgs = [...room, ...newArgs];
      await new Promise((r) => setTimeout(r, downMs));
      await launch(url.replace('http://', ''));
    },
    /** Ends the process at once (SIGKILL), as a crashed machine would; `stop()` still cleans up. */
    async kill() {
      await stopChild('SIGKILL');
    },
    async stop() {
      await stopChild();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A copy of the release build whose config.json is replaced by `configText`. */
export function distWithConfig(configText) {
  const dir = mkdtempSync(join(tmpdir(), 'teleconsult-dist-'));
  cpSync(DIST, dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), configText);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * Makes the camera and microphone of `page` open `delayMs` after they are asked for (a real
 * webcam warming up, or a permission prompt answered late) and notes, in `window.__at`
 * (performance.now() ms), when they opened (`camera`) and when the first remote video frame
 * showed (`remoteFrame`).
 */
export async function slowCamera(page, delayMs) {
  await page.addInitScript((delay) => {
    const at = {};
    window.__at = at;
    const media = navigator.mediaDevices;
    const getUserMedia = media.getUserMedia.bind(media);
    media.getUserMedia = (constraints) => getUserMedia(constraints)
      .then((stream) => new Promise((resolve) => setTimeout(() => { at.camera ??= performance.now(); resolve(stream); }, delay)));
    const watch = () => {
      const v = document.querySelector('video[data-testid="remote-video"]');
      if (v && v.srcObject) v.requestVideoFrameCallback(() => { at.remoteFrame ??= performance.now(); });
      else setTimeout(watch, 5);
    };
    document.addEventListener('DOMContentLoaded', watch);
  }, delayMs);
}

/**
 * Waits (up to `timeout` ms each) until both are told, on screen and as a status for screen
 * readers, that the patient's camera is still opening: the doctor's stage says the patient's
 * camera and microphone are starting, the patient's own preview that theirs is. Returns the
 * patient page's performance.now() once both show.
 */
export async function toldCameraStarting(doctorPage, patientPage, timeout = 2_000) {
  // As a status, so that screen readers are told too.
  await placeholder(doctorPage, 'remote-video').and(doctorPage.getByRole('status'))
    .getByText("Adib Hossain's camera and microphone are starting…").waitFor({ timeout });
  await placeholder(patientPage, 'local-video').and(patientPage.getByRole('status'))
    .getByText('Starting your camera… Allow it if your browser asks.').waitFor({ timeout });
  return patientPage.evaluate(() => performance.now());
}

/** The text a video tile shows instead of its picture, if shown (`videoTestId`: the data-testid of its `<video>`). */
export function placeholder(page, videoTestId) {
  return page.locator(`.video-tile:has([data-testid="${videoTestId}"]) .video-placeholder:not(.hidden)`);
}

/** A page that records console errors and uncaught exceptions in `page.problems`. */
export async function newWatchedPage(context) {
  const page = await context.newPage();
  page.problems = [];
  page.consoleAll = [];
  page.on('console', (msg) => {
    page.consoleAll.push(`${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  // Every Content-Security-Policy violation is a problem of the page, whatever the test.
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`);
      console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI}`);
    });
  });
  return page;
}

/**
 * Seed 000's "could not createOffer with closed peer connection": asserts that none of `pages`
 * logged anything of the kind (an offer, answer or track operation on a closed or replaced
 * connection), at any console level.
 */
export function assertNoClosedConnectionUse(...pages) {
  const bad = pages.flatMap((p) => p.consoleAll.filter((m) => /closed peer connection|createOffer|InvalidStateError|could not create an offer/i.test(m)));
  assert.deepEqual(bad, []);
}

/** Signs in through the login form and waits for the dashboard. */
export async function signIn(page, baseUrl, email, password) {
  await page.goto(baseUrl + '/login');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/doctor' || u.pathname === '/patient', { timeout: 15_000 });
}

/** An access token straight from the API (for setting up test data). */
export async function apiToken(baseUrl, email, password) {
  const res = await fetch(baseUrl + '/api/auth/login', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`login ${email}: ${res.status}`);
  return (await res.json()).access_token;
}

/** The id of the caller's appointment whose note is `reason`. */
export async function appointmentId(baseUrl, token, reason) {
  const res = await fetch(baseUrl + '/api/appointments', { headers: { authorization: `Bearer ${token}` } });
  const { appointments } = await res.json();
  const a = appointments.find((x) => x.reason === reason);
  if (!a) throw new Error(`no appointment ${reason}`);
  return a.id;
}

/**
 * Records every RTCPeerConnection, every getUserMedia track and every clone of a track a page
 * creates, in window.__pcs and window.__tracks, so tests can read stats and check that leaving
 * ends them (a forgotten `MediaStreamTrack.clone()` keeps the camera on). Test-side only: the app
 * has no such hook.
 */
export async function instrumentWebRtc(context) {
  await context.addInitScript(() => {
    window.__pcs = [];
    window.__tracks = [];
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(...args) { super(...args); window.__pcs.push(this); }
    };
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await gum(constraints);
      window.__tracks.push(...stream.getTracks());
      return stream;
    };
    const clone = MediaStreamTrack.prototype.clone;
    MediaStreamTrack.prototype.clone = function () {
      const copy = clone.call(this);
      window.__tracks.push(copy);
      return copy;
    };
  });
}

/**
 * Inbound RTP totals of the page's newest open peer connection, or of all its open ones with
 * `{ all: true }` (an SFU call receives on its own subscriber connection).
 */
export async function inboundStats(page, { all = false } = {}) {
  return page.evaluate(async (all) => {
    const open = window.__pcs.filter((p) => p.connectionState !== 'closed');
    const pcs = all ? open : open.slice(-1);
    if (!pcs.length) return null;
    const out = { framesDecoded: 0, videoBytes: 0, audioPackets: 0 };
    for (const pc of pcs) {
      (await pc.getStats()).forEach((r) => {
        if (r.type !== 'inbound-rtp') return;
        if (r.kind === 'video') { out.framesDecoded += r.framesDecoded ?? 0; out.videoBytes += r.bytesReceived ?? 0; }
        if (r.kind === 'audio') out.audioPackets += r.packetsReceived ?? 0;
      });
    }
    return out;
  }, all);
}

/** Runs axe-core with the WCAG 2.0, 2.1 and 2.2 A/AA rules on the page; returns the violations, summarized. */
export async function axeViolations(page) {
  // Evaluated through DevTools, not added as a <script>: the app's CSP rightly refuses inline
  // scripts it does not know.
  await page.evaluate(readFileSync('node_modules/axe-core/axe.min.js', 'utf8'));
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  }));
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Polls `fn` every 100 ms until it returns a truthy value (returned), or throws after `timeout`. */
export async function waitFor(fn, timeout = 15_000) {
  const started = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - started > timeout) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The consultation screen's state (`data-state`: waiting, active, peer-left, …). */
export const callState = (page) => page.getByTestId('call').getAttribute('data-state');

/** Waits until the consultation screen is in state `wanted`; returns how long it took (ms). */
export async function waitCallState(page, wanted, timeout = 15_000) {
  const started = Date.now();
  while (Date.now() - started < timeout) {
    if ((await callState(page)) === wanted) return Date.now() - started;
    await page.waitForTimeout(25);
  }
  throw new Error(`state stayed ${await callState(page)}, wanted ${wanted}`);
}

/** The pages `openParty` opened for each running test (for `explainFailure`). */
const partiesOf = new WeakMap();

/**
 * Wraps a test's body: when it fails, prints what each page `openParty` opened for it showed
 * (address, visible text, the last console lines, problems) before the error, so a failure on a
 * shared CI machine can be read afterwards instead of rerun. `test(name, explainFailure(async (t) => …))`.
 */
export function explainFailure(body) {
  return async (t) => {
    try {
      return await body(t);
    } catch (error) {
      for (const { who, page } of partiesOf.get(t) ?? []) {
        const text = await page.locator('body').innerText({ timeout: 2_000 }).catch((e) => `(no text: ${e.message.split('\n')[0]})`);
        console.log(`${who} at ${page.isClosed() ? '(closed)' : page.url()}:\n  ${text.slice(0, 1_500).replace(/\n+/g, '\n  ')}`);
        for (const line of page.consoleAll.slice(-20)) console.log(`  console ${line.slice(0, 300)}`);
        for (const problem of page.problems) console.log(`  problem ${problem.slice(0, 300)}`);
      }
      throw error;
    }
  };
}

/**
 * A signed-in participant in its own browser context (closed when test `t` ends), with camera
 * and microphone granted unless `permissions` says otherwise, and WebRTC instrumented.
 */
export async function openParty(t, browser, baseUrl, email, password, { permissions = ['camera', 'microphone'] } = {}) {
  const context = await browser.newContext({ permissions });
  t.after(() => context.close());
  await instrumentWebRtc(context);
  const page = await newWatchedPage(context);
  if (!partiesOf.has(t)) partiesOf.set(t, []);
  partiesOf.get(t).push({ who: email, page });
  await signIn(page, baseUrl, email, password);
  return { context, page };
}

/**
 * getDisplayMedia never resolves in headless Chromium here (no picker to answer; measured with
 * --use-fake-ui-for-media-stream, --auto-select-desktop-capture-source and tab-capture flags), so
 * the "screen" a page of `context` shares is a changing canvas, kept in window.__screen. The
 * app's own path (getDisplayMedia, addTrack, renegotiation, the remote tile) runs for real.
 */
export async function fakeScreenCapture(context) {
  await context.addInitScript(() => {
    navigator.mediaDevices.getDisplayMedia = async () => {
      const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
      const g = canvas.getContext('2d');
      let n = 0;
      setInterval(() => { g.fillStyle = `hsl(${n++ % 360},70%,45%)`; g.fillRect(0, 0, 640, 360); }, 33);
      const stream = canvas.captureStream(15);
      window.__screen = stream;
      return stream;
    };
  });
}

/** A free TCP port on 127.0.0.1 (the OS's choice; UDP on the same number is free in practice). */
export async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

export const LIVEKIT_KEY = 'teleconsult-e2e';
export const LIVEKIT_SECRET = 'e2e-secret-that-is-longer-than-32-characters';

/**
 * Starts the real LiveKit server (scripts/setup.sh --livekit installs it) on 127.0.0.1 only,
 * with fixed ports chosen free (its signal port `port` when given), no external-IP lookup and the
 * test key; with `webhookUrl`, LiveKit posts its webhooks there, signed with that key; with
 * `redis` (host:port), it joins the other nodes on that Redis (multi-node). Resolves
 * to { url (ws://…), stop(), restart() } once it answers HTTP.
 */
export async function startLivekit({ port: signalPort, webhookUrl, redis } = {}) {
  const bin = process.env.LIVEKIT_SERVER_BIN;
  if (!bin) throw new Error('LIVEKIT_SERVER_BIN is unset: run through scripts/test.sh');
  const [port, tcpPort, udpPort] = [signalPort ?? await freePort(), await freePort(), await freePort()];
  const config = [
    `port: ${port}`,
    'bind_addresses: ["127.0.0.1"]',
    'rtc:',
    `  tcp_port: ${tcpPort}`,
    `  udp_port: ${udpPort}`,
    '  use_external_ip: false',
    // As README recommends for a clinic's LiveKit: keyframe requests to a publisher at most every
    // 200 ms (LiveKit's defaults, 500 ms / 1 s / 1 s, left a second of black screen in some joins).
    '  pli_throttle:',
    '    low_quality: 100ms',
    '    mid_quality: 200ms',
    '    high_quality: 200ms',
    'keys:',
    `  ${LIVEKIT_KEY}: ${LIVEKIT_SECRET}`,
    'logging:',
    '  level: warn',
    ...(webhookUrl ? ['webhook:', `  api_key: ${LIVEKIT_KEY}`, '  urls:', `    - ${webhookUrl}`] : []),
    // LiveKit's own multi-node mode: nodes sharing a Redis route each room to one node.
    ...(redis ? ['redis:', `  address: ${redis}`] : []),
  ].join('\n');
  let child;
  let log = '';
  const launch = async () => {
    child = spawn(bin, ['--node-ip', '127.0.0.1', '--bind', '127.0.0.1'], {
      env: { ...process.env, LIVEKIT_CONFIG: config },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c) => { log += c; });
    child.stderr.on('data', (c) => { log += c; });
    const started = Date.now();
    while (Date.now() - started < 20_000) {
      if (child.exitCode !== null) throw new Error(`livekit-server exited (${child.exitCode}):\n${log}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        if (res.ok) return;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`livekit-server did not answer in 20 s:\n${log}`);
  };
  const stop = async () => {
    if (child) await endProcess(child, 'SIGKILL');
  };
  await launch();
  return { url: `ws://127.0.0.1:${port}`, stop, restart: launch, output: () => log };
}

/** Server flags for the LiveKit provider against `livekit` (from startLivekit). */
export const livekitArgs = (livekit, secret = LIVEKIT_SECRET) => [
  '--provider', 'livekit', '--livekit-url', livekit.url,
  '--livekit-api-key', LIVEKIT_KEY, '--livekit-api-secret', secret,
];

/**
 * A second camera, "Second camera" (deviceId canvas-camera), and a listed but unplugged one
 * (unplugged-camera), for pages of `context`. Chromium's second fake capture device
 * (--use-fake-device-for-media-stream=device-count=2) feeds previews but never an encoder
 * (measured: plain-JS replaceTrack to it freezes the outbound video too), so the second camera
 * is canvas-backed. Everything the app does — enumerateDevices, the picker, getUserMedia with an
 * exact deviceId, replacing the sent track, stopping the old camera — runs for real.
 */
export async function fakeSecondCamera(context) {
  await context.addInitScript(() => {
    const devices = navigator.mediaDevices;
    const enumerate = devices.enumerateDevices.bind(devices);
    devices.enumerateDevices = async () => [
      ...(await enumerate()),
      Object.create(MediaDeviceInfo.prototype, {
        deviceId: { value: 'canvas-camera' }, kind: { value: 'videoinput' },
        label: { value: 'Second camera' }, groupId: { value: 'canvas' },
      }),
      // Listed, but unplugged: getUserMedia (Chromium's own) rejects it with OverconstrainedError.
      Object.create(MediaDeviceInfo.prototype, {
        deviceId: { value: 'unplugged-camera' }, kind: { value: 'videoinput' },
        label: { value: 'Unplugged camera' }, groupId: { value: 'gone' },
      }),
    ];
    const gum = devices.getUserMedia.bind(devices);
    devices.getUserMedia = async (c) => {
      if (c?.video?.deviceId?.exact !== 'canvas-camera') return gum(c);
      const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 240 });
      const g = canvas.getContext('2d');
      let n = 0;
      setInterval(() => { g.fillStyle = `hsl(${n++ % 360},80%,50%)`; g.fillRect(0, 0, 320, 240); }, 33);
      const stream = canvas.captureStream(30);
      window.__tracks.push(...stream.getTracks());
      return stream;
    };
  });
}

/** The id of the video track the page sends now (on any of its open peer connections). */
export async function sentVideoTrackId(page) {
  return page.evaluate(() => window.__pcs
    .filter((p) => p.connectionState !== 'closed')
    .flatMap((p) => p.getSenders())
    .find((s) => s.track?.kind === 'video')?.track.id);
}

/**
 * Asserts that `page` released everything a call opened: every recorded camera/microphone track
 * `ended` (at least the two of a call), every peer connection `closed`.
 */
export async function assertReleased(page) {
  const released = await page.evaluate(() => ({
    tracks: window.__tracks.map((x) => x.readyState),
    pcs: window.__pcs.map((p) => p.connectionState),
  }));
  assert.ok(released.tracks.length >= 2 && released.tracks.every((s) => s === 'ended'), JSON.stringify(released));
  assert.ok(released.pcs.every((s) => s === 'closed'), JSON.stringify(released));
}

/**
 * Linux traffic control on the loopback interface, through which all traffic between the browsers
 * of this machine flows: the UDP packets sent from any of local `ports` go through an htb class
 * of `rate` with a FIFO of `queue` packets (over IPv4 and IPv6: Chromium may pick either for a
 * loopback pair). With `shortPackets`, packets under 256 bytes pass unshaped first (Opus audio and
 * RTCP feedback, as on an uplink too narrow for video but fine for speech). Returns `lift()`,
 * which removes it; call it also when the test fails. Needs CAP_NET_ADMIN (the test machines run
 * as root; this kernel has htb and pfifo, no `drop` action and no netem).
 */
function shapeUdpFrom(ports, { rate, queue, shortPackets }) {
  const tc = (...args) => execFileSync('tc', args, { stdio: 'pipe' });
  const lift = () => { try { tc('qdisc', 'del', 'dev', 'lo', 'root'); } catch { /* none */ } };
  lift();
  try {
    tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '10', 'r2q', '100000');
    tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit');
    tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', rate, 'ceil', rate);
    tc('qdisc', 'add', 'dev', 'lo', 'parent', '1:20', 'handle', '20:', 'pfifo', 'limit', String(queue));
    let prio = 1;
    if (shortPackets) {
      // IPv4 total length < 256 or IPv6 payload length < 256 (the high byte of the field is 0).
      tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', String(prio++), 'u32',
        'match', 'ip', 'protocol', '17', '0xff', 'match', 'u16', '0x0000', '0xff00', 'at', '2', 'flowid', '1:10');
      tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ipv6', 'prio', String(prio++), 'u32',
        'match', 'ip6', 'protocol', '17', '0xff', 'match', 'u16', '0x0000', '0xff00', 'at', '4', 'flowid', '1:10');
    }
    for (const port of ports) {
      for (const [protocol, match] of [['ip', 'ip'], ['ipv6', 'ip6']]) {
        tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', protocol, 'prio', String(prio++), 'u32',
          'match', match, 'protocol', '17', '0xff', 'match', match, 'sport', String(port), '0xffff', 'flowid', '1:20');
      }
    }
  } catch (e) {
    lift();
    throw new Error(`could not shape UDP with tc (needs root / CAP_NET_ADMIN): ${e.stderr ?? e.message}`);
  }
  return lift;
}

/**
 * A real rate limit on one browser's uplink: `kbit` kbit/s with a 10-packet queue for the UDP
 * packets sent from local `port` that are 256 bytes or longer (video). See [`shapeUdpFrom`].
 */
export function limitUdpFrom(port, kbit) {
  return shapeUdpFrom([port], { rate: `${kbit}kbit`, queue: 10, shortPackets: true });
}

/**
 * A media path cut off, as when a network starts blocking it: every UDP packet sent from any of
 * local `ports` goes through 8 bit/s with a one-packet queue, so all but one every few minutes
 * are dropped. See [`shapeUdpFrom`].
 */
export function dropUdpFrom(ports) {
  if (!ports?.length) throw new Error('no media port to cut off');
  return shapeUdpFrom(ports, { rate: '8bit', queue: 1, shortPackets: false });
}

/** Bytes the rate limit of [`limitUdpFrom`] let through and dropped so far. */
export function limitCounters() {
  const out = execFileSync('tc', ['-s', 'class', 'show', 'dev', 'lo', 'classid', '1:20'], { encoding: 'utf8' });
  const m = out.match(/Sent (\d+) bytes (\d+) pkt \(dropped (\d+)/);
  return m ? { bytes: Number(m[1]), packets: Number(m[2]), dropped: Number(m[3]) } : null;
}

/** The local UDP port of the page's media path (the selected ICE candidate pair's local side). */
export async function mediaPort(page) {
  return page.evaluate(async () => {
    const pc = window.__pcs.filter((p) => p.connectionState === 'connected').at(-1);
    if (!pc) return null;
    const stats = await pc.getStats();
    let pairId = null;
    stats.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId; });
    const pair = pairId && stats.get(pairId);
    const local = pair && stats.get(pair.localCandidateId);
    return local ? local.port : null;
  });
}

/**
 * Every local UDP port the page's live peer connection gathered (its host candidates): ICE moves
 * to another of them when one path is cut, so a test cutting the media path cuts them all.
 */
export async function candidatePorts(page) {
  return page.evaluate(async () => {
    const pc = window.__pcs.filter((p) => p.connectionState === 'connected').at(-1);
    if (!pc) return [];
    const ports = new Set();
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'local-candidate' && r.protocol === 'udp' && r.port) ports.add(r.port);
    });
    return [...ports];
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
async function listening(port) {
  const { connect } = await import('node:net');
  return new Promise((r) => {
    const sock = connect(port, '127.0.0.1', () => { sock.destroy(); r(true); });
    sock.on('error', () => r(false));
  });
}

/** Sends `signal` to `child` unless it has already ended, and waits until it has. */
async function endProcess(child, signal) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }
}

// ---------------------------------------------------------------- scale-out: real PostgreSQL,
// Redis and nginx from Debian's packages (scripts/setup.sh --scale), each started here on
// loopback in a temporary folder and stopped by the caller.

/** A throwaway PostgreSQL (scripts/postgres.sh). Resolves to { url, stop() }. */
export async function startPostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'teleconsult-pg-'));
  execFileSync('chmod', ['755', dir]);
  const url = execFileSync('scripts/postgres.sh', ['start', join(dir, 'pg'), String(await freePort())], { encoding: 'utf8' }).trim();
  return {
    url,
    stop() {
      try { execFileSync('scripts/postgres.sh', ['stop', join(dir, 'pg')]); } catch { /* already down */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A throwaway redis-server. Resolves to { url, address (host:port), stop() }. */
export async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor(() => listening(port), 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    async stop() {
      await endProcess(child, 'SIGTERM');
    },
  };
}

/**
 * nginx as the load balancer, WebSocket upgrade on. `routes` maps a name to a list of upstream
 * `host:port`s, the first ones primary and any after a `'backup'` marker used only when the
 * primaries refuse (as a load balancer's health check would). Resolves to { urls: { name: url },
 * stop() }.
 */
export async function startNginx(routes) {
  const dir = mkdtempSync(join(tmpdir(), 'teleconsult-nginx-'));
  execFileSync('chmod', ['777', dir]);
  const urls = {};
  const blocks = [];
  for (const [name, servers] of Object.entries(routes)) {
    const port = await freePort();
    urls[name] = `http://127.0.0.1:${port}`;
    let backup = false;
    const lines = [];
    for (const s of servers) {
      if (s === 'backup') { backup = true; continue; }
      lines.push(`    server ${s} max_fails=1 fail_timeout=2s${backup ? ' backup' : ''};`);
    }
    blocks.push(`  upstream ${name} {\n${lines.join('\n')}\n  }`);
    blocks.push(`  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${name};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_read_timeout 1h;
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout http_502;
    }
  }`);
  }
  const conf = `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
${blocks.join('\n')}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const bin = ['/usr/sbin/nginx', 'nginx'].find((b) => b === 'nginx' || existsSync(b));
  const child = spawn(bin, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (c) => { log += c; });
  child.stderr.on('data', (c) => { log += c; });
  const firstPort = Number(new URL(Object.values(urls)[0]).port);
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}):\n${log}`);
    return listening(firstPort);
  }, 10_000);
  return {
    urls,
    output: () => log + (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''),
    async stop() {
      await endProcess(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
