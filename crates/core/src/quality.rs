//! In-call connection quality and low-bandwidth mode: the thresholds, the grading and the
//! decisions, free of clocks and browser APIs.
//!
//! Each party grades **its own** connection from what its browser measures (`getStats()` in a
//! P2P call: the selected ICE candidate pair's `currentRoundTripTime` and
//! `availableOutgoingBitrate`, `remote-inbound-rtp` `fractionLost`, `outbound-rtp`
//! `framesPerSecond`) or from what the media server says (LiveKit's `ConnectionQuality`, Twilio's
//! network quality level), and tells the other party its level, so the screen can say "your
//! connection is poor" or "the doctor's connection is poor" — two different fixes.
//!
//! Low-bandwidth mode ([`BandwidthGuard`]): when the outgoing bandwidth stays below
//! [`LOW_BANDWIDTH_KBPS`] for [`LOW_BANDWIDTH_HOLD_MS`], video sending pauses by itself (audio
//! needs about 40 kbit/s and carries a consultation on its own), both parties are told, and
//! video is tried again after [`FIRST_RETRY_MS`] (doubling up to [`MAX_RETRY_MS`]): while only
//! audio flows the browser's bandwidth estimate cannot grow, so the only way to learn that the
//! link recovered is to send video again and watch.

use serde::{Deserialize, Serialize};

use crate::i18n::{text, text_with};

/// A connection's quality, as shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QualityLevel {
    /// Nothing to tell.
    Good,
    /// Noticeable: some delay or an occasional freeze.
    Fair,
    /// The call suffers: freezes, gaps in speech, long delay.
    Poor,
}

impl QualityLevel {
    /// The level's stable lower-case name, `good`, `fair` or `poor` (the wire name), for styling
    /// and tests (the word a person reads comes from the catalogues).
    pub fn word(self) -> &'static str {
        match self {
            QualityLevel::Good => "good",
            QualityLevel::Fair => "fair",
            QualityLevel::Poor => "poor",
        }
    }

    /// Bars out of three, for the indicator.
    pub fn bars(self) -> u8 {
        match self {
            QualityLevel::Good => 3,
            QualityLevel::Fair => 2,
            QualityLevel::Poor => 1,
        }
    }

    /// Level from LiveKit's `ConnectionQuality` string (`excellent`, `good`, `poor`, `lost`);
    /// `None` for `unknown` and anything else.
    pub fn from_livekit(quality: &str) -> Option<QualityLevel> {
        match quality {
            "excellent" => Some(QualityLevel::Good),
            "good" => Some(QualityLevel::Fair),
            "poor" | "lost" => Some(QualityLevel::Poor),
            _ => None,
        }
    }

    /// Level from Twilio's network quality level (0–5; Twilio's documentation: 5 excellent,
    /// 0 broken); `None` for a level that is not a number.
    pub fn from_twilio(level: f64) -> Option<QualityLevel> {
        if !level.is_finite() {
            return None;
        }
        Some(if level >= 4.0 {
            QualityLevel::Good
        } else if level >= 3.0 {
            QualityLevel::Fair
        } else {
            QualityLevel::Poor
        })
    }
}

/// Round-trip time up to which a connection is good (ms). ITU-T G.114: a one-way delay up to
/// 150 ms keeps a conversation natural.
pub const GOOD_RTT_MS: f64 = 300.0;
/// Round-trip time up to which a connection is fair (ms). ITU-T G.114: one-way delay above
/// 400 ms is unacceptable for conversation.
pub const FAIR_RTT_MS: f64 = 800.0;
/// Packet loss below which a connection is good (fraction, 0–1): Opus and VP8 hide it.
pub const GOOD_LOSS: f64 = 0.02;
/// Packet loss below which a connection is fair (fraction): above it, speech has gaps even
/// with Opus's in-band FEC and video freezes on every lost keyframe.
pub const FAIR_LOSS: f64 = 0.08;
/// Outgoing bandwidth from which sending video is good (kbit/s): 640×360 at 30 fps.
pub const GOOD_OUTGOING_KBPS: f64 = 500.0;
/// Outgoing bandwidth below which video is not worth sending (kbit/s): the rule, and
/// about the least VP8 needs for a recognisable face at a few frames a second.
pub const LOW_BANDWIDTH_KBPS: f64 = 150.0;
/// Sent frame rate from which video is good (frames/s).
pub const GOOD_FPS: f64 = 15.0;
/// Sent frame rate below which video is poor (frames/s).
pub const FAIR_FPS: f64 = 8.0;

