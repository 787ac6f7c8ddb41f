// Shared by the call-setup benchmarks (call_setup.mjs, livekit_call_setup.mjs): the probe put in
// every benchmarked page, and the figures printed from what it noted.
import { writeFileSync } from 'node:fs';
import { waitFor } from '../tests/e2e/harness.mjs';

/**
 * Init script for a benchmarked page ([`addProbe`]; it runs in the page, so it
 * uses nothing from this module). The clock starts at the join request (POST …/join, the first
 * step of joining in the app and in both baselines): `window.__joinAt`. It ends at the first
 * decoded remote video frame (requestVideoFrameCallback): `window.__firstFrame`. Both are
 * performance.now() milliseconds.
 *
 * In between, `window.__marks` notes, once each, when every step of joining first happened, so
 * a slower client shows where it loses time: the join answer and other fetches (numbers in
 * their paths shown as …), the camera and microphone, the signaling socket's opening and each
 * kind of JSON frame sent (→) and received (←), the peer connection's ICE and connection
 * states, and the first remote track. Binary frames (LiveKit's protobuf signaling) are counted
 * as "binary". Nothing is noted before the join request. `window.__longTaskMs` sums the long
 * tasks between the join request and the first frame.
 *
 * Before the join request, `window.__loadMarks` notes the page's own steps in ms from its
 * navigation: when the app's module started (Trunk's `TrunkApplicationStarted`) and when each
 * fetch was asked; [`setupFigures`] adds when each file arrived (resource timing).
 */
export function probe() {
  const marks = {};
  window.__marks = marks;
  const mark = (step) => {
    if (window.__joinAt !== undefined && marks[step] === undefined) marks[step] = performance.now() - window.__joinAt;
  };
  const loadMarks = {};
  window.__loadMarks = loadMarks;
  const markLoad = (step) => {
    if (window.__joinAt === undefined && loadMarks[step] === undefined) loadMarks[step] = performance.now();
  };
  addEventListener('TrunkApplicationStarted', () => markLoad('app module started'));
  const realFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input.url;
    const isJoin = url.includes('/join') && window.__joinAt === undefined;
    const path = new URL(url, location.href).pathname.replace(/\/\d+(?=\/|$)/g, '/…');
    markLoad(`asked ${path}`);
    if (isJoin) window.__joinAt = performance.now();
    const answer = realFetch(input, init);
    answer.then(() => mark(isJoin ? 'join answered' : `fetched ${path}`), () => {});
    return answer;
  };
  const media = navigator.mediaDevices;
  if (media) {
    const getUserMedia = media.getUserMedia.bind(media);
    const cameraMs = window.__cameraMs ?? 0;
    const cameraDelay = () => new Promise((resolve) => { setTimeout(resolve, cameraMs); });
    media.getUserMedia = (constraints) => Promise.all([getUserMedia(constraints), cameraDelay()]).then(([stream]) => {
      mark('camera and microphone');
      return stream;
    });
  }
  const frameType = (data) => {
    if (typeof data !== 'string') return 'binary';
    try {
      return JSON.parse(data).type ?? 'untyped';
    } catch {
      return 'not JSON';
    }
  };
  const RealSocket = window.WebSocket;
  const Socket = function (url, protocols) {
    const socket = protocols === undefined ? new RealSocket(url) : new RealSocket(url, protocols);
    socket.addEventListener('open', () => mark('socket open'));
    socket.addEventListener('message', (e) => mark(`← ${frameType(e.data)}`));
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      mark(`→ ${frameType(data)}`);
      send(data);
    };
    return socket;
  };
  Object.assign(Socket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  Socket.prototype = RealSocket.prototype;
  window.WebSocket = Socket;
  const RealPeer = window.RTCPeerConnection;
  const Peer = function (config) {
    const pc = new RealPeer(config);
    mark('peer connection created');
    pc.addEventListener('iceconnectionstatechange', () => mark(`ICE ${pc.iceConnectionState}`));
    pc.addEventListener('connectionstatechange', () => mark(`connection ${pc.connectionState}`));
    pc.addEventListener('track', () => mark('remote track'));
    return pc;
  };
  Object.setPrototypeOf(Peer, RealPeer);
  Peer.prototype = RealPeer.prototype;
  window.RTCPeerConnection = Peer;
  // Time in long tasks (≥ 50 ms on the main thread; they delay every event of the call) between
  // the join request and the first frame.
  window.__longTaskMs = 0;
  new PerformanceObserver((list) => {
    for (const t of list.getEntries()) {
      if (window.__joinAt === undefined || t.startTime + t.duration < window.__joinAt || window.__firstFrame !== undefined) continue;
      window.__longTaskMs += t.duration;
    }
  }).observe({ type: 'longtask', buffered: true });
  const watch = () => {
    const v = document.querySelector('video[data-testid="remote-video"], video#remote');
    if (v && v.srcObject) {
      v.requestVideoFrameCallback(() => { window.__firstFrame ??= performance.now(); });
    } else {
      setTimeout(watch, 5);
    }
  };
  document.addEventListener('DOMContentLoaded', watch);
}

