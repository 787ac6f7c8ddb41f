// A stand-in for twilio-video 2.36.0 in the browser tests only (Twilio's cloud cannot run here):
// the documented surface the app uses (https://sdk.twilio.com/js/video/releases/2.36.0/docs/),
// with the same method names, events and TwilioError codes, and no network. The end-to-end tests
// serve it in place of the hashed twilio-video file (Playwright route); release builds ship and
// load the real SDK (a test checks that too).
//
// It checks the Access Token the way Twilio does at connect (a JWT; expired → 20104, malformed →
// 20101, a room grant for another room → 20106, invalid grants), and the test
// drives everything Twilio's side would do through window.__twilioStandin: the other party
// joining with real (canvas and oscillator) tracks, disabling a track, reconnecting, a
// disconnect with a TwilioError code. A failure for the next connect() is read (and removed)
// from localStorage['twilio-standin-connect-error'] (a code), so a test can set it before the
// page that connects is loaded.
(function () {
  class EventEmitter {
    constructor() { this._handlers = new Map(); }
    on(name, fn) { (this._handlers.get(name) ?? this._handlers.set(name, []).get(name)).push(fn); return this; }
    removeListener(name, fn) { const l = this._handlers.get(name) ?? []; const i = l.indexOf(fn); if (i >= 0) l.splice(i, 1); return this; }
    off(name, fn) { return this.removeListener(name, fn); }
    emit(name, ...args) { for (const fn of [...(this._handlers.get(name) ?? [])]) fn(...args); return true; }
    listenerCount(name) { return (this._handlers.get(name) ?? []).length; }
  }

  class TwilioError extends Error {
    constructor(code, message) { super(message); this.name = 'TwilioError'; this.code = code; }
    toString() { return `TwilioError ${this.code}: ${this.message}`; }
  }
  const MESSAGES = {
    20101: 'Invalid Access Token', 20104: 'Access Token expired or expiration date invalid',
    20106: 'Invalid Access Token grants', 53000: 'Signaling connection error',
    53001: 'Signaling connection disconnected', 53002: 'Signaling connection too large',
    53105: 'Room contains too many Participants', 53118: 'Room completed',
    53205: 'Participant disconnected because of duplicate identity',
    53405: 'Media connection failed or Media activity ceased',
  };
  const error = (code) => new TwilioError(code, MESSAGES[code] ?? 'Unknown error');

  let nextSid = 1;
  const sid = (prefix) => `${prefix}${String(nextSid++).padStart(32, '0')}`;

  class LocalTrack extends EventEmitter {
    constructor(mediaStreamTrack, name) {
      super();
      this.mediaStreamTrack = mediaStreamTrack; this.kind = mediaStreamTrack.kind;
      this.name = name ?? mediaStreamTrack.id; this.id = mediaStreamTrack.id; this.isEnabled = mediaStreamTrack.enabled;
      this.isStopped = false;
    }
    enable(on = true) {
      this.isEnabled = !!on; this.mediaStreamTrack.enabled = !!on;
      this.emit(on ? 'enabled' : 'disabled', this);
      return this;
    }
    disable() { return this.enable(false); }
    stop() { this.isStopped = true; this.mediaStreamTrack.stop(); this.emit('stopped', this); return this; }
  }

  class LocalParticipant extends EventEmitter {
    constructor(identity) {
      super();
      this.identity = identity; this.sid = sid('PA'); this.tracks = new Map();
      this.audioTracks = new Map(); this.videoTracks = new Map(); this.networkQualityLevel = null;
    }
    // Test control: Twilio's network quality level (0–5) for this participant.
    setNetworkQualityLevel(level) { this.networkQualityLevel = level; this.emit('networkQualityLevelChanged', level, null); }
    publishTrack(track, options = {}) {
      if (!(track instanceof MediaStreamTrack) && !(track instanceof LocalTrack)) {
        return Promise.reject(new TypeError('track must be a LocalTrack or MediaStreamTrack'));
      }
      const local = track instanceof LocalTrack ? track : new LocalTrack(track, options.name);
      const publication = { trackSid: sid('MT'), trackName: local.name, kind: local.kind, track: local, isTrackEnabled: local.isEnabled };
      this.tracks.set(publication.trackSid, publication);
      (local.kind === 'audio' ? this.audioTracks : this.videoTracks).set(publication.trackSid, publication);
      return Promise.resolve(publication);
    }
    unpublishTrack(track) {
      for (const [key, p] of this.tracks) {
        if (p.track === track || p.track.mediaStreamTrack === track) {
          this.tracks.delete(key); this.audioTracks.delete(key); this.videoTracks.delete(key);
          return p;
        }
      }
      return null;
    }
  }

  class RemoteTrack extends EventEmitter {
    constructor(mediaStreamTrack, name) {
      super();
      this.mediaStreamTrack = mediaStreamTrack; this.kind = mediaStreamTrack.kind; this.name = name;
      this.sid = sid('MT'); this.isEnabled = true; this.isStarted = true; this.isSwitchedOff = false;
    }
  }

  class RemoteParticipant extends EventEmitter {
    constructor(room, identity) {
      super();
      this.room = room; this.identity = identity; this.sid = sid('PA'); this.state = 'connected';
      this.tracks = new Map(); this.audioTracks = new Map(); this.videoTracks = new Map();
      this.networkQualityLevel = null;
    }
    // Test control: Twilio's network quality level (0–5) for this participant.
    setNetworkQualityLevel(level) { this.networkQualityLevel = level; this.emit('networkQualityLevelChanged', level, null); }
    // Test control: publish `mediaStreamTrack` as `name`; the local side subscribes at once.
    addTrack(mediaStreamTrack, name) {
      const track = new RemoteTrack(mediaStreamTrack, name);
      const publication = { trackSid: track.sid, trackName: name, kind: track.kind, track, isSubscribed: true, isTrackEnabled: true };
      this.tracks.set(track.sid, publication);
      (track.kind === 'audio' ? this.audioTracks : this.videoTracks).set(track.sid, publication);
      this.emit('trackSubscribed', track, publication, this);
      this.room.emit('trackSubscribed', track, publication, this);
      return track;
    }
    removeTrack(name) {
      for (const [key, publication] of this.tracks) {
        if (publication.trackName !== name) continue;
        this.tracks.delete(key); this.audioTracks.delete(key); this.videoTracks.delete(key);
        this.emit('trackUnsubscribed', publication.track, publication, this);
        this.room.emit('trackUnsubscribed', publication.track, publication, this);
      }
    }
    setTrackEnabled(name, on) {
      for (const publication of this.tracks.values()) {
        if (publication.trackName !== name) continue;
        publication.track.isEnabled = on; publication.isTrackEnabled = on;
        const event = on ? 'trackEnabled' : 'trackDisabled';
        this.emit(event, publication.track, this);
        this.room.emit(event, publication.track, this);
      }
    }
    disconnect() {
      this.state = 'disconnected';
      this.room.participants.delete(this.sid);
      this.emit('disconnected', this);
      this.room.emit('participantDisconnected', this);
    }
  }

  class Room extends EventEmitter {
    constructor(name, identity) {
      super();
      this.name = name; this.sid = sid('RM'); this.state = 'connected'; this.participants = new Map();
      this.localParticipant = new LocalParticipant(identity); this.isRecording = false;
    }
    disconnect() {
      if (this.state === 'disconnected') return this;
      this.state = 'disconnected';
      this.emit('disconnected', this);
      return this;
    }
    // Test controls: what Twilio's side does.
    addRemoteParticipant(identity, { video = true, audio = true } = {}) {
      const p = new RemoteParticipant(this, identity);
      this.participants.set(p.sid, p);
      this.emit('participantConnected', p);
      if (video) {
        const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 240 });
        const g = canvas.getContext('2d');
        let n = 0;
        p._timer = setInterval(() => { g.fillStyle = `hsl(${n++ % 360},60%,50%)`; g.fillRect(0, 0, 320, 240); }, 50);
        p.addTrack(canvas.captureStream(15).getVideoTracks()[0], 'camera');
      }
      if (audio) {
        const ctx = new AudioContext();
        const osc = ctx.createOscillator();
        const dest = ctx.createMediaStreamDestination();
        osc.connect(dest); osc.start();
        p.addTrack(dest.stream.getAudioTracks()[0], 'microphone');
      }
      return p;
    }
    simulateReconnecting(code = 53001) { this.state = 'reconnecting'; this.emit('reconnecting', error(code)); }
    simulateReconnected() { this.state = 'connected'; this.emit('reconnected'); }
    simulateDisconnect(code) { this.state = 'disconnected'; this.emit('disconnected', this, error(code)); }
  }

  const decode = (token) => {
    try {
      const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/'))));
      return header.cty === 'twilio-fpa;v=1' ? payload : null;
    } catch { return null; }
  };

  const standin = { rooms: [], connects: [], isStandIn: true };
  function connect(token, options = {}) {
    let cancelled = false;
    let rejectIt;
    const promise = new Promise((resolve, reject) => {
      rejectIt = reject;
      standin.connects.push({ token, options: { ...options, tracks: options.tracks?.length ?? null } });
      const injected = Number(localStorage.getItem('twilio-standin-connect-error'));
      localStorage.removeItem('twilio-standin-connect-error');
      setTimeout(() => {
        if (cancelled) return;
        const claims = decode(token);
        if (!claims || !claims.grants || !claims.grants.identity) return reject(error(20101));
        if (claims.exp * 1000 < Date.now()) return reject(error(20104));
        if (options.name && claims.grants.video?.room !== options.name) return reject(error(20106));
        if (injected) return reject(error(injected));
        const room = new Room(options.name ?? claims.grants.video.room, claims.grants.identity);
        standin.rooms.push(room);
        resolve(room);
      }, 50);
    });
    promise.cancel = () => { cancelled = true; rejectIt(new Error('Canceled')); };
    return promise;
  }

  globalThis.Twilio = globalThis.Twilio || {};
  globalThis.Twilio.Video = {
    connect, version: '2.36.0-standin', isSupported: true, TwilioError,
    LocalVideoTrack: LocalTrack, LocalAudioTrack: LocalTrack,
  };
  globalThis.__twilioStandin = standin;
})();