/// What one `getStats()` round measured of this party's own connection. `None`: not measured
/// (yet), left out of the grade.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LinkSample {
    /// Round-trip time to the other party (ms).
    pub rtt_ms: Option<f64>,
    /// Fraction of this party's packets the other party lost since the previous sample (0–1),
    /// from [`interval_loss`].
    pub loss: Option<f64>,
    /// The browser's estimate of the bandwidth it can send with (kbit/s).
    pub outgoing_kbps: Option<f64>,
    /// Frames per second of the video being sent; `None` when no video is sent.
    pub sent_fps: Option<f64>,
}

impl LinkSample {
    /// The outgoing bandwidth that reaches the other party (kbit/s): the browser's estimate less
    /// what is lost on the way. The estimate alone is not enough: under a hard limit with a
    /// short queue, Chromium's estimate was measured to stay at about 330 kbit/s while four in
    /// five video packets were dropped (a 100 kbit/s `tc` limit, `tests/e2e/quality.test.mjs`).
    pub fn usable_kbps(&self) -> Option<f64> {
        let loss = self.loss.filter(|l| l.is_finite()).unwrap_or(0.0);
        self.outgoing_kbps
            .filter(|k| k.is_finite())
            .map(|k| k * (1.0 - loss.clamp(0.0, 1.0)))
    }
}

/// Cumulative packet counts of this party's outgoing RTP streams, as `getStats()` reports them:
/// `outbound-rtp` `packetsSent` and `retransmittedPacketsSent`, and the other party's
/// `remote-inbound-rtp` `packetsLost`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PacketCounts {
    /// Packets sent so far (retransmissions included).
    pub sent: f64,
    /// Packets sent again after the other party asked (NACK) so far.
    pub retransmitted: f64,
    /// Packets the other party reported lost for good so far.
    pub lost: f64,
}

/// The share of packets that did not get through between two counts (0–1): the larger of the
/// share reported lost and the share that had to be sent again. Both count: video packets
/// dropped on the way are mostly recovered by retransmission, so the other party's loss reports
/// stay near zero while most of what is sent is repair (measured: 76 % of video packets were
/// retransmissions under a 100 kbit/s limit, with `fractionLost` 0 in most reports). `None` when
/// nothing was sent in between, or when a count went back (a new connection started its
/// counters afresh).
pub fn interval_loss(before: PacketCounts, after: PacketCounts) -> Option<f64> {
    let sent = after.sent - before.sent;
    let lost = after.lost - before.lost;
    let again = after.retransmitted - before.retransmitted;
    if [sent, lost, again].iter().any(|v| v.is_nan()) || sent <= 0.0 || lost < 0.0 || again < 0.0 {
        return None;
    }
    Some((lost.max(again) / sent).clamp(0.0, 1.0))
}

/// The grade of one sample: the worst of its measures. `None` when nothing was measured.
pub fn grade(sample: &LinkSample) -> Option<QualityLevel> {
    let by = |value: Option<f64>, good: &dyn Fn(f64) -> bool, fair: &dyn Fn(f64) -> bool| {
        value.filter(|v| v.is_finite()).map(|v| {
            if good(v) {
                QualityLevel::Good
            } else if fair(v) {
                QualityLevel::Fair
            } else {
                QualityLevel::Poor
            }
        })
    };
    [
        by(sample.rtt_ms, &|v| v <= GOOD_RTT_MS, &|v| v <= FAIR_RTT_MS),
        by(sample.loss, &|v| v < GOOD_LOSS, &|v| v < FAIR_LOSS),
        by(sample.usable_kbps(), &|v| v >= GOOD_OUTGOING_KBPS, &|v| {
            v >= LOW_BANDWIDTH_KBPS
        }),
        by(sample.sent_fps, &|v| v >= GOOD_FPS, &|v| v >= FAIR_FPS),
    ]
    .into_iter()
    .flatten()
    .max()
}

/// How many samples in a row must agree before the shown level changes (at one sample every
/// [`SAMPLE_INTERVAL_MS`], 4 s): one bad second should not flash a warning.
pub const SAMPLES_TO_CHANGE: u8 = 2;
/// How often a P2P call samples `getStats()` (ms).
pub const SAMPLE_INTERVAL_MS: u32 = 2_000;

/// The level shown for a connection, changed only when [`SAMPLES_TO_CHANGE`] graded samples in
/// a row agree on a new one.
#[derive(Debug, Clone, Default)]
pub struct QualityMeter {
    shown: Option<QualityLevel>,
    candidate: Option<(QualityLevel, u8)>,
}

