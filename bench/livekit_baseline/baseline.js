// The smallest correct LiveKit consultation client: join request, camera and microphone, connect,
// publish, show the other party's video. window.__bench = { token, appointmentId } is set by the
// benchmark; window.__state says 'waiting' once in the room.
(async () => {
  const { token, appointmentId } = window.__bench;
  const res = await fetch(`/api/appointments/${appointmentId}/join`, {
    method: 'POST', headers: { authorization: `Bearer ${token}` },
  });
  const { connection } = await res.json();
  const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  document.getElementById('local').srcObject = media;
  const room = new LivekitClient.Room({ dynacast: true });
  const remote = new MediaStream();
  room.on(LivekitClient.RoomEvent.TrackSubscribed, (track) => {
    remote.addTrack(track.mediaStreamTrack);
    document.getElementById('remote').srcObject = remote;
  });
  await room.connect(connection.url, connection.token);
  window.__state = 'waiting';
  for (const track of media.getTracks()) {
    await room.localParticipant.publishTrack(track, {
      source: track.kind === 'audio' ? LivekitClient.Track.Source.Microphone : LivekitClient.Track.Source.Camera,
    });
  }
})();
