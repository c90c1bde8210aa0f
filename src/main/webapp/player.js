// Streamlet's player page: lists the live streams from the HTTP API and plays one with mpegts.js.
// A stream opens directly with ?app=live&stream=livestream. window.streamletPlayer exposes what the
// page measured (time to first frame, last error), for people debugging and for the browser test.
'use strict';

(function () {
  const REFRESH_MS = 3000;
  const STATS_MS = 1000;
  const $ = (id) => document.getElementById(id);
  const video = $('video');
  const state = window.streamletPlayer = { app: null, stream: null, firstFrameMs: null, error: null };
  let player = null;
  let statsTimer = null;
  let bitrateKbps = null;

  function apiUrl(path) {
    return new URL('api/v1/' + path, document.baseURI).href;
  }

  function flvUrl(app, stream) {
    return new URL(encodeURIComponent(app) + '/' + encodeURIComponent(stream) + '.flv', document.baseURI).href;
  }

  async function getJson(path) {
    const response = await fetch(apiUrl(path), { cache: 'no-store' });
    const body = await response.json();
    if (!response.ok || body.code !== 0) throw new Error(body.message || ('HTTP ' + response.status));
    return body;
  }

  function text(el, value) {
    el.textContent = value;
  }

  function describe(stream) {
    const parts = [];
    if (stream.video) {
      parts.push(stream.video.codec + (stream.video.width ? ' ' + stream.video.width + '×' + stream.video.height : ''));
    }
    if (stream.audio) parts.push(stream.audio.codec);
    parts.push(stream.kbps.recv_30s + ' kbps');
    const players = stream.clients - (stream.publish.active ? 1 : 0);
    parts.push(players + (players === 1 ? ' player' : ' players'));
    return parts.join(' · ');
  }

  function renderStreams(streams) {
    const list = $('streams');
    list.replaceChildren(...streams.map((s) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.setAttribute('aria-current', String(s.app === state.app && s.name === state.stream));
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = s.app + '/' + s.name;
      const details = document.createElement('span');
      details.className = 'details';
      details.textContent = describe(s);
      button.append(name, details);
      button.addEventListener('click', () => play(s.app, s.name));
      const item = document.createElement('li');
      item.append(button);
      return item;
    }));
    $('streams-empty').hidden = streams.length > 0;
  }

  async function refreshStreams() {
    try {
      const body = await getJson('streams?count=100');
      $('streams-error').hidden = true;
      renderStreams(body.streams);
      const current = body.streams.find((s) => s.app === state.app && s.name === state.stream);
      if (current) showCodecs(current);
      // The chosen stream is (back) on air while nothing plays: start it.
      if (current && !player && state.app) play(state.app, state.stream);
    } catch (e) {
      text($('streams-error'), 'Cannot list streams: ' + e.message);
      $('streams-error').hidden = false;
    }
  }

  function showCodecs(stream) {
    const v = stream.video ? [stream.video.codec, stream.video.profile, stream.video.level && 'L' + stream.video.level].filter(Boolean).join(' ') : null;
    const a = stream.audio ? [stream.audio.codec, stream.audio.sample_rate && stream.audio.sample_rate / 1000 + ' kHz',
      stream.audio.channel && (stream.audio.channel === 1 ? 'mono' : stream.audio.channel === 2 ? 'stereo' : stream.audio.channel + ' ch')]
      .filter(Boolean).join(' ') : null;
    text($('stat-codecs'), [v, a].filter(Boolean).join(' + ') || '–');
  }

  function stop() {
    clearInterval(statsTimer);
    statsTimer = null;
    if (player) {
      player.destroy(); // also detaches the video element and closes the HTTP-FLV response
      player = null;
    }
  }

  function play(app, stream) {
    stop();
    state.app = app;
    state.stream = stream;
    state.firstFrameMs = null;
    state.error = null;
    bitrateKbps = null;
    const url = flvUrl(app, stream);
    history.replaceState(null, '', '?app=' + encodeURIComponent(app) + '&stream=' + encodeURIComponent(stream));
    text($('now-playing'), app + '/' + stream);
    $('flv-url').value = url;
    text($('ffplay-command'), 'ffplay ' + url);
    $('play-url').hidden = false;
    document.querySelectorAll('#streams button').forEach((b) => {
      b.setAttribute('aria-current', String(b.querySelector('.name').textContent === app + '/' + stream));
    });

    if (!window.mpegts || !mpegts.getFeatureList().mseLivePlayback) {
      fail('This browser cannot play HTTP-FLV with Media Source Extensions; use the URL below in ffplay or VLC.');
      return;
    }
    message('Connecting…');
    player = mpegts.createPlayer({ type: 'flv', isLive: true, url: url }, {
      enableStashBuffer: false, // hand data to the decoder at once: low start-up time and latency
      liveBufferLatencyChasing: true, // catch up (drop buffered media) when the buffer grows past the max
      liveBufferLatencyMaxLatency: 1.5,
      liveBufferLatencyMinRemain: 0.5,
      autoCleanupSourceBuffer: true,
    });
    player.on(mpegts.Events.ERROR, (type, detail) => fail('Playback error: ' + type + ' / ' + detail));
    player.on(mpegts.Events.LOADING_COMPLETE, () => fail('The stream ended.'));
    player.on(mpegts.Events.STATISTICS_INFO, (info) => { bitrateKbps = Math.round(info.speed * 8); });
    player.attachMediaElement(video);
    watchFirstFrame();
    player.load();
    const started = player.play();
    if (started && started.catch) started.catch((e) => fail('Cannot start playback: ' + e.message));
    statsTimer = setInterval(updateStats, STATS_MS);
  }

  function watchFirstFrame() {
    const onFrame = (now) => {
      if (state.firstFrameMs !== null) return;
      state.firstFrameMs = Math.round(now); // since the page started loading (performance time origin)
      text($('stat-first-frame'), state.firstFrameMs + ' ms');
      message(null);
    };
    if ('requestVideoFrameCallback' in video) {
      video.requestVideoFrameCallback(onFrame);
    } else {
      video.addEventListener('playing', () => onFrame(performance.now()), { once: true });
    }
  }

  function updateStats() {
    text($('stat-resolution'), video.videoWidth ? video.videoWidth + ' × ' + video.videoHeight : '–');
    text($('stat-bitrate'), bitrateKbps === null ? '–' : bitrateKbps + ' kbps');
    const b = video.buffered;
    text($('stat-latency'), b.length ? Math.max(0, b.end(b.length - 1) - video.currentTime).toFixed(2) + ' s' : '–');
    const q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
    text($('stat-frames'), q ? q.droppedVideoFrames + ' / ' + q.totalVideoFrames : '–');
  }

  function message(value) {
    $('video-message').hidden = value === null;
    if (value !== null) text($('video-message'), value);
  }

  function fail(why) {
    state.error = why;
    message(why);
    stop(); // the list refresh restarts the stream if it comes back
  }

  async function showServer() {
    try {
      const body = await getJson('versions');
      text($('server-info'), 'v' + body.data.version);
    } catch (e) {
      text($('server-info'), '');
    }
  }

  document.querySelectorAll('.host').forEach((el) => { el.textContent = location.hostname; });
  $('copy-url').addEventListener('click', () => navigator.clipboard && navigator.clipboard.writeText($('flv-url').value));
  const params = new URLSearchParams(location.search);
  if (params.get('app') && params.get('stream')) play(params.get('app'), params.get('stream'));
  showServer();
  refreshStreams();
  setInterval(refreshStreams, REFRESH_MS);
})();
