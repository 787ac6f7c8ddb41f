//! When the app renews its access token (sessions of a clinic day, issue 14).
//!
//! The server's access tokens are short-lived (15 min by default); the app renews them with the
//! session's refresh token *before* they end, so no request, no signaling reconnect and no call
//! ever meets an expired token: at half the remaining life, and at most [`REFRESH_LEAD_MAX_S`]
//! before the end.

/// The latest a renewal is started before the access token ends: 60 s (room for a slow network
/// and one retry).
pub const REFRESH_LEAD_MAX_S: i64 = 60;
/// After a failed renewal (network), the next try: 10 s later.
pub const REFRESH_RETRY_S: i64 = 10;

/// Seconds from `now_s` until the token ending at `expires_at_s` (both Unix seconds) should be
/// renewed; 0 when that moment has passed (or the token already ended).
pub fn refresh_delay_s(now_s: i64, expires_at_s: i64) -> i64 {
    let remaining = expires_at_s.saturating_sub(now_s);
    if remaining <= 0 {
        return 0;
    }
    remaining - (remaining / 2).min(REFRESH_LEAD_MAX_S)
}

/// Whether a request sent at `now_s` should renew first: the token ends within `margin_s`.
pub fn needs_refresh(now_s: i64, expires_at_s: i64, margin_s: i64) -> bool {
    now_s.saturating_add(margin_s) >= expires_at_s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_comes_a_minute_before_the_end_or_at_half_life_for_short_tokens() {
        // A 15-minute token: renewed at 14 min.
        assert_eq!(refresh_delay_s(1_000, 1_000 + 900), 840);
        // A 20-second token (tests): renewed at 10 s.
        assert_eq!(refresh_delay_s(1_000, 1_020), 10);
        // Already ended, or ending now: at once.
        assert_eq!(refresh_delay_s(1_000, 990), 0);
        assert_eq!(refresh_delay_s(1_000, 1_000), 0);
        assert_eq!(refresh_delay_s(1_000, 1_001), 1);
        // Never overflows on nonsense.
        assert_eq!(
            refresh_delay_s(i64::MIN, i64::MAX),
            i64::MAX - REFRESH_LEAD_MAX_S
        );
        assert_eq!(refresh_delay_s(i64::MAX, i64::MIN), 0);
    }

    #[test]
    fn a_request_renews_first_when_the_token_ends_within_the_margin() {
        assert!(!needs_refresh(1_000, 1_100, 30));
        assert!(needs_refresh(1_000, 1_030, 30));
        assert!(needs_refresh(1_000, 900, 30));
        assert!(needs_refresh(i64::MAX, 0, 30));
    }
}