impl QualityMeter {
    /// The level shown now (`None` until first known).
    pub fn shown(&self) -> Option<QualityLevel> {
        self.shown
    }

    /// Takes one graded sample; returns the new shown level when it changed. The first level is
    /// shown at once.
    pub fn observe(&mut self, level: QualityLevel) -> Option<QualityLevel> {
        if self.shown.is_none() {
            self.shown = Some(level);
            return self.shown;
        }
        if self.shown == Some(level) {
            self.candidate = None;
            return None;
        }
        let count = match self.candidate {
            Some((l, n)) if l == level => n + 1,
            _ => 1,
        };
        if count >= SAMPLES_TO_CHANGE {
            self.shown = Some(level);
            self.candidate = None;
            self.shown
        } else {
            self.candidate = Some((level, count));
            None
        }
    }
}

/// How long the outgoing bandwidth must stay below [`LOW_BANDWIDTH_KBPS`] before video pauses
/// (ms), and how long it must stay above after video was tried again before the try counts as
/// a recovery.
pub const LOW_BANDWIDTH_HOLD_MS: f64 = 10_000.0;
/// The first wait before video is tried again after a pause (ms).
pub const FIRST_RETRY_MS: f64 = 15_000.0;
/// The longest wait between tries (ms): each failed try doubles the wait up to this.
pub const MAX_RETRY_MS: f64 = 60_000.0;

/// What [`BandwidthGuard`] decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardAction {
    /// Stop sending video; keep audio. Tell both parties.
    PauseVideo,
    /// Send video again (a try: the guard keeps watching). Tell both parties.
    ResumeVideo,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum GuardState {
    /// Sending video; `below_since`: when the bandwidth went below the line.
    Sending { below_since: Option<f64> },
    /// Video paused since `since`; tried again at `since + wait`.
    Paused { since: f64, wait: f64 },
    /// Video tried again at `since` after a pause of `wait`; `below_since` as in `Sending`.
    Trying {
        since: f64,
        wait: f64,
        below_since: Option<f64>,
    },
    /// The person turned video back on themselves: no more automatic pauses in this call.
    Overridden,
}

/// Low-bandwidth mode for one call. See the module documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct BandwidthGuard {
    state: GuardState,
}

impl Default for BandwidthGuard {
    fn default() -> Self {
        BandwidthGuard {
            state: GuardState::Sending { below_since: None },
        }
    }
}

impl BandwidthGuard {
    /// Whether video is paused by the guard now.
    pub fn paused(&self) -> bool {
        matches!(self.state, GuardState::Paused { .. })
    }

    /// Takes the usable outgoing bandwidth ([`LinkSample::usable_kbps`], kbit/s; `None` when
    /// unknown) at `now_ms` while the person wants to send video, and says what to do. Call it
    /// with every sample.
    pub fn observe(&mut self, now_ms: f64, outgoing_kbps: Option<f64>) -> Option<GuardAction> {
        let low = outgoing_kbps.map(|k| k < LOW_BANDWIDTH_KBPS);
        let held = |since: Option<f64>| since.is_some_and(|s| now_ms - s >= LOW_BANDWIDTH_HOLD_MS);
        let next_below = |below_since: Option<f64>| match low {
            Some(true) => below_since.or(Some(now_ms)),
            Some(false) => None,
            None => below_since,
        };
        match self.state {
            GuardState::Overridden => None,
            GuardState::Sending { below_since } => {
                let below_since = next_below(below_since);
                if held(below_since) {
                    self.state = GuardState::Paused {
                        since: now_ms,
                        wait: FIRST_RETRY_MS,
                    };
                    Some(GuardAction::PauseVideo)
                } else {
                    self.state = GuardState::Sending { below_since };
                    None
                }
            }
            GuardState::Paused { since, wait } => {
                if now_ms - since >= wait {
                    self.state = GuardState::Trying {
                        since: now_ms,
                        wait,
                        below_since: None,
                    };
                    Some(GuardAction::ResumeVideo)
                } else {
                    None
                }
            }
            GuardState::Trying {
                since,
                wait,
                below_since,
            } => {
                let below_since = next_below(below_since);
                if held(below_since) {
                    self.state = GuardState::Paused {
                        since: now_ms,
                        wait: (wait * 2.0).min(MAX_RETRY_MS),
                    };
                    Some(GuardAction::PauseVideo)
                } else if below_since.is_none() && now_ms - since >= LOW_BANDWIDTH_HOLD_MS {
                    // Recovered: the next trouble starts the waits afresh.
                    self.state = GuardState::Sending { below_since: None };
                    None
                } else {
                    self.state = GuardState::Trying {
                        since,
                        wait,
                        below_since,
                    };
                    None
                }
            }
        }
    }

