// Opens one page with a player (mpegts.js, as Streamlet serves it) for each of N streams in the system's headless
// Chromium, lets them play, and prints one JSON line with what it measured; ManyPlayersBrowserIT asserts on it.
//
//   node many.cjs APP STREAM_PREFIX N WAIT_MS BASE_URL...
//
// For each BASE_URL in turn (one browser, one page each), plays BASE_URL/APP/STREAM_PREFIX{0..N-1}.flv and prints a
// line. The page is this script's own (the player page is not for many streams), answered by the browser itself at
// a URL of BASE_URL's origin. It waits up to WAIT_MS for every player to show frames, then
// samples each player twice, 2 s apart: a player plays when both its frame count (requestVideoFrameCallback)
// and its currentTime went on between the samples. Chromium's own record of each stream request gives its protocol
// ("h2", "http/1.1"). Environment: CHROMIUM (default /usr/bin/chromium); NODE_PATH must reach playwright-core.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [app, prefix, countArg, waitArg, ...bases] = process.argv.slice(2);
const count = Number(countArg);
const waitMs = Number(waitArg);
// Between the two samples of each player. With 16 software-decoded videos on a busy machine a player may show no
// new frame for a moment; 2 s tells that apart from a stream that does not flow.
const SAMPLE_MS = 2000;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>${count} players</title>
<style>body{margin:0;display:grid;grid-template-columns:repeat(4,1fr)}video{width:100%;background:#000}</style>
<script src="/js/mpegts.js"></script></head><body></body></html>`;

// Runs in the page: one muted video (autoplay needs no gesture then) and one mpegts.js player per stream.
function startPlayers({ urls }) {
  window.players = urls.map((url) => {
    const video = document.createElement('video');
    video.muted = true;
    document.body.appendChild(video);
    const state = { url, frames: 0, error: null, video };
    const countFrame = () => { state.frames++; video.requestVideoFrameCallback(countFrame); };
    video.requestVideoFrameCallback(countFrame);
    const player = mpegts.createPlayer({ type: 'flv', isLive: true, url }, { enableWorker: false, lazyLoad: false });
    player.on(mpegts.Events.ERROR, (type, detail) => { state.error = `${type}: ${detail}`; });
    player.attachMediaElement(video);
    player.load();
    video.play().catch((e) => { state.error = String(e); });
    return state;
  });
}

function sample() {
  return window.players.map((p) => ({ url: p.url, frames: p.frames, currentTime: p.video.currentTime, error: p.error }));
}

async function measure(context, base) {
  const page = await context.newPage();
  try {
    const consoleErrors = [];
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    // The protocol of each stream request, as Chromium's network stack reports it.
    const protocols = {};
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.responseReceived', (e) => {
      if (e.response.url.endsWith('.flv')) protocols[e.response.url] = e.response.protocol;
    });

    // The page, at a URL of the server's origin; routing ends before the streams start, so they go to the server.
    const pageUrl = `${base}/many-players.html`;
    await page.route(pageUrl, (route) => route.fulfill({ contentType: 'text/html', body: PAGE }));
    await page.goto(pageUrl, { waitUntil: 'load' });
    await page.unroute(pageUrl);
    const urls = [...Array(count).keys()].map((i) => `${base}/${app}/${prefix}${i}.flv`);
    const started = Date.now();
    await page.evaluate(startPlayers, { urls });
    await page.waitForFunction(() => window.players.every((p) => p.frames > 0), null, { timeout: waitMs })
      .catch(() => {});
    const allShowingMs = Date.now() - started;
    await page.waitForTimeout(1000); // let the last to start settle
    const before = await page.evaluate(sample);
    await page.waitForTimeout(SAMPLE_MS);
    const after = await page.evaluate(sample);

    const players = after.map((p, i) => ({
      url: p.url,
      protocol: protocols[p.url] || null,
      frames: p.frames,
      framesBefore: before[i].frames,
      currentTime: p.currentTime,
      currentTimeBefore: before[i].currentTime,
      playing: p.frames > before[i].frames && p.currentTime > before[i].currentTime,
      error: p.error,
    }));
    return { base, playing: players.filter((p) => p.playing).length, allShowingMs, players, consoleErrors };
  } finally {
    await page.close(); // ends its streams before the next page
  }
}

async function main() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamlet-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    ignoreHTTPSErrors: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--ignore-certificate-errors',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    for (const base of bases) process.stdout.write(JSON.stringify(await measure(context, base)) + '\n');
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
