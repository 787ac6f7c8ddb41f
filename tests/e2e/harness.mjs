// Shared pieces of the end-to-end tests: a real teleconsult-server on a free loopback port with
// its own temporary data folder, and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, cpSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const SERVER_BIN = process.env.TELECONSULT_SERVER_BIN ?? 'target/debug/teleconsult-server';
export const DIST = process.env.TELECONSULT_TEST_DIST ?? 'dist';

/** Chromium flags measured in shared/TOOLCHAIN.md: no network chatter, fake media, loopback ICE. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
];

/**
 * Starts the server. Resolves to { url, stop, dataDir, output() } once it logs its address.
 * `distDir` defaults to the release build under test; `args` are extra flags.
 */
export async function startServer({ distDir = DIST, args = [], env = {} } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'teleconsult-e2e-'));
  const child = spawn(SERVER_BIN, ['--addr', '127.0.0.1:0', '--data-dir', dataDir, '--dist-dir', distDir, ...args], {
    env: { ...process.env, NO_COLOR: '1', RUST_LOG: 'info,tower_http=warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${log}`)), 20_000);
    const onData = (chunk) => {
      log += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${log}`)); });
  });
  return {
    url,
    dataDir,
    output: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
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

/** A page that records console errors and uncaught exceptions in `page.problems`. */
export async function newWatchedPage(context) {
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  return page;
}
