//! Retry delays: exponential backoff with full jitter (AWS Architecture Blog, "Exponential
//! Backoff And Jitter"), used for the signaling reconnect and the room-status polling.

/// Delay before retry number `attempt` (0-based), in milliseconds: a uniformly random value in
/// `[0, min(cap_ms, base_ms · 2^attempt)]`, given `jitter` in `[0, 1)` from the caller's RNG.
/// Never below `floor_ms`, so a retry never spins.
pub fn delay_ms(attempt: u32, base_ms: u64, cap_ms: u64, floor_ms: u64, jitter: f64) -> u64 {
    let ceiling = base_ms.saturating_mul(1u64 << attempt.min(20)).min(cap_ms);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((ceiling as f64 * jitter) as u64).max(floor_ms.min(cap_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_up_to_the_cap() {
        assert_eq!(delay_ms(0, 500, 10_000, 0, 0.999_999), 499);
        assert_eq!(delay_ms(3, 500, 10_000, 0, 0.999_999), 3_999);
        assert_eq!(delay_ms(30, 500, 10_000, 0, 0.999_999), 9_999);
    }

    #[test]
    fn jitter_spreads_and_the_floor_holds() {
        assert_eq!(delay_ms(5, 500, 10_000, 250, 0.0), 250);
        assert_eq!(delay_ms(5, 500, 10_000, 250, 0.5), 5_000);
        assert_eq!(delay_ms(5, 500, 10_000, 250, f64::NAN), 250);
        assert_eq!(delay_ms(5, 500, 10_000, 250, 7.0), 10_000);
    }
}
