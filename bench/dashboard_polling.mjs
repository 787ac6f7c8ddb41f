// Benchmark: room-status requests per minute made by one open patient dashboard, with 1, 10 and
// 50 appointments inside their join windows, while the tab is visible and while it is hidden.
// Requests are counted at the server, from its per-request trace log (tower_http at debug).
// Prints figures; asserts nothing.
//
//   bench/dashboard_polling.sh            (builds, then runs this)
//   MEASURE_S=60 node bench/dashboard_polling.mjs
import { startServer, launchBrowser, signIn, apiToken } from '../tests/e2e/harness.mjs';

const MEASURE_S = Number(process.env.MEASURE_S ?? 60);
const server = await startServer({ args: ['--demo'], env: { RUST_LOG: 'info,tower_http=debug' } });
const browser = await launchBrowser();
const statusRequests = () => (server.output().match(/uri=\/api\/rooms\/status\S*[^\n]*started processing request/g) ?? []).length;

try {
  // Nadia's demo appointment is an hour away (not watched); each scenario adds confirmed
  // appointments starting in 10 minutes, whose windows are open.
  const patient = await apiToken(server.url, 'patient2@example.com', 'patient2-demo');
  const doctor = await apiToken(server.url, 'doctor@example.com', 'doctor-demo');
  let created = 0;
  async function addAppointments(n) {
    for (let i = 0; i < n; i++) {
      const at = new Date(Date.now() + 10 * 60_000 + created * 1000).toISOString();
      const res = await fetch(`${server.url}/api/appointments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${patient}`, 'content-type': 'application/json' },
        body: JSON.stringify({ doctor_id: 1, scheduled_at: at, reason: `bench ${created}` }),
      });
      const { id } = await res.json();
      await fetch(`${server.url}/api/appointments/${id}/confirm`, { method: 'POST', headers: { authorization: `Bearer ${doctor}` } });
      created++;
    }
  }
  const context = await browser.newContext();
  const login = await context.newPage();
  await signIn(login, server.url, 'patient2@example.com', 'patient2-demo');
  const storage = await context.storageState();
  await context.close();

  console.log(`room-status requests per minute from one open dashboard (counted at the server, ${MEASURE_S} s windows)`);
  for (const target of [1, 10, 50]) {
    await addAppointments(target - created);
    const ctx = await browser.newContext({ storageState: storage });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/patient`);
    await page.getByRole('heading', { name: 'Your appointments' }).waitFor();
    await page.waitForTimeout(3000);
    const measure = async () => {
      const before = statusRequests();
      await page.waitForTimeout(MEASURE_S * 1000);
      return ((statusRequests() - before) * 60) / MEASURE_S;
    };
    const visible = await measure();
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const hidden = await measure();
    console.log(`  ${String(target).padStart(2)} appointments in window: visible ${visible.toFixed(1)}/min, hidden ${hidden.toFixed(1)}/min`);
    console.log(`bench-result dashboard_polling_${target} visible_per_min=${visible.toFixed(1)} hidden_per_min=${hidden.toFixed(1)}`);
    await ctx.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