/**
 * Waits until the probe in `page` has seen the join request and the first remote frame (fails
 * after `timeoutMs`). Asks with `page.evaluate` (harness `waitFor`) rather than Playwright's
 * `waitForFunction`, which first evaluates Playwright's own script in the page: 9–20 ms of the
 * measured page's main thread during its start-up, in a Chromium trace (2026-12-04), that the app
 * (which starts longer) paid before its join request more often than the baseline.
 */
export async function waitForFirstFrame(page, timeoutMs = 20_000) {
  // The figures are the page's own clock, so how often this asks does not change them.
  await waitFor(() => page.evaluate(() => window.__firstFrame !== undefined && window.__joinAt !== undefined), timeoutMs);
}

/**
 * How long, in ms, the doctor's page is left after its camera opened and it waits in the room,
 * before the patient joins: an SFU client publishes its tracks after that, and a real doctor
 * has been waiting a while. The same for both clients.
 */
export const DOCTOR_SETTLE_MS = 500;

/**
 * Puts [`probe`] into every page of `context`. With CAMERA_MS set, the camera and microphone
 * answer no sooner than that many ms after they were asked for, in both clients alike: a real
 * webcam takes some 0.3–1 s to start, Chromium's fake device some 50 ms.
 */
export async function addProbe(context) {
  await context.addInitScript((ms) => { window.__cameraMs = ms; }, Number(process.env.CAMERA_MS ?? 0));
  await context.addInitScript(probe);
}

/**
 * What one call's patient page noted: `{ ms, fromNavigation, marks, load, longTaskMs }`: `ms`
 * from the join request to the first frame, `fromNavigation` from the page's navigation (its load
 * included) to the first frame, `marks` each step's first time (ms after the join request),
 * `load` the page's steps before the join request (ms from navigation: the probe's
 * `__loadMarks`, the HTML's and every file's arrival with hashes left out of their names, the
 * join request), `longTaskMs` the time in long tasks in between.
 */
export async function setupFigures(page) {
  return page.evaluate(() => {
    const load = { ...window.__loadMarks, 'join requested': window.__joinAt };
    const [nav] = performance.getEntriesByType('navigation');
    if (nav) {
      load['HTML arrived'] = nav.responseEnd;
      load['DOMContentLoaded'] = nav.domContentLoadedEventEnd;
    }
    for (const r of performance.getEntriesByType('resource')) {
      if (r.startTime > window.__joinAt) continue;
      const file = new URL(r.name).pathname.split('/').pop().replace(/-[0-9a-f]{8,}(?=[._])/, '');
      load[`${file} arrived`] ??= r.responseEnd;
    }
    return {
      ms: window.__firstFrame - window.__joinAt,
      fromNavigation: window.__firstFrame,
      marks: window.__marks,
      load,
      longTaskMs: window.__longTaskMs,
    };
  });
}

