// Streamlet's player page: lists the live streams from the HTTP API and plays one with mpegts.js, or its HLS
// with hls.js (the browser's own HLS where there are no Media Source Extensions, as on iOS before 17.1).
// A stream opens directly with ?app=live&stream=livestream, and with &sign=... when playing needs a signed
// URL (the sign parameter of that stream's signed .flv URL is passed on); &transport=ws plays the same URL as
// WebSocket-FLV, &transport=hls plays {stream}.m3u8 (the transport menu chooses too). window.streamletPlayer
// exposes what the page measured (time to first frame, last error, the HLS fragment playing), for people
// debugging and for the browser test.
'use strict';

(function () {
  const REFRESH_MS = 3000;
  const STATS_MS = 1000;
  const $ = (id) => document.getElementById(id);
  const video = $('video');
  // firstFrameMs counts from choosing the stream; firstFrameAt from the page's start (performance.now()).
  // refused: the server said no (403), so the list refresh does not ask again until the stream is chosen again.
  const state = window.streamletPlayer = {
    app: null, stream: null, sign: null, chosenAt: null, firstFrameMs: null, firstFrameAt: null, error: null, refused: false,
    fragment: null,
  };
  let player = null;
  let statsTimer = null;
  let bitrateKbps = null;

  function apiUrl(path) {
    return new URL('api/v1/' + path, document.baseURI).href;
  }

  // extension: 'flv' or 'm3u8'; a signature of /app/stream signs both.
  function streamUrl(app, stream, sign, extension) {
    const url = new URL(encodeURIComponent(app) + '/' + encodeURIComponent(stream) + '.' + extension, document.baseURI);
    if (sign) url.searchParams.set('sign', sign);
    return url.href;
  }

  // The same stream over a WebSocket: the server upgrades the HTTP-FLV URL and sends the same bytes.
  function wsUrl(httpUrl) {
    return httpUrl.replace(/^http/, 'ws');
  }

  async function getJson(path) {
    // Marked as a script's request: with Basic auth on, the API then answers 401 without a login dialog.
    const response = await fetch(apiUrl(path), { cache: 'no-store', headers: { 'X-Requested-With': 'XMLHttpRequest' } });
    if (response.status === 401) {
      throw new Error('the HTTP API needs a user name and password (streamlet.api.username is set): open '
        + apiUrl('streams') + ' once to log in, or open a stream directly with ?app=APP&stream=STREAM');
    }
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
      button.addEventListener('click', () => play(s.app, s.name, s.app === state.app && s.name === state.stream ? state.sign : null));
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
      // The chosen stream is (back) on air while nothing plays: start it, unless the server refused it.
      if (current && !player && !state.refused) play(state.app, state.stream, state.sign);
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
    ['stat-resolution', 'stat-bitrate', 'stat-latency', 'stat-frames'].forEach((id) => text($(id), '–'));
    if (player) {
      player.destroy(); // also detaches the video element and closes the HTTP-FLV response or stops polling
      player = null;
    }
  }

  // sign: the sign parameter of this stream's signed URL, when playing needs one (streamlet.auth.playSecret).
  function play(app, stream, sign) {
    stop();
    Object.assign(state, { app, stream, sign, chosenAt: performance.now(), firstFrameMs: null, firstFrameAt: null,
      error: null, refused: false, fragment: null });
    bitrateKbps = null;
    text($('stat-first-frame'), '–');
    const transport = $('transport').value;
    const url = streamUrl(app, stream, sign, transport === 'hls' ? 'm3u8' : 'flv');
    const query = new URLSearchParams({ app, stream });
    if (sign) query.set('sign', sign);
    if (transport !== 'http') query.set('transport', transport);
    history.replaceState(null, '', '?' + query);
    text($('now-playing'), app + '/' + stream);
    text($('url-kind'), transport === 'hls' ? 'HLS' : 'HTTP-FLV');
    $('flv-url').value = url;
    text($('ffplay-command'), 'ffplay ' + url);
    $('play-url').hidden = false;
    document.querySelectorAll('#streams button').forEach((b) => {
      b.setAttribute('aria-current', String(b.querySelector('.name').textContent === app + '/' + stream));
    });

    if (transport === 'hls') {
      playHls(url);
      return;
    }
    if (!window.mpegts || !mpegts.getFeatureList().mseLivePlayback) {
      fail('This browser cannot play HTTP-FLV with Media Source Extensions; use the URL below in ffplay or VLC.');
      return;
    }
    message('Connecting…');
    // As a bare mpegts.js page (measured, this page's earlier settings — no stash buffer, a tighter latency
    // chase, source buffer clean-up — did not start sooner), but the response is asked for at once: by default
    // mpegts.js waits for the MediaSource to open, which waits for the page's first layout.
    const source = { type: 'flv', isLive: true, url: transport === 'ws' ? wsUrl(url) : url };
    player = mpegts.createPlayer(source, { liveBufferLatencyChasing: true, deferLoadAfterSourceOpen: false });
    player.on(mpegts.Events.ERROR, (type, detail, info) => fail(explain(type, detail, info)));
    player.on(mpegts.Events.LOADING_COMPLETE, () => fail('The stream ended.'));
    player.on(mpegts.Events.STATISTICS_INFO, (info) => { bitrateKbps = Math.round(info.speed * 8); });
    player.attachMediaElement(video);
    watchFirstFrame();
    skipLeadingGap(player);
    player.load();
    const started = player.play();
    // An AbortError only says that a failure above stopped the video before it started; that failure is shown.
    if (started && started.catch) started.catch((e) => { if (e.name !== 'AbortError') fail('Cannot start playback: ' + e.message); });
    statsTimer = setInterval(updateStats, STATS_MS);
  }

  // HLS with hls.js, loaded on first use (the FLV page does not wait for it), over Media Source Extensions;
  // without them (iOS before 17.1) the browser's own HLS plays the playlist URL.
  function playHls(url) {
    const mse = window.MediaSource || window.ManagedMediaSource;
    if (!mse && video.canPlayType('application/vnd.apple.mpegurl')) {
      playNativeHls(url);
      return;
    }
    message('Connecting…');
    const chosenAt = state.chosenAt;
    loadHlsJs('js/hls.min.js').then(() => {
      if (state.chosenAt !== chosenAt) return; // another stream was chosen meanwhile
      if (!window.Hls || !Hls.isSupported()) {
        fail('This browser cannot play HLS; use the URL below in ffplay or VLC.');
        return;
      }
      // 1.5 target durations behind the playlist's end rather than hls.js's 3: a segment is whole and in memory
      // the moment it is listed, and live is up to one more segment (the one being made) and a playlist poll
      // ahead of that end, so this stays within 3 fragments of live. A player that fell behind plays up to 1.5×
      // faster until it is back, but hls.js does that only within a target duration of its target latency:
      // further behind (a start that took seconds on a busy machine) it would stay behind for good, so past 3
      // target durations it jumps forward instead. After a stall hls.js moves its target a second further back
      // (up to a target duration), which after one stall left the page 3 fragments behind for good: it keeps
      // its target instead, and a stalled player catches up as any other.
      const hls = new Hls({ liveSyncDurationCount: 1.5, liveMaxLatencyDurationCount: 3, maxLiveSyncPlaybackRate: 1.5,
        liveSyncOnStallIncrease: 0 });
      player = hls;
      hls.on(Hls.Events.ERROR, (event, data) => {
        if (data.fatal) fail(data.response && data.response.code ? explainStatus(data.response.code) : 'Playback error: ' + data.type + ' / ' + data.details);
      });
      // The stream's bitrate: a fragment's bytes over its duration.
      hls.on(Hls.Events.FRAG_LOADED, (event, data) => {
        if (data.frag.duration > 0) bitrateKbps = Math.round(data.frag.stats.loaded * 8 / data.frag.duration / 1000);
      });
      // Where playback is in the stream: the fragment's media sequence number and its start on the video's clock.
      hls.on(Hls.Events.FRAG_CHANGED, (event, data) => {
        state.fragment = { sn: data.frag.sn, start: data.frag.start, duration: data.frag.duration };
      });
      startVideo(() => { hls.loadSource(url); hls.attachMedia(video); });
    }, () => fail('Cannot load hls.js from ' + new URL('js/hls.min.js', document.baseURI).href + '.'));
  }

  function playNativeHls(url) {
    message('Connecting…');
    const native = player = { destroy: () => { video.removeAttribute('src'); video.load(); } };
    video.addEventListener('error', () => { if (player === native) fail('Playback error: the browser cannot play ' + url + '.'); }, { once: true });
    startVideo(() => { video.src = url; });
  }

  // Attaches the media with attach(), then plays; a playlist's EXT-X-ENDLIST ends the video.
  function startVideo(attach) {
    const forPlayer = player;
    video.addEventListener('ended', () => { if (player === forPlayer) fail('The stream ended.'); }, { once: true });
    watchFirstFrame();
    attach();
    const started = video.play();
    if (started && started.catch) started.catch((e) => { if (e.name !== 'AbortError') fail('Cannot start playback: ' + e.message); });
    statsTimer = setInterval(updateStats, STATS_MS);
  }

  // hls.js, once per page.
  function loadHlsJs(src) {
    return new Promise((resolve, reject) => {
      if (window.Hls) return resolve();
      const script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = () => { script.remove(); reject(new Error(src)); };
      document.head.append(script);
    });
  }

  /** What went wrong, in words: the HTTP status the server answered, when that is the reason. */
  function explain(type, detail, info) {
    if (detail === mpegts.ErrorDetails.NETWORK_STATUS_CODE_INVALID && info) return explainStatus(info.code);
    return 'Playback error: ' + type + ' / ' + detail + (info && info.msg ? ' (' + info.msg + ')' : '');
  }

  function explainStatus(code) {
    const name = state.app + '/' + state.stream;
    if (code === 404) return 'Nobody publishes ' + name + ' now (404). It plays as soon as it is published.';
    if (code === 403) {
      state.refused = true;
      return 'The server refuses to play ' + name + ' (403): it needs a signed URL (add &sign=... to this page\'s'
        + ' address), or this address may not play it. Choose the stream again to retry.';
    }
    return 'The server answered HTTP ' + code + ' for ' + name + '.';
  }

  // The first media that MSE buffers starts a few ms after 0 (mpegts.js's alignment of audio and video), and
  // the video element waits at 0 until something seeks past that gap; mpegts.js does it on the element's
  // next 'progress' event, up to 350 ms later and with a StartupStallJumper warning. Seek as soon as
  // anything is buffered instead: on the element's own events for the first media (these listeners come
  // before mpegts.js's, which player.load() adds). Not polled every animation frame: that made the browser
  // redraw the page 60 times a second while the first frame was being decoded, on the same thread.
  function skipLeadingGap(forPlayer) {
    const events = ['loadedmetadata', 'loadeddata', 'progress', 'canplay'];
    const check = () => {
      if (player !== forPlayer || state.firstFrameAt !== null) {
        events.forEach((e) => video.removeEventListener(e, check));
        return;
      }
      const b = video.buffered;
      if (b.length && video.currentTime < b.start(0)) video.currentTime = b.start(0);
    };
    events.forEach((e) => video.addEventListener(e, check));
  }

  function watchFirstFrame() {
    const chosenAt = state.chosenAt;
    const onFrame = (now) => {
      if (state.firstFrameMs !== null || state.chosenAt !== chosenAt) return; // another stream was chosen since
      state.firstFrameAt = Math.round(now);
      state.firstFrameMs = Math.round(now - chosenAt);
      text($('stat-first-frame'), state.firstFrameMs + ' ms');
      message(null);
      // The controls come with the picture: drawn before it, they delayed the first frame by about 100 ms.
      video.controls = true;
      showPage();
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
    showPage();
  }

  async function showServer() {
    try {
      const body = await getJson('versions');
      text($('server-info'), 'v' + body.data.version);
    } catch (e) {
      text($('server-info'), '');
    }
  }

  // The page around the video (its text, the stream list and the server's version) waits for the first frame
  // of a stream the address opens, or for its failure: drawn and fetched meanwhile, it kept busy the thread
  // that decodes that frame (player.css, .starting).
  let shown = false;
  function showPage() {
    if (shown) return;
    shown = true;
    document.body.classList.remove('starting');
    showServer();
    refreshStreams();
    setInterval(refreshStreams, REFRESH_MS);
  }

  document.querySelectorAll('.host').forEach((el) => { el.textContent = location.hostname; });
  $('copy-url').addEventListener('click', () => navigator.clipboard && navigator.clipboard.writeText($('flv-url').value));
  const params = new URLSearchParams(location.search);
  if (['ws', 'hls'].includes(params.get('transport'))) $('transport').value = params.get('transport');
  $('transport').addEventListener('change', () => { if (state.app) play(state.app, state.stream, state.sign); });
  if (params.get('app') && params.get('stream')) play(params.get('app'), params.get('stream'), params.get('sign'));
  if (state.app) setTimeout(showPage, REFRESH_MS); // at the latest; usually the first frame shows it sooner
  else showPage();
})();
