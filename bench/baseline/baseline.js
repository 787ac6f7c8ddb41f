// The smallest correct P2P client of docs/signaling.md (perfect negotiation, trickle ICE).
// Parameters come from window.__bench = { token, appointmentId, role }, set by the benchmark.
(async () => {
  const { token, appointmentId, role } = window.__bench;
  const send = (ws, frame) => ws.send(JSON.stringify(frame));
  const res = await fetch(`/api/appointments/${appointmentId}/join`, {
    method: 'POST', headers: { authorization: `Bearer ${token}` },
  });
  const join = await res.json();
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 } },
  });
  document.getElementById('local').srcObject = stream;
  const pc = new RTCPeerConnection({ iceServers: join.connection.ice_servers });
  stream.getTracks().forEach((t) => pc.addTrack(t, stream));
  pc.ontrack = (e) => { document.getElementById('remote').srcObject = e.streams[0]; };

  const polite = role === 'patient';
  let callId = null;
  let peerPresent = false;
  let makingOffer = false;
  let ignoreOffer = false;
  const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + join.connection.signaling_url);
  const offer = async () => {
    if (!peerPresent || !callId || makingOffer || pc.signalingState !== 'stable') return;
    try {
      makingOffer = true;
      await pc.setLocalDescription();
      send(ws, { type: 'call:offer', callId, sdp: pc.localDescription.sdp });
    } finally {
      makingOffer = false;
    }
  };
  pc.onnegotiationneeded = offer;
  pc.onicecandidate = ({ candidate }) => {
    if (candidate && callId) send(ws, { type: 'call:ice', callId, candidate: candidate.toJSON() });
  };
  ws.onopen = () => send(ws, { type: 'auth', token });
  ws.onmessage = async ({ data }) => {
    const f = JSON.parse(data);
    switch (f.type) {
      case 'auth:ok':
        send(ws, { type: 'room:join', appointmentId, sessionId: crypto.randomUUID() });
        break;
      case 'room:joined':
        callId = f.callId;
        peerPresent = f.peers.length > 0;
        window.__state = peerPresent ? 'connecting' : 'waiting';
        break;
      case 'room:peer-joined':
        peerPresent = true;
        offer();
        break;
      case 'call:offer':
      case 'call:answer': {
        const description = { type: f.type === 'call:offer' ? 'offer' : 'answer', sdp: f.sdp };
        const collision = description.type === 'offer' && (makingOffer || pc.signalingState !== 'stable');
        ignoreOffer = !polite && collision;
        if (ignoreOffer) return;
        await pc.setRemoteDescription(description);
        if (description.type === 'offer') {
          await pc.setLocalDescription();
          send(ws, { type: 'call:answer', callId, sdp: pc.localDescription.sdp });
        }
        break;
      }
      case 'call:ice':
        try { await pc.addIceCandidate(f.candidate); } catch (e) { if (!ignoreOffer) console.warn(e); }
        break;
      default:
        break;
    }
  };
})();