    /// The person asked for video back while it was paused: video resumes and the guard stops
    /// pausing it for the rest of the call (their choice wins). Returns the action to carry out
    /// (`ResumeVideo` when video was paused).
    pub fn resume_by_person(&mut self) -> Option<GuardAction> {
        let was_paused = self.paused();
        self.state = GuardState::Overridden;
        was_paused.then_some(GuardAction::ResumeVideo)
    }

    /// The person turned the camera off (or video stopped for another reason): the clock starts
    /// afresh when it is back. A pause in progress ends without action: there is no video to
    /// resume.
    pub fn reset(&mut self) {
        if self.state != GuardState::Overridden {
            self.state = GuardState::Sending { below_since: None };
        }
    }
}

/// The words for a poor connection, told apart by whose connection it is: `own` is this
/// party's. `other`: the other party's name as shown ("Dr. Ahmed", "Rahim Uddin"). In the
/// current language ([`crate::i18n`]).
pub fn poor_connection_words(own: bool, other: &str) -> String {
    if own {
        text("quality.poor_connection.own")
    } else {
        text_with("quality.poor_connection.other", &[("name", &other)])
    }
}

/// Words while this party's own video is paused for bandwidth, in the current language
/// ([`crate::i18n`]).
pub fn own_video_paused_words() -> String {
    text("quality.video_paused.own")
}

