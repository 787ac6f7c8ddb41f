// Foundation: the release build, served by the real server, loads, routes and reports problems.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, launchBrowser, newWatchedPage, distWithConfig, axeViolations, DIST } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the app loads and renders the login page without console errors', async () => {
  const context = await browser.newContext();
  const page = await newWatchedPage(context);
  await page.goto(server.url + '/');
  await page.getByRole('heading', { name: 'Sign in to Teleconsult' }).waitFor({ timeout: 15_000 });
  assert.ok(await page.getByLabel('E-mail').isVisible());
  assert.ok(await page.getByLabel('Password').isVisible());
  assert.ok(await page.getByRole('button', { name: 'Sign in' }).isEnabled());
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('config.json is fetched once, with the page, not after the wasm has started', async () => {
  const context = await browser.newContext();
  const page = await newWatchedPage(context);
  await page.goto(server.url + '/');
  await page.getByRole('heading', { name: 'Sign in to Teleconsult' }).waitFor({ timeout: 15_000 });
  const seen = await page.evaluate(() => {
    const entries = performance.getEntriesByType('resource');
    return {
      config: entries.filter((e) => new URL(e.name).pathname === '/config.json').map((e) => e.startTime),
      wasmArrived: entries.find((e) => e.name.endsWith('_bg.wasm'))?.responseEnd,
    };
  });
  // Once: the app's own fetch took the preloaded answer (a mismatch would fetch it twice).
  assert.equal(seen.config.length, 1, JSON.stringify(seen));
  // Asked while the wasm was still arriving (fresh context), so its round trip is not added.
  assert.ok(seen.config[0] < seen.wasmArrived, JSON.stringify(seen));
  // Nor does Chromium warn of a preload left unused or not matching.
  assert.deepEqual(page.consoleAll.filter((m) => m.includes('config.json')), []);
  assert.deepEqual(page.problems, []);
  // The consultation page asks for it the same way.
  assert.match(fs.readFileSync(`${DIST}/consultation.html`, 'utf8'),
    /<link rel="preload" href="config.json" as="fetch" crossorigin="anonymous" \/>/);
  await context.close();
});

