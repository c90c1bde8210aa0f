// Drives Streamlet's player page in the system's headless Chromium and prints one JSON line with what it
// measured; PlayerPageIT asserts on it. Four modes:
//
//   node play.cjs play PAGE_URL SCREENSHOT_PNG [WAIT_MS]
//       opens the page on a stream, waits for it to play, screenshots it, then ends the stream (kicks its
//       publisher through the API) and reports what the page shows after the end
//   node play.cjs startup PAGE_URL FLV_URL LOADS
//       loads the page and a bare mpegts.js page on the same stream LOADS times each, alternating, after
//       one warm-up load of each, and reports each one's first video frame (requestVideoFrameCallback, ms
//       after the page's HTML arrived) and the StartupStallJumper warnings mpegts.js logged; for the page also
//       whether its text was shown after the first frame, and its layout shift (CLS) up to then
//   node play.cjs refusals BASE_URL AUTHORIZATION SIGN_OF_LOCKED SIGN_OF_NOBODY
//       against a server with a play secret and API Basic auth: what the page says without the API's
//       credentials (AUTHORIZATION, a Basic header), and with them for an unsigned (403), a signed and an
//       unpublished (404) stream, and how often it asked for the refused one
//   node play.cjs hls PAGE_URL WATCH_MS
//       opens the page on a stream's HLS (hls.js), waits for its first frame, then for WATCH_MS counts the video
//       frames presented (requestVideoFrameCallback) and samples every 250 ms (from watchStartedAt) where playback is: the HLS
//       fragment (media sequence number, start and duration on the video's clock), currentTime and the wall
//       clock (Date.now()), from which PlayerPageIT works out the latency behind live; then ends the stream and
//       reports what the page shows once EXT-X-ENDLIST has played out
//
// Environment: CHROMIUM (default /usr/bin/chromium); NODE_PATH must reach playwright-core.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

async function withBrowser(use) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamlet-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    return await use(context);
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

function watchConsole(page) {
  const seen = { errors: [], stallWarnings: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') seen.errors.push(m.text());
    if (m.text().includes('StartupStallJumper')) seen.stallWarnings.push(m.text());
  });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  return seen;
}

const until = (page, fn, arg, timeout) => page.waitForFunction(fn, arg, { timeout }).then(() => true, () => false);

async function play(context, pageUrl, screenshotPath, waitMs) {
  const page = context.pages()[0] || await context.newPage();
  const seen = watchConsole(page);
  await page.goto(pageUrl, { waitUntil: 'load' });

  // The stream list comes from the API; then the first frame (the page times it itself).
  const listed = await until(page, () => document.querySelectorAll('#streams button').length > 0, null, waitMs);
  const firstFrame = await until(page, () => window.streamletPlayer.firstFrameMs !== null
    || window.streamletPlayer.error !== null, null, waitMs);
  const t0 = await page.evaluate(() => document.getElementById('video').currentTime);
  await page.waitForTimeout(1500);
  await until(page, () => document.getElementById('stat-resolution').textContent !== '–', null, 3000);
  const result = await page.evaluate(() => {
    const v = document.getElementById('video');
    const q = v.getVideoPlaybackQuality();
    return {
      streams: [...document.querySelectorAll('#streams .name')].map((e) => e.textContent),
      firstFrameMs: window.streamletPlayer.firstFrameMs,
      error: window.streamletPlayer.error,
      currentTime: v.currentTime,
      videoWidth: v.videoWidth,
      videoHeight: v.videoHeight,
      decodedFrames: q.totalVideoFrames,
      droppedFrames: q.droppedVideoFrames,
      paused: v.paused,
      shownResolution: document.getElementById('stat-resolution').textContent,
      shownUrl: document.getElementById('flv-url').value,
      videoBox: (({ x, y, width, height }) => ({ x, y, width, height }))(v.getBoundingClientRect()),
    };
  });
  result.listed = listed;
  result.firstFrameSeen = firstFrame;
  result.currentTimeBefore = t0;

  await page.screenshot({ path: screenshotPath });
  // How much of the video is not one flat colour: sample the frame drawn into a canvas.
  result.videoPixelSpread = await page.evaluate(() => {
    const v = document.getElementById('video');
    const c = document.createElement('canvas');
    c.width = 64;
    c.height = 36;
    const g = c.getContext('2d');
    g.drawImage(v, 0, 0, c.width, c.height);
    const px = g.getImageData(0, 0, c.width, c.height).data;
    let min = 255;
    let max = 0;
    for (let i = 0; i < px.length; i += 4) {
      const luma = (px[i] * 299 + px[i + 1] * 587 + px[i + 2] * 114) / 1000;
      min = Math.min(min, luma);
      max = Math.max(max, luma);
    }
    return max - min;
  });

  // The publisher goes: the page says so, and its live figures stop instead of freezing on the last values.
  await page.evaluate(async () => {
    const streams = await (await fetch('api/v1/streams')).json();
    const s = streams.streams.find((x) => x.app === window.streamletPlayer.app && x.name === window.streamletPlayer.stream);
    await fetch('api/v1/clients/' + s.publish.cid, { method: 'DELETE' });
  });
  await until(page, () => window.streamletPlayer.error !== null, null, 5000);
  await page.waitForTimeout(2 * 1000);
  result.afterEnd = await page.evaluate(() => ({
    error: window.streamletPlayer.error,
    message: document.getElementById('video-message').textContent,
    stats: ['stat-resolution', 'stat-bitrate', 'stat-latency', 'stat-frames']
      .map((id) => document.getElementById(id).textContent),
  }));
  result.consoleErrors = seen.errors;
  result.stallWarnings = seen.stallWarnings;
  return result;
}

