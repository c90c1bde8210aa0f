// Opens Streamlet's player page in the system's headless Chromium, waits for the stream to play, and
// prints one JSON line with what it measured; BrowserPlaybackIT asserts on it.
//
//   node play.cjs PAGE_URL SCREENSHOT_PNG [WAIT_MS]
//
// Environment: CHROMIUM (default /usr/bin/chromium); NODE_PATH must reach playwright-core.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [pageUrl, screenshotPath, waitArg] = process.argv.slice(2);
const waitMs = Number(waitArg || 10000);

async function main() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamlet-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
  const consoleErrors = [];
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(pageUrl, { waitUntil: 'load' });

    // The stream list comes from the API; then the first frame (the page times it itself).
    const listed = await page.waitForFunction(() => document.querySelectorAll('#streams button').length > 0,
      null, { timeout: waitMs }).then(() => true, () => false);
    const firstFrame = await page.waitForFunction(() => window.streamletPlayer.firstFrameMs !== null
      || window.streamletPlayer.error !== null, null, { timeout: waitMs }).then(() => true, () => false);
    const t0 = await page.evaluate(() => document.getElementById('video').currentTime);
    await page.waitForTimeout(1500);
    await page.waitForFunction(() => document.getElementById('stat-resolution').textContent !== '–',
      null, { timeout: 3000 }).catch(() => {});
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
    result.consoleErrors = consoleErrors;
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
