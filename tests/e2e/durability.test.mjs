// Durability: the server killed with SIGKILL in the middle of a stream of bookings,
// confirmations and cancellations keeps every change it acknowledged, and no half-written row;
// and an online backup taken while it serves holds a consistent copy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, cpSync, rmSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, apiToken } from './harness.mjs';

const SERVER_BIN = process.env.TELECONSULT_SERVER_BIN ?? 'target/debug/teleconsult-server';
let server;

before(async () => { server = await startServer({ args: ['--demo'] }); });
after(async () => { await server?.stop(); });

const api = (token) => async (method, path, body) => {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: res.ok ? await res.json() : null };
};

async function appointments(token) {
  const { status, json } = await api(token)('GET', '/api/appointments');
  assert.equal(status, 200);
  return json.appointments ?? json;
}

test('a SIGKILL mid-stream loses no acknowledged change and leaves no half-written row', async (t) => {
  const patientToken = await apiToken(server.url, 'patient@example.com', 'patient-demo');
  const doctorToken = await apiToken(server.url, 'doctor@example.com', 'doctor-demo');
  const patient = api(patientToken);
  const doctor = api(doctorToken);
  const doctorId = (await patient('GET', '/api/doctors')).json[0].id;

  // Acknowledged state per appointment: what the last 2xx answer said. A change whose answer
  // never came (in flight at the kill) may or may not have been applied: its target is allowed.
  const acknowledged = new Map();
  const inFlight = new Map();
  let stop = false;
  let requests = 0;
  const worker = async (w) => {
    for (let i = 0; !stop; i++) {
      try {
        // One slot per worker and step, four hours apart: no two requests ask for the same time.
        const at = new Date(Date.now() + 2 * 86_400_000 + (i * 4 + w) * 3_600_000).toISOString();
        const made = await patient('POST', '/api/appointments', { doctor_id: doctorId, scheduled_at: at, reason: `durability ${w}-${i}` });
        requests++;
        if (made.status !== 201) continue;
        acknowledged.set(made.json.id, made.json.status);
        const action = i % 3 === 0 ? 'cancel' : 'confirm';
        inFlight.set(made.json.id, action === 'cancel' ? 'cancelled' : 'confirmed');
        const acted = await (action === 'cancel' ? patient : doctor)('POST', `/api/appointments/${made.json.id}/${action}`);
        requests++;
        inFlight.delete(made.json.id);
        if (acted.status === 200) acknowledged.set(made.json.id, acted.json.status);
      } catch {
        return; // the server is gone: this request has no answer, so nothing was acknowledged
      }
    }
  };
  const workers = [0, 1, 2, 3].map(worker);
  await new Promise((r) => setTimeout(r, 1_500));
  await server.restart({ signal: 'SIGKILL', downMs: 200 });
  stop = true;
  await Promise.all(workers);
  t.diagnostic(`${requests} requests answered before the kill; ${acknowledged.size} appointments acknowledged`);
  assert.ok(acknowledged.size >= 20, `a real stream: ${acknowledged.size} appointments`);

  const after = new Map((await appointments(doctorToken)).map((a) => [a.id, a]));
  for (const [id, status] of acknowledged) {
    assert.ok(after.has(id), `appointment ${id} was acknowledged (${status}) and is gone`);
    const stored = after.get(id).status;
    assert.ok(stored === status || stored === inFlight.get(id),
      `appointment ${id}: acknowledged ${status}${inFlight.has(id) ? ` (then ${inFlight.get(id)} in flight)` : ''}, stored ${stored}`);
  }
  // No half-written row: every row reads back whole through the API.
  for (const a of after.values()) {
    assert.ok(a.id && a.status && a.scheduled_at && a.patient && a.doctor, JSON.stringify(a));
  }
});

test('an online backup taken while the server runs is a consistent, usable copy', async (t) => {
  const token = await apiToken(server.url, 'doctor@example.com', 'doctor-demo');
  const live = await appointments(token);
  const dir = mkdtempSync(join(tmpdir(), 'teleconsult-backup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'copy.sqlite3');
  execFileSync(SERVER_BIN, ['--data-dir', server.dataDir, 'backup', file], { stdio: 'pipe' });
  // Refuses to overwrite, and refuses a data folder without a database (a mistyped --data-dir
  // must not produce an empty "backup").
  assert.throws(() => execFileSync(SERVER_BIN, ['--data-dir', server.dataDir, 'backup', file], { stdio: 'pipe' }));
  const stray = join(dir, 'stray.sqlite3');
  assert.throws(() => execFileSync(SERVER_BIN, ['--data-dir', join(dir, 'no-such-folder'), 'backup', stray], { stdio: 'pipe' }));
  assert.ok(!existsSync(stray) && !existsSync(join(dir, 'no-such-folder')));
  // Restore into a fresh data folder (the copy, with the folder's secrets) and serve from it.
  const restored = mkdtempSync(join(tmpdir(), 'teleconsult-restored-'));
  for (const f of readdirSync(server.dataDir)) {
    if (!f.startsWith('teleconsult.sqlite3')) cpSync(join(server.dataDir, f), join(restored, f));
  }
  cpSync(file, join(restored, 'teleconsult.sqlite3'));
  const copy = await startServer({ dataDir: restored });
  t.after(() => copy.stop());
  const res = await fetch(copy.url + '/api/appointments', { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, 'the restored server accepts the same tokens (same secret)');
  const body = await res.json();
  const restoredList = body.appointments ?? body;
  assert.deepEqual(restoredList.map((a) => [a.id, a.status]), live.map((a) => [a.id, a.status]));
});