async function hls(context, pageUrl, watchMs) {
  const page = context.pages()[0] || await context.newPage();
  const seen = watchConsole(page);
  await page.goto(pageUrl, { waitUntil: 'load' });
  // Generous: under heavy load Chromium, hls.js and the first segment take a while; the test asserts on playback.
  const firstFrame = await until(page, () => window.streamletPlayer.firstFrameMs !== null
    || window.streamletPlayer.error !== null, null, 30000);
  const result = await page.evaluate(async (watch) => {
    const v = document.getElementById('video');
    if (!v) throw new Error('no video in ' + location.href + ': ' + document.documentElement.outerHTML.slice(0, 500));
    let presented = 0;
    const count = () => { presented++; v.requestVideoFrameCallback(count); };
    v.requestVideoFrameCallback(count);
    const samples = [];
    const watchStartedAt = Date.now();
    const currentTimeBefore = v.currentTime;
    for (let waited = 0; waited < watch; waited += 250) {
      await new Promise((r) => setTimeout(r, 250));
      if (window.streamletPlayer.fragment) {
        samples.push({ at: Date.now(), currentTime: v.currentTime, ...window.streamletPlayer.fragment, rate: v.playbackRate });
      }
    }
    return {
      firstFrameMs: window.streamletPlayer.firstFrameMs,
      error: window.streamletPlayer.error,
      watchStartedAt,
      currentTimeBefore,
      currentTime: v.currentTime,
      framesPresented: presented,
      decodedFrames: v.getVideoPlaybackQuality().totalVideoFrames,
      videoWidth: v.videoWidth,
      shownUrl: document.getElementById('flv-url').value,
      urlKind: document.getElementById('url-kind').textContent,
      usesHlsJs: typeof window.Hls === 'function',
      samples,
    };
  }, watchMs);
  result.firstFrameSeen = firstFrame;

  await page.evaluate(async () => {
    const streams = await (await fetch('api/v1/streams')).json();
    const s = streams.streams.find((x) => x.app === window.streamletPlayer.app && x.name === window.streamletPlayer.stream);
    await fetch('api/v1/clients/' + s.publish.cid, { method: 'DELETE' });
  });
  await until(page, () => window.streamletPlayer.error !== null, null, 15000);
  result.afterEnd = await page.evaluate(() => ({
    error: window.streamletPlayer.error,
    message: document.getElementById('video-message').textContent,
  }));
  result.consoleErrors = seen.errors;
  return result;
}

/** The least page that plays the stream: mpegts.js, live, latency chasing; it times its first frame likewise. */
function barePage(flvUrl) {
  return `<!doctype html><html><body><video id="v" muted playsinline></video>
<script src="/js/mpegts.js"></script>
<script>
  const v = document.getElementById('v');
  window.firstFrameAt = null;
  v.requestVideoFrameCallback((now) => { window.firstFrameAt = Math.round(now); });
  const p = mpegts.createPlayer({ type: 'flv', isLive: true, url: ${JSON.stringify(flvUrl)} }, { liveBufferLatencyChasing: true });
  p.attachMediaElement(v);
  p.load();
  p.play();
</script></body></html>`;
}

