// Trunk post-build hook: ships LiveKit's browser SDK (npm livekit-client, pinned in
// package-lock.json) in dist/ under a content-hashed name, and writes that name into
// index.html's <meta name="teleconsult-livekit-sdk">. The app import()s it only when a LiveKit
// call starts, so sign-in and the dashboards never fetch it. The hashed name is cached as
// immutable by the reference server (and should be by any CDN).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('run by Trunk as a post_build hook (TRUNK_STAGING_DIR is unset)');
// The minified UMD build: 154 KB gzip against 318 KB for the unminified ESM build. Imported as a
// module it defines globalThis.LivekitClient.
const sdk = readFileSync('node_modules/livekit-client/dist/livekit-client.umd.js');
const name = `livekit-client-${createHash('sha256').update(sdk).digest('hex').slice(0, 16)}.js`;
writeFileSync(join(staging, name), sdk);
const indexPath = join(staging, 'index.html');
const index = readFileSync(indexPath, 'utf8');
const placeholder = '<meta name="teleconsult-livekit-sdk" content="" />';
if (!index.includes(placeholder)) throw new Error(`index.html lacks ${placeholder}`);
writeFileSync(indexPath, index.replace(placeholder, `<meta name="teleconsult-livekit-sdk" content="${name}" />`));