/**
 * With LATENCY_MS set, adds that much latency to the network of `page` (Chromium's own
 * emulation, CDP `Network.emulateNetworkConditions`, on both clients' pages alike): the clinic's
 * API as far away as a real one, where each round trip before the call counts. It delays every
 * HTTP request; the step table shows it also slows ICE on its way to connected.
 */
export async function emulateLatency(context, page) {
  const latency = Number(process.env.LATENCY_MS ?? 0);
  if (latency > 0) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency, downloadThroughput: -1, uploadThroughput: -1,
    });
  }
}

/** Minimum, median and maximum of a non-empty list of numbers. */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { min: s[0], median: mid, max: s.at(-1) };
}

/** `min … ms, median … ms, max … ms` of [`stats`]' answer. */
export const fmt = (o) => `min ${o.min.toFixed(0)} ms, median ${o.median.toFixed(0)} ms, max ${o.max.toFixed(0)} ms`;

/**
 * Runs `oneCall(kind)` for the app and the other client alternately, `count` times each after
 * one uncounted warm-up call each (both servers' code paths), so that machine noise hits both
 * alike. Resolves to `{ app: [figures], baseline: [figures] }` ([`setupFigures`] of each call).
 */
export async function alternateCalls(oneCall, count) {
  const calls = { app: [], baseline: [] };
  await oneCall('app');
  await oneCall('baseline');
  for (let i = 0; i < count; i++) {
    for (const kind of i % 2 ? ['baseline', 'app'] : ['app', 'baseline']) {
      calls[kind].push(await oneCall(kind));
    }
  }
  return calls;
}

/**
 * Prints the setup times of `calls` (from [`alternateCalls`]) under `title`, the other client
 * labelled `other`: each client's minimum, median and maximum, the ratio of medians, the step
 * tables ([`printSteps`]: the page's load, then the call's steps; with BENCH_DUMP=<file>, every
 * call's figures are written there as JSON) and, when `result` names a benchmark, one
 * `bench-result <result> app_median_ms=… baseline_median_ms=… ratio=…` line for bench/report.sh.
 */