test('deep links load the app: a signed-out dashboard leads to login and back', async () => {
  const context = await browser.newContext();
  const page = await newWatchedPage(context);
  for (const [path, role] of [['/doctor', 'doctor'], ['/patient', 'patient'], ['/consultation/12?role=doctor', 'doctor']]) {
    const res = await page.goto(server.url + path);
    assert.equal(res.status(), 200, path);
    await page.getByRole('heading', { name: 'Sign in to Teleconsult' }).waitFor({ timeout: 15_000 });
    const url = new URL(page.url());
    assert.equal(url.pathname, '/login', path);
    assert.equal(url.searchParams.get('role'), role, path);
    assert.equal(url.searchParams.get('next'), path, path);
  }
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('an unknown path shows the not-found page', async () => {
  const context = await browser.newContext();
  const page = await newWatchedPage(context);
  await page.goto(server.url + '/no/such/page');
  await page.getByRole('heading', { name: 'Page not found' }).waitFor({ timeout: 15_000 });
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('hashed assets are immutable, index.html and config.json are revalidated, wasm is compressed', async (t) => {
  const html = fs.readFileSync(`${DIST}/index.html`, 'utf8');
  const wasm = /href="\/?([^"]+_bg\.wasm)"/.exec(html)?.[1];
  assert.ok(wasm, 'index.html references the wasm');
  const asset = await fetch(`${server.url}/${wasm}`, { headers: { 'accept-encoding': 'br' } });
  assert.equal(asset.status, 200);
  assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(asset.headers.get('content-encoding'), 'br');
  assert.equal(Number(asset.headers.get('content-length')), fs.statSync(`${DIST}/${wasm}.br`).size,
    'the brotli copy written at build time, not compressed per request');
  await asset.arrayBuffer();
  // Figures, not assertions: what the sign-in page fetches, raw / gzip / brotli (issue 13).
  const firstLoad = [...new Set([...html.matchAll(/(?:href=|src=|from |import\()['"]\/?([^'"]+\.(?:wasm|js|css))['"]/g)]
    .map((m) => m[1]))].filter((f) => !/livekit|twilio/.test(f)).concat(['index.html']);
  const total = (suffix) => firstLoad.reduce((n, f) => n + (fs.existsSync(`${DIST}/${f}${suffix}`) ? fs.statSync(`${DIST}/${f}${suffix}`).size : 0), 0);
  t.diagnostic(`first load ${firstLoad.join(' ')}: raw ${total('')} B, gzip ${total('.gz')} B, brotli ${total('.br')} B`);
  // A ceiling against growth, not the goal: issue 13's budget is 200 KB gzip for the sign-in
  // page and the dashboards. The call engine, the provider bindings, the chat and the
  // consultation page are a wasm file of their own (consultation.html): 510,847 B before that
  // split, 359,880 B after it; the pre-call check (camera, microphone, connection probes) moved
  // there too: 312,139 B (2026-12-03). Every visible text then became a catalogue lookup that
  // follows a language switch (issue 17): 351,396 B. Of the main wasm's growth (+97,263 B raw,
  // +38,323 B gzip), the code is +74,993 B (a reactive text node per text instead of a static
  // template, rust-i18n's backend) and the data +21,033 B (the English catalogue, the source).
  // Bengali and Hindi are not in the wasm: a page read in them fetches its catalogue alone
  // (about 7 KB gzip). Then the release build stopped linking panic messages (std rebuilt with
  // the immediate-abort panic strategy, scripts/build-web.sh) and the gzip copies came from
  // zopfli instead of zlib -9: 310,053 B (main wasm 337,438 -> 295,651 B gzip); 311,269 B with
  // sign-in refusals in the reader's language and no English before the catalogue. The hand-over
  // to the consultation page stopped printing and parsing a float (the main app's only one: its
  // code and tables were 20.5 KB gzip) and the start-up fetches stopped being resources:
  // 288,754 B. One view per repeated piece of the dashboards, and the doctors list fetched once
  // without a resource: 286,552 B. The appointment list that retries by itself after a failed
  // load (+3.5 KB) with Leptos's type-erased components (-5.8 KB): 284,149 B; the consultation
  // page's code fetched ahead when a call is near (+1.3 KB of code, none of it fetched before):
  // 285,450 B; and the clinic's provider SDK with it (+1.5 KB: only `provider` of
  // /api/connectivity is decoded; the whole answer's types cost +3.3 KB): 286,970 B; the
  // provider remembered for the next call's SDK (+84 B, as a plain word: serde's JSON cost
  // +100 B): 287,057 B; config.json preloaded by index.html, so that its round trip overlaps the
  // wasm's (+3 B of HTML, a stale comment shortened): 287,060 B; a Bengali or Hindi reader's
  // catalogue asked for with the page too, one round trip sooner (+297 B: the inline script,
  // scripts/catalogue-starter.js, that picks the language as Lang::negotiate does): 287,357 B;
  // the page's HTML comments taken out by the Trunk hook (-185 B): 287,172 B; the call page's
  // "camera starting" words (+30 B: English is compiled into both wasm files): 287,202 B; the
  // doctor told why a patient left whose camera could not start, in the call and in the call
  // history (+162 B: the words, and the leave reason's wire name): 287,364 B.
  // Byte counts are stable, unlike times.
  const FIRST_LOAD_GZIP_CEILING = 287_400;
  assert.ok(total('.gz') <= FIRST_LOAD_GZIP_CEILING,
    `the first load grew to ${total('.gz')} B gzip (ceiling ${FIRST_LOAD_GZIP_CEILING} B; goal 200 KB)`);
  // The main app holds no call code: no provider SDK is named, no LiveKit binding is linked.
  assert.ok(!/teleconsult-(livekit|twilio)/.test(html), 'index.html names no provider SDK');
  const script = firstLoad.filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(`${DIST}/${f}`, 'utf8')).join('');
  assert.ok(!script.includes('publishData'), 'the first load fetches no LiveKit binding');
  for (const media of ['getUserMedia', 'RTCPeerConnection', 'enumerateDevices']) {
    assert.ok(!script.includes(media), `the first load binds no ${media}: the camera and the connection are the other page's`);
  }
  // The consultation page, for the record.
  const call = fs.readFileSync(`${DIST}/consultation.html`, 'utf8');
  const callLoad = [...new Set([...call.matchAll(/(?:href=|src=|from |import\()['"]\/?([^'"]+\.(?:wasm|js|css))['"]/g)]
    .map((m) => m[1]))].filter((f) => !/livekit|twilio/.test(f)).concat(['consultation.html']);
  const callTotal = (suffix) => callLoad.reduce((n, f) => n + (fs.existsSync(`${DIST}/${f}${suffix}`) ? fs.statSync(`${DIST}/${f}${suffix}`).size : 0), 0);
  t.diagnostic(`consultation page ${callLoad.join(' ')}: raw ${callTotal('')} B, gzip ${callTotal('.gz')} B, brotli ${callTotal('.br')} B`);
  assert.ok(callLoad.some((f) => /teleconsult-call-.*\.wasm$/.test(f)), 'consultation.html loads its own wasm');
  // The source pages' comments are for their editors; every visitor would download them.
  for (const [page, text] of [['index.html', html], ['consultation.html', call]]) {
    assert.ok(!text.includes('<!--'), `${page} is served without HTML comments`);
  }
  for (const path of ['/', '/config.json', '/doctor']) {
    const res = await fetch(server.url + path);
    assert.equal(res.headers.get('cache-control'), 'no-cache', path);
  }
});

test('when the app stops, a screen in the page\'s language says so, and its button brings the app back', async () => {
  // The release build aborts on a panic (scripts/build-web.sh): the module traps. A real trap of
  // the app's own module here: an allocation it cannot make (wasm-bindgen's malloc aborts), from
  // a timer (the window's `error` event) and then from a promise reaction (`unhandledrejection`).
  const bn = JSON.parse(fs.readFileSync(`${DIST}/locales/bn.json`, 'utf8'));
  const glue = '/' + /teleconsult-web-[0-9a-f]+\.js/.exec(fs.readFileSync(`${DIST}/index.html`, 'utf8'))[0];
  const context = await browser.newContext();
  await context.addInitScript(() => localStorage.setItem('teleconsult.lang', 'bn'));
  const page = await newWatchedPage(context);
  await page.goto(server.url + '/login');
  await page.locator('html[lang="bn"] #lang-picker').waitFor({ timeout: 15_000 });
  for (const via of ['timer', 'promise']) {
    await page.evaluate(async ([url, via]) => {
      const wasm = await (await import(url)).default();
      const stop = () => wasm.__wbindgen_malloc(0xFFFFFFF0, 8);
      if (via === 'timer') setTimeout(stop); else Promise.resolve().then(stop);
    }, [glue, via]);
    const heading = page.getByRole('heading', { name: bn['crash.heading'] });
    await heading.waitFor({ timeout: 5_000 });
    assert.ok(await heading.evaluate((h) => h === document.activeElement), `${via}: focus on the heading`);
    assert.ok(await page.getByRole('alert').getByText(bn['crash.what_to_do']).isVisible(), via);
    assert.equal(await page.locator('#lang-picker').count(), 0, `${via}: the frozen app is gone`);
    assert.deepEqual(await axeViolations(page), [], via);
    assert.equal(page.problems.length, 1, page.problems.join('\n'));
    assert.match(page.problems.pop(), /unreachable/, via);
    await page.getByRole('button', { name: bn['crash.reload'] }).click();
    await page.locator('html[lang="bn"] #lang-picker').waitFor({ timeout: 15_000 });
  }
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a malformed config.json shows a screen naming the file and the problem', async () => {
  const copy = distWithConfig('{ "apiBaseUrl": "", "roomStatusPollMs": "fast" }');
  const broken = await startServer({ distDir: copy.dir });
  try {
    const context = await browser.newContext();
    const page = await newWatchedPage(context);
    await page.goto(broken.url + '/doctor');
    const alert = page.getByRole('alert');
    await alert.getByRole('heading', { name: "Teleconsult can't start" }).waitFor({ timeout: 15_000 });
    const detail = await page.getByTestId('config-error-detail').textContent();
    assert.match(detail, /config\.json/);
    assert.match(detail, /fast/);
    assert.deepEqual(page.problems, []);
    await context.close();
  } finally {
    await broken.stop();
    copy.cleanup();
  }
});

test('a server that answers the consultation page\'s addresses with the main page is named, not looped', async () => {
  // A real misconfiguration: a web server without consultation.html answers every address with
  // index.html. The main app hands /consultation/… over with a page load, gets itself again, and
  // says what the clinic must fix instead of loading the address for ever.
  const copy = distWithConfig(fs.readFileSync(`${DIST}/config.json`, 'utf8'));
  for (const suffix of ['', '.gz', '.br']) fs.rmSync(`${copy.dir}/consultation.html${suffix}`, { force: true });
  const misconfigured = await startServer({ distDir: copy.dir });
  try {
    const context = await browser.newContext();
    const page = await newWatchedPage(context);
    const documents = [];
    page.on('request', (r) => { if (r.resourceType() === 'document') documents.push(new URL(r.url()).pathname); });
    await page.goto(misconfigured.url + '/consultation/12?role=patient');
    const alert = page.getByRole('alert');
    await alert.getByRole('heading', { name: 'This page cannot load' }).waitFor({ timeout: 15_000 });
    assert.match(await alert.textContent(), /must answer \/consultation\/… and \/check with consultation\.html/);
    // Loaded once by the test and once by the hand-over, then no more.
    await page.waitForTimeout(1_000);
    assert.deepEqual(documents, ['/consultation/12', '/consultation/12']);
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/consultation/12?role=patient');
    assert.deepEqual(await axeViolations(page), []);
    assert.deepEqual(page.problems, []);
    await context.close();
  } finally {
    await misconfigured.stop();
    copy.cleanup();
  }
});
