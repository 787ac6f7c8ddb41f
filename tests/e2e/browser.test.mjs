// The test browser itself: Chromium keeps only the last `--disable-features` of its command
// line, so ours must carry every feature Playwright turns off as well as our own (harness.mjs,
// DISABLED_FEATURES). Read back from the running browser's command line (/proc), which is what
// Chromium applies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { launchBrowser } from './harness.mjs';

/** The command lines of this process's child processes. */
function childCommandLines() {
  const lines = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
    } catch {
      // The process ended while it was read.
    }
  }
  return lines;
}

test('the browser runs with Playwright\'s disabled features and ours, in one switch', async () => {
  const browser = await launchBrowser();
  try {
    const [args] = childCommandLines().filter((a) => a.some((x) => x.startsWith('--remote-debugging-pipe')));
    assert.ok(args, 'the browser is a child of this process');
    const switches = args.filter((a) => a.startsWith('--disable-features=')).map((a) => a.slice('--disable-features='.length).split(','));
    assert.ok(switches.length >= 1);
    const applied = new Set(switches.at(-1));
    const lost = switches.flat().filter((f) => !applied.has(f));
    assert.deepEqual(lost, [], 'an earlier --disable-features names features the last one drops');
    for (const f of ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'HttpsUpgrades']) assert.ok(applied.has(f), f);
  } finally {
    await browser.close();
  }
});
