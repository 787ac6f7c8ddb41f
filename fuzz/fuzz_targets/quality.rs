//! Connection-quality rules over any numbers `getStats()` could report (NaN, infinities,
//! negatives, counters that go back): grades and loss stay in range, the meter and the
//! low-bandwidth guard never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use teleconsult_core::quality::{
    grade, interval_loss, BandwidthGuard, LinkSample, PacketCounts, QualityLevel, QualityMeter,
};

fn opt(v: f64, present: bool) -> Option<f64> {
    present.then_some(v)
}

fuzz_target!(|steps: Vec<([f64; 8], u8)>| {
    let mut meter = QualityMeter::default();
    let mut guard = BandwidthGuard::default();
    let mut previous = PacketCounts::default();
    for (v, mask) in steps.into_iter().take(64) {
        let counts = PacketCounts {
            sent: v[0],
            retransmitted: v[1],
            lost: v[2],
        };
        let loss = interval_loss(previous, counts);
        if let Some(l) = loss {
            assert!((0.0..=1.0).contains(&l), "loss {l}");
        }
        previous = counts;
        let sample = LinkSample {
            rtt_ms: opt(v[3], mask & 1 != 0),
            loss: loss.or(opt(v[4], mask & 2 != 0)),
            outgoing_kbps: opt(v[5], mask & 4 != 0),
            sent_fps: opt(v[6], mask & 8 != 0),
        };
        if let Some(level) = grade(&sample) {
            meter.observe(level);
        }
        let _ = meter.shown().map(QualityLevel::bars);
        let _ = guard.observe(v[7], sample.usable_kbps());
        if mask & 16 != 0 {
            let _ = guard.resume_by_person();
        }
        if mask & 32 != 0 {
            guard.reset();
        }
        let _ = QualityLevel::from_twilio(v[4]);
    }
});
