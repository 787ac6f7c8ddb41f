// Benchmark: 20 join/leave cycles of the patient on one page (no reload: the dashboard's Join,
// the call, Leave, "Back to your dashboard"), with the doctor staying in the call. After each
// cycle it counts what the page still holds: live camera/microphone tracks, open peer
// connections, the JS heap after a forced garbage collection, and the wasm memory. The
// targets (issue 13): 0 live tracks, 0 open peer connections, JS heap growth under 2 MB. Prints
// figures; asserts nothing. Stops what it started, also when a step fails.
//
//   bench/repeat_calls.sh            (builds, then runs this)
//   CYCLES=20 node bench/repeat_calls.mjs
import {
  startServer, launchBrowser, openParty, apiToken, appointmentId, waitCallState,
} from '../tests/e2e/harness.mjs';

const CYCLES = Number(process.env.CYCLES ?? 20);
const OPEN_NOW = 'Follow-up on blood pressure';

const started = [];
// A promise that rejects with no handler would end node before any `finally` runs (that is how
// a failed call once left both servers running): stop what was started, then fail.
process.once('unhandledRejection', async (e) => {
  console.error(e);
  for (const stop of started.reverse()) await stop().catch(() => {});
  process.exit(1);
});
async function stopAll() {
  for (const stop of started.reverse()) await stop().catch(() => {});
}
// openParty registers each context's close with a test context; here they go on `started`.
const scope = { after: (fn) => started.push(async () => fn()) };

try {
  const server = await startServer({ args: ['--demo'] });
  started.push(() => server.stop());
  const browser = await launchBrowser();
  started.push(() => browser.close());
  const id = await appointmentId(server.url, await apiToken(server.url, 'patient@example.com', 'patient-demo'), OPEN_NOW);

  const doctor = await openParty(scope, browser, server.url, 'doctor@example.com', 'doctor-demo');
  await doctor.page.goto(`${server.url}/consultation/${id}?role=doctor`);
  await waitCallState(doctor.page, 'waiting', 20_000);

  const patient = await openParty(scope, browser, server.url, 'patient@example.com', 'patient-demo');
  const page = patient.page;
  await page.addInitScript(() => {
    addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; });
  });
  await page.reload();
  await page.getByTestId(`join-${id}`).waitFor({ timeout: 15_000 });
  const cdp = await patient.context.newCDPSession(page);
  const held = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    return page.evaluate((usedSize) => ({
      tracks: window.__tracks.filter((t) => t.readyState === 'live').length,
      pcs: window.__pcs.filter((p) => p.connectionState !== 'closed').length,
      heapMb: usedSize / 1048576,
      wasmMb: (window.__wasm?.memory?.buffer.byteLength ?? 0) / 1048576,
    }), heap.usedSize);
  };

  const before = await held();
  await page.evaluate(() => { window.__sameDocument = true; });
  const rows = [];
  for (let i = 1; i <= CYCLES; i++) {
    const t0 = Date.now();
    await page.getByTestId(`join-${id}`).click();
    await waitCallState(page, 'active', 20_000);
    await page.waitForFunction(() => document.querySelector('video[data-testid="remote-video"]')?.videoWidth > 0, null, { timeout: 20_000 });
    await page.getByRole('button', { name: 'Leave consultation' }).click();
    await waitCallState(page, 'ended', 10_000);
    await page.getByRole('link', { name: 'Back to your dashboard' }).click();
    await page.getByTestId(`join-${id}`).waitFor({ timeout: 15_000 });
    const cycleMs = Date.now() - t0;
    rows.push({ cycle: i, cycleMs, ...(await held()) });
    await waitCallState(doctor.page, 'peer-left', 10_000);
  }
  const after = rows.at(-1);
  const sameDocument = await page.evaluate(() => window.__sameDocument === true);

  console.log(`\nRepeated calls: ${CYCLES} join/leave cycles of the patient on one page (the doctor stays)`);
  console.log('cycle  ms     live tracks  open PCs  JS heap MB  wasm MB');
  for (const r of rows) {
    console.log(`${String(r.cycle).padStart(5)}  ${String(r.cycleMs).padStart(5)}  ${String(r.tracks).padStart(11)}  ${String(r.pcs).padStart(8)}  ${r.heapMb.toFixed(2).padStart(10)}  ${r.wasmMb.toFixed(1).padStart(7)}`);
  }
  const ms = rows.map((r) => r.cycleMs).sort((a, b) => a - b);
  console.log(`\nbefore: JS heap ${before.heapMb.toFixed(2)} MB, wasm ${before.wasmMb.toFixed(1)} MB; after: live tracks ${after.tracks} (target 0), open peer connections ${after.pcs} (target 0), JS heap ${after.heapMb.toFixed(2)} MB (growth ${(after.heapMb - before.heapMb).toFixed(2)} MB, target < 2), wasm ${after.wasmMb.toFixed(1)} MB`);
  console.log(`cycle time: median ${ms[Math.floor(ms.length / 2)]} ms, min ${ms[0]} ms, max ${ms.at(-1)} ms; all on one page without a reload: ${sameDocument}`);
  console.log(`bench-result repeat_calls cycles=${CYCLES} live_tracks=${after.tracks} open_pcs=${after.pcs} heap_growth_mb=${(after.heapMb - before.heapMb).toFixed(2)} median_cycle_ms=${ms[Math.floor(ms.length / 2)]}`);
} finally {
  await stopAll();
}