/// Words while the other party's video is paused for bandwidth; `other` as in
/// [`poor_connection_words`]. In the current language ([`crate::i18n`]).
pub fn remote_video_paused_words(other: &str) -> String {
    text_with("quality.video_paused.other", &[("name", &other)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rtt: f64, loss: f64, kbps: f64, fps: Option<f64>) -> LinkSample {
        LinkSample {
            rtt_ms: Some(rtt),
            loss: Some(loss),
            outgoing_kbps: Some(kbps),
            sent_fps: fps,
        }
    }

    #[test]
    fn a_sample_grades_as_its_worst_measure() {
        assert_eq!(
            grade(&sample(40.0, 0.0, 2_000.0, Some(30.0))),
            Some(QualityLevel::Good)
        );
        assert_eq!(
            grade(&sample(400.0, 0.0, 2_000.0, Some(30.0))),
            Some(QualityLevel::Fair)
        );
        assert_eq!(
            grade(&sample(40.0, 0.10, 2_000.0, Some(30.0))),
            Some(QualityLevel::Poor)
        );
        assert_eq!(
            grade(&sample(40.0, 0.0, 100.0, None)),
            Some(QualityLevel::Poor)
        );
        assert_eq!(
            grade(&sample(40.0, 0.0, 2_000.0, Some(5.0))),
            Some(QualityLevel::Poor)
        );
        assert_eq!(grade(&LinkSample::default()), None);
    }

    #[test]
    fn boundaries_are_exact() {
        let rtt = |ms| {
            grade(&LinkSample {
                rtt_ms: Some(ms),
                ..Default::default()
            })
        };
        assert_eq!(rtt(GOOD_RTT_MS), Some(QualityLevel::Good));
        assert_eq!(rtt(GOOD_RTT_MS + 1.0), Some(QualityLevel::Fair));
        assert_eq!(rtt(FAIR_RTT_MS), Some(QualityLevel::Fair));
        assert_eq!(rtt(FAIR_RTT_MS + 1.0), Some(QualityLevel::Poor));
        let loss = |l| {
            grade(&LinkSample {
                loss: Some(l),
                ..Default::default()
            })
        };
        assert_eq!(loss(GOOD_LOSS), Some(QualityLevel::Fair));
        assert_eq!(loss(FAIR_LOSS), Some(QualityLevel::Poor));
        let kbps = |k| {
            grade(&LinkSample {
                outgoing_kbps: Some(k),
                ..Default::default()
            })
        };
        assert_eq!(kbps(LOW_BANDWIDTH_KBPS), Some(QualityLevel::Fair));
        assert_eq!(kbps(LOW_BANDWIDTH_KBPS - 1.0), Some(QualityLevel::Poor));
    }

    #[test]
    fn what_is_lost_does_not_count_as_bandwidth() {
        let s = LinkSample {
            outgoing_kbps: Some(330.0),
            loss: Some(0.8),
            ..Default::default()
        };
        assert_eq!(s.usable_kbps().map(f64::round), Some(66.0));
        assert_eq!(grade(&s), Some(QualityLevel::Poor));
        let clean = LinkSample {
            outgoing_kbps: Some(330.0),
            ..Default::default()
        };
        assert_eq!(clean.usable_kbps(), Some(330.0));
    }

    #[test]
    fn loss_is_counted_between_two_samples() {
        let c = |sent, lost| PacketCounts {
            sent,
            lost,
            retransmitted: 0.0,
        };
        assert_eq!(interval_loss(c(100.0, 0.0), c(200.0, 25.0)), Some(0.25));
        assert_eq!(interval_loss(c(100.0, 5.0), c(200.0, 5.0)), Some(0.0));
        // Nothing sent, or counters that went back (a new connection): unknown.
        assert_eq!(interval_loss(c(100.0, 0.0), c(100.0, 0.0)), None);
        assert_eq!(interval_loss(c(500.0, 9.0), c(20.0, 0.0)), None);
        assert_eq!(interval_loss(c(100.0, 9.0), c(200.0, 3.0)), None);
        // Reports that run ahead of the sent count are capped.
        assert_eq!(interval_loss(c(100.0, 0.0), c(110.0, 30.0)), Some(1.0));
        assert_eq!(interval_loss(c(f64::NAN, 0.0), c(110.0, 30.0)), None);
        // Repair traffic counts: what had to be sent again did not get through the first time.
        let r = |sent, retransmitted| PacketCounts {
            sent,
            retransmitted,
            lost: 0.0,
        };
        assert_eq!(
            interval_loss(r(1000.0, 600.0), r(1100.0, 676.0)),
            Some(0.76)
        );
        assert_eq!(interval_loss(r(1000.0, 600.0), r(1100.0, 500.0)), None);
    }

    #[test]
    fn nonsense_measures_are_left_out() {
        let s = LinkSample {
            rtt_ms: Some(f64::NAN),
            loss: Some(f64::INFINITY),
            outgoing_kbps: Some(900.0),
            sent_fps: None,
        };
        assert_eq!(grade(&s), Some(QualityLevel::Good));
    }

    #[test]
    fn the_shown_level_changes_only_when_two_samples_agree() {
        let mut m = QualityMeter::default();
        assert_eq!(m.observe(QualityLevel::Good), Some(QualityLevel::Good));
        assert_eq!(m.observe(QualityLevel::Poor), None);
        assert_eq!(m.observe(QualityLevel::Good), None);
        assert_eq!(m.observe(QualityLevel::Poor), None);
        assert_eq!(m.observe(QualityLevel::Fair), None);
        assert_eq!(m.observe(QualityLevel::Poor), None);
        assert_eq!(m.observe(QualityLevel::Poor), Some(QualityLevel::Poor));
        assert_eq!(m.shown(), Some(QualityLevel::Poor));
    }

    #[test]
    fn sdk_levels_map_to_ours() {
        assert_eq!(
            QualityLevel::from_livekit("excellent"),
            Some(QualityLevel::Good)
        );
        assert_eq!(QualityLevel::from_livekit("lost"), Some(QualityLevel::Poor));
        assert_eq!(QualityLevel::from_livekit("unknown"), None);
        assert_eq!(QualityLevel::from_twilio(5.0), Some(QualityLevel::Good));
        assert_eq!(QualityLevel::from_twilio(3.0), Some(QualityLevel::Fair));
        assert_eq!(QualityLevel::from_twilio(0.0), Some(QualityLevel::Poor));
        assert_eq!(QualityLevel::from_twilio(f64::NAN), None);
    }

    /// Feeds `kbps` every 2 s from `from` to `to` (ms), returning the actions with their times.
    fn feed(g: &mut BandwidthGuard, from: f64, to: f64, kbps: f64) -> Vec<(f64, GuardAction)> {
        let mut out = vec![];
        let mut t = from;
        while t <= to {
            if let Some(a) = g.observe(t, Some(kbps)) {
                out.push((t, a));
            }
            t += 2_000.0;
        }
        out
    }

    #[test]
    fn video_pauses_after_ten_seconds_below_the_line_and_not_before() {
        let mut g = BandwidthGuard::default();
        assert_eq!(feed(&mut g, 0.0, 8_000.0, 100.0), vec![]);
        // A good sample in between starts the clock afresh.
        assert_eq!(g.observe(10_000.0, Some(800.0)), None);
        assert_eq!(
            feed(&mut g, 12_000.0, 22_000.0, 100.0),
            vec![(22_000.0, GuardAction::PauseVideo)]
        );
        assert!(g.paused());
        // Unknown samples neither start nor stop the clock.
        let mut g = BandwidthGuard::default();
        g.observe(0.0, Some(100.0));
        g.observe(5_000.0, None);
        assert_eq!(
            g.observe(10_000.0, Some(100.0)),
            Some(GuardAction::PauseVideo)
        );
    }

    #[test]
    fn a_paused_video_is_tried_again_with_growing_waits_and_stays_once_the_link_recovered() {
        let mut g = BandwidthGuard::default();
        feed(&mut g, 0.0, 10_000.0, 100.0);
        assert!(g.paused());
        // Tried again after 15 s; the try's clock starts with the first sample sent with video
        // (the one at the try was measured without). Still low for 10 s: paused, next wait 30 s.
        assert_eq!(
            feed(&mut g, 12_000.0, 38_000.0, 100.0),
            vec![
                (26_000.0, GuardAction::ResumeVideo),
                (38_000.0, GuardAction::PauseVideo)
            ]
        );
        assert_eq!(g.observe(66_000.0, Some(100.0)), None);
        assert_eq!(
            g.observe(68_000.0, Some(100.0)),
            Some(GuardAction::ResumeVideo)
        );
        // The link is back: the try holds and the guard is back to plain sending.
        assert_eq!(feed(&mut g, 70_000.0, 80_000.0, 900.0), vec![]);
        assert_eq!(g.state, GuardState::Sending { below_since: None });
        // Trouble later starts from the first wait again.
        feed(&mut g, 82_000.0, 92_000.0, 100.0);
        assert_eq!(
            g.state,
            GuardState::Paused {
                since: 92_000.0,
                wait: FIRST_RETRY_MS
            }
        );
    }

    #[test]
    fn waits_stop_growing_at_the_maximum() {
        let mut g = BandwidthGuard::default();
        let mut t = 0.0;
        let mut waits = vec![];
        for _ in 0..6 {
            while g.observe(t, Some(100.0)) != Some(GuardAction::PauseVideo) {
                t += 1_000.0;
            }
            if let GuardState::Paused { wait, .. } = g.state {
                waits.push(wait);
            }
            t += 1_000.0;
        }
        assert_eq!(
            waits,
            vec![15_000.0, 30_000.0, 60_000.0, 60_000.0, 60_000.0, 60_000.0]
        );
    }

    #[test]
    fn the_persons_choice_wins() {
        let mut g = BandwidthGuard::default();
        feed(&mut g, 0.0, 10_000.0, 100.0);
        assert_eq!(g.resume_by_person(), Some(GuardAction::ResumeVideo));
        assert_eq!(feed(&mut g, 12_000.0, 120_000.0, 50.0), vec![]);
        g.reset();
        assert_eq!(feed(&mut g, 122_000.0, 200_000.0, 50.0), vec![]);
        // Asking while not paused changes nothing to send.
        assert_eq!(BandwidthGuard::default().resume_by_person(), None);
    }

    #[test]
    fn turning_the_camera_off_ends_a_pause_and_restarts_the_clock() {
        let mut g = BandwidthGuard::default();
        feed(&mut g, 0.0, 10_000.0, 100.0);
        g.reset();
        assert!(!g.paused());
        assert_eq!(feed(&mut g, 12_000.0, 20_000.0, 100.0), vec![]);
    }

    #[test]
    fn words_tell_whose_connection_it_is() {
        let own = poor_connection_words(true, "Dr. Ahmed");
        assert!(own.starts_with("Your connection is poor"));
        assert!(own.contains("Wi-Fi"));
        let other = poor_connection_words(false, "Dr. Ahmed");
        assert!(other.starts_with("Dr. Ahmed's connection is poor"));
        assert!(other.contains("Nothing is wrong on your side"));
        assert!(remote_video_paused_words("Rahim").starts_with("Rahim's connection"));
    }

    #[test]
    fn levels_travel_as_lowercase_words() {
        assert_eq!(
            serde_json::to_string(&QualityLevel::Poor).unwrap(),
            "\"poor\""
        );
        assert!(serde_json::from_str::<QualityLevel>("\"awful\"").is_err());
    }
}