async function startup(context, pageUrl, flvUrl, loads) {
  const bareUrl = new URL('/bare-startup.html', pageUrl).href;
  await context.route(bareUrl, (route) => route.fulfill({ contentType: 'text/html', body: barePage(flvUrl) }));
  const result = { ours: [], bare: [], oursStallWarnings: [], bareStallWarnings: [], failures: [], oursLayoutShift: [],
    oursTextHidden: 0 };
  for (let i = -1; i < loads; i++) {
    const order = i % 2 === 0 ? ['bare', 'ours'] : ['ours', 'bare'];
    for (const kind of order) {
      const page = await context.newPage();
      const seen = watchConsole(page);
      await page.goto(kind === 'ours' ? pageUrl : bareUrl, { waitUntil: 'commit' });
      const shown = await until(page, () => (window.firstFrameAt || (window.streamletPlayer && window.streamletPlayer.firstFrameAt)),
        null, 10000);
      await page.waitForTimeout(500); // a stall warning comes just after the first frames, if at all
      if (i < 0) {
        // The warm-up: caches mpegts.js and the page's files, and lets the server's JIT see the paths.
      } else if (shown) {
        // From the page's HTML having arrived: what the page itself costs, not how fast its HTML was served.
        result[kind].push(await page.evaluate(() => Math.round((window.firstFrameAt || window.streamletPlayer.firstFrameAt)
          - performance.getEntriesByType('navigation')[0].responseEnd)));
        if (kind === 'ours') {
          // The page's text, held back until the first frame, is shown now, and nothing moved when it came.
          result.oursTextHidden += await page.evaluate(() => ['h1', '#stats', '#streams-panel h2']
            .some((selector) => getComputedStyle(document.querySelector(selector)).display === 'none') ? 1 : 0);
          result.oursLayoutShift.push(await page.evaluate(() => new Promise((resolve) => {
            let total = 0;
            const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) total += e.value; });
            observer.observe({ type: 'layout-shift', buffered: true });
            setTimeout(() => { observer.disconnect(); resolve(Math.round(total * 1000) / 1000); }, 100);
          })));
        }
      } else {
        result.failures.push(kind + ': no frame in 10 s ' + JSON.stringify(seen.errors));
      }
      if (i >= 0) result[kind + 'StallWarnings'].push(...seen.stallWarnings);
      await page.close();
    }
  }
  return result;
}

async function refusals(context, baseUrl, authorization, signOfLocked, signOfNobody) {
  const page = context.pages()[0] || await context.newPage();
  const result = {};

  // Without the API's credentials the list cannot load: the page says why.
  await page.goto(baseUrl);
  await until(page, () => !document.getElementById('streams-error').hidden, null, 10000);
  result.listError = await page.evaluate(() => document.getElementById('streams-error').textContent);

  // With them the list works, and shows the refused stream every 3 s: the page must not ask for it again.
  await page.setExtraHTTPHeaders({ Authorization: authorization });
  let lockedRequests = 0;
  page.on('request', (r) => { if (r.url().includes('/live/locked.flv')) lockedRequests++; });
  await page.goto(new URL('?app=live&stream=locked', baseUrl).href);
  await until(page, () => window.streamletPlayer.error !== null, null, 10000);
  await page.waitForTimeout(7000); // two refreshes of the list
  result.unsigned = await page.evaluate(() => ({
    error: window.streamletPlayer.error,
    message: document.getElementById('video-message').textContent,
    listed: [...document.querySelectorAll('#streams .name')].map((e) => e.textContent),
  }));
  result.unsignedRequests = lockedRequests;

  await page.goto(new URL('?app=live&stream=locked&sign=' + signOfLocked, baseUrl).href);
  await until(page, () => window.streamletPlayer.firstFrameMs !== null || window.streamletPlayer.error !== null, null, 10000);
  result.signed = await page.evaluate(() => ({
    error: window.streamletPlayer.error,
    firstFrameMs: window.streamletPlayer.firstFrameMs,
    shownUrl: document.getElementById('flv-url').value,
    pageUrl: location.href,
  }));

  await page.goto(new URL('?app=live&stream=nobody&sign=' + signOfNobody, baseUrl).href);
  await until(page, () => window.streamletPlayer.error !== null, null, 10000);
  result.unpublished = await page.evaluate(() => ({
    error: window.streamletPlayer.error,
    message: document.getElementById('video-message').textContent,
  }));
  return result;
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  const result = await withBrowser((context) => {
    switch (mode) {
      case 'play': return play(context, args[0], args[1], Number(args[2] || 10000));
      case 'startup': return startup(context, args[0], args[1], Number(args[2]));
      case 'hls': return hls(context, args[0], Number(args[1]));
      case 'refusals': return refusals(context, args[0], args[1], args[2], args[3]);
      default: throw new Error('unknown mode ' + mode);
    }
  });
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