export function printSetup(title, calls, other, result) {
  if (process.env.BENCH_DUMP) writeFileSync(process.env.BENCH_DUMP, JSON.stringify(calls, null, 1));
  const ms = (kind) => calls[kind].map((c) => c.ms);
  const appStats = stats(ms('app'));
  const baseStats = stats(ms('baseline'));
  const ratio = (appStats.median / baseStats.median).toFixed(2);
  const latency = Number(process.env.LATENCY_MS ?? 0);
  const camera = Number(process.env.CAMERA_MS ?? 0);
  const where = (latency > 0 ? `, HTTP requests ${latency} ms slower (LATENCY_MS)` : '')
    + (camera > 0 ? `, cameras open after ${camera} ms (CAMERA_MS)` : '');
  console.log(`${title}, second participant's join → first remote frame, ${calls.app.length} calls each${where}`);
  console.log(`  app      : ${fmt(appStats)}   [${ms('app').map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`  ${other.padEnd(9)}: ${fmt(baseStats)}   [${ms('baseline').map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`  ratio of medians app/${other}: ${ratio}`);
  // The same calls counted from the page's navigation: what a person waits after "Join", page
  // load included (work a client does before its join request is not free).
  const nav = (kind) => stats(calls[kind].map((c) => c.fromNavigation));
  console.log(`  from navigation, app: ${fmt(nav('app'))}; ${other}: ${fmt(nav('baseline'))}; ` +
    `ratio of medians ${(nav('app').median / nav('baseline').median).toFixed(2)}`);
  printSteps({ app: calls.app, [other]: calls.baseline }, 'load', 'page load (median ms from navigation)');
  printSteps({ app: calls.app, [other]: calls.baseline });
  if (result) {
    console.log(`bench-result ${result} app_median_ms=${appStats.median.toFixed(0)} baseline_median_ms=${baseStats.median.toFixed(0)} ratio=${ratio}`);
  }
}

/**
 * Prints, for each client, the median time at which each step was first seen, over the calls
 * where it was seen at all ("seen in" says in how many), in the order of the first client's
 * medians. `calls` is `{ app: [figures], <other>: [figures] }` ([`setupFigures`]); `key` picks
 * the steps: `marks` (ms after the join request, then each client's median time in long tasks)
 * or `load` (ms from navigation), under `heading`.
 */
export function printSteps(calls, key = 'marks', heading = 'step (median ms after the join request)') {
  const kinds = Object.keys(calls);
  const steps = new Set(kinds.flatMap((k) => calls[k].flatMap((c) => Object.keys(c[key] ?? {}))));
  const median = (kind, step) => {
    const xs = calls[kind].map((c) => c[key]?.[step]).filter((x) => x !== undefined);
    return xs.length ? { ms: stats(xs).median, seen: xs.length } : undefined;
  };
  const rows = [...steps].map((step) => ({ step, by: Object.fromEntries(kinds.map((k) => [k, median(k, step)])) }));
  const order = (r) => kinds.map((k) => r.by[k]?.ms).find((x) => x !== undefined) ?? Infinity;
  rows.sort((a, b) => order(a) - order(b));
  const cell = (m, n) => (m ? `${m.ms.toFixed(0).padStart(6)} ms (${m.seen}/${n})` : '—'.padStart(6)).padEnd(18);
  console.log(`  ${heading.padEnd(42)} ${kinds.map((k) => k.padEnd(18)).join('')}`);
  for (const r of rows) {
    console.log(`  ${r.step.padEnd(42)} ${kinds.map((k) => cell(r.by[k], calls[k].length)).join('')}`);
  }
  if (key !== 'marks') return;
  const blocked = (k) => `${stats(calls[k].map((c) => c.longTaskMs ?? 0)).median.toFixed(0)} ms`.padStart(9).padEnd(18);
  console.log(`  ${'in long tasks (≥ 50 ms) before the frame'.padEnd(42)} ${kinds.map(blocked).join('')}`);
}

/**
 * One call held for `holdS` seconds while CDP samples the patient page: `{ cpu, script }` as
 * fractions of one core, `heapStart`, `heapEnd`, `heapMax` in bytes. `side.open(role)` gives
 * `{ context, page, go }`; both contexts are closed at the end, also on failure.
 */
export async function hold(side, holdS) {
  const doctor = await side.open('doctor');
  const patient = await side.open('patient');
  try {
    await doctor.go();
    await doctor.page.waitForTimeout(1000);
    await patient.go();
    await waitForFirstFrame(patient.page);
    const cdp = await patient.context.newCDPSession(patient.page);
    await cdp.send('Performance.enable');
    const metric = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const a = await metric();
    const heaps = [a.JSHeapUsedSize];
    for (let i = 0; i < holdS; i += 5) {
      await patient.page.waitForTimeout(5000);
      heaps.push((await metric()).JSHeapUsedSize);
    }
    const b = await metric();
    return {
      cpu: (b.TaskDuration - a.TaskDuration) / (b.Timestamp - a.Timestamp),
      script: (b.ScriptDuration - a.ScriptDuration) / (b.Timestamp - a.Timestamp),
      heapStart: a.JSHeapUsedSize,
      heapEnd: b.JSHeapUsedSize,
      heapMax: Math.max(...heaps),
    };
  } finally {
    await doctor.context.close();
    await patient.context.close();
  }
}

/** Prints `hold`'s figures for `kind`, then one `bench-result <name>_page_<kind>` line. */
export function printHold(name, kind, holdS, h) {
  const mb = (x) => (x / 1048576).toFixed(1);
  console.log(`${kind} call page over ${holdS} s: main-thread busy ${(h.cpu * 100).toFixed(1)}% of one core (script ${(h.script * 100).toFixed(1)}%), ` +
    `JS heap ${mb(h.heapStart)} → ${mb(h.heapEnd)} MiB (max ${mb(h.heapMax)} MiB)`);
  console.log(`bench-result ${name}_page_${kind} cpu_pct=${(h.cpu * 100).toFixed(1)} heap_max_mib=${mb(h.heapMax)}`);
}
