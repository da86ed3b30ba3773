//! Request rates per client address for the expensive anonymous endpoints
//! (registration and login each run a 19 MiB argon2 hash, and registration
//! answers whether a phone number is taken). The failed-login lockout in
//! `services::throttle` stays as it is: it counts failures per account and
//! address in the database; this counts every request, in memory.
//!
//! Each instance counts its own requests (GCRA, `governor`): behind a load
//! balancer with N instances an address gets up to N times the quota, which
//! still bounds the work an address can cause. The address is the one
//! `crate::proxies` believes, and an IPv6 client counts by its /64, since
//! one subscriber usually holds a whole /64.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Default requests per address: registrations an hour.
pub const DEFAULT_REGISTER_PER_HOUR: u32 = 10;
/// Default requests per address: logins a minute.
pub const DEFAULT_LOGIN_PER_MINUTE: u32 = 30;

/// The quotas (`ONETHING_REGISTER_PER_HOUR`, `ONETHING_LOGIN_PER_MINUTE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateSettings {
    pub register_per_hour: NonZeroU32,
    pub login_per_minute: NonZeroU32,
}

impl Default for RateSettings {
    fn default() -> Self {
        let n = |v: u32| NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN);
        Self {
            register_per_hour: n(DEFAULT_REGISTER_PER_HOUR),
            login_per_minute: n(DEFAULT_LOGIN_PER_MINUTE),
        }
    }
}

/// Which endpoint a request counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Register,
    Login,
}

/// One limiter per endpoint, keyed by client address.
pub struct RateLimits {
    register: DefaultKeyedRateLimiter<IpAddr>,
    login: DefaultKeyedRateLimiter<IpAddr>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("register_keys", &self.register.len())
            .field("login_keys", &self.login.len())
            .finish()
    }
}

impl RateLimits {
    pub fn new(s: RateSettings) -> Self {
        Self {
            register: RateLimiter::keyed(Quota::per_hour(s.register_per_hour)),
            login: RateLimiter::keyed(Quota::per_minute(s.login_per_minute)),
        }
    }

    /// Counts a request from `ip`: `Err(seconds)` to wait when over quota
    /// (then the request is not counted).
    pub fn check(&self, endpoint: Endpoint, ip: IpAddr) -> Result<(), u64> {
        let limiter = match endpoint {
            Endpoint::Register => &self.register,
            Endpoint::Login => &self.login,
        };
        limiter.check_key(&key_of(ip)).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forgets addresses whose allowance is full again, so that memory
    /// stays bounded by the addresses seen recently. Returns how many are
    /// still remembered.
    pub fn forget_idle(&self) -> usize {
        self.register.retain_recent();
        self.login.retain_recent();
        self.register.shrink_to_fit();
        self.login.shrink_to_fit();
        self.register.len() + self.login.len()
    }
}

/// The counted key of an address: IPv4 as is (an IPv4-mapped IPv6 address
/// as its IPv4), IPv6 by its /64.
pub fn key_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// How long until a full allowance is back, for documentation and tests.
pub fn replenish_interval(s: RateSettings, endpoint: Endpoint) -> Duration {
    match endpoint {
        Endpoint::Register => Duration::from_secs(3600) / s.register_per_hour.get(),
        Endpoint::Login => Duration::from_secs(60) / s.login_per_minute.get(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(register: u32, login: u32) -> RateSettings {
        RateSettings {
            register_per_hour: NonZeroU32::new(register).expect("nonzero"),
            login_per_minute: NonZeroU32::new(login).expect("nonzero"),
        }
    }

    #[test]
    fn an_address_gets_its_quota_then_waits() {
        let limits = RateLimits::new(settings(3, 100));
        let a: IpAddr = "203.0.113.7".parse().expect("ip");
        let b: IpAddr = "203.0.113.8".parse().expect("ip");
        for _ in 0..3 {
            assert_eq!(limits.check(Endpoint::Register, a), Ok(()));
        }
        let wait = limits.check(Endpoint::Register, a).expect_err("over quota");
        // One registration comes back every 20 minutes.
        assert!((1..=1200).contains(&wait), "{wait}");
        assert!(wait > 1100, "{wait}");
        // Another address, and another endpoint, count separately.
        assert_eq!(limits.check(Endpoint::Register, b), Ok(()));
        assert_eq!(limits.check(Endpoint::Login, a), Ok(()));
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        let limits = RateLimits::new(settings(1, 1));
        let one: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let same64: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        let other64: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(limits.check(Endpoint::Login, one), Ok(()));
        assert!(limits.check(Endpoint::Login, same64).is_err());
        assert_eq!(limits.check(Endpoint::Login, other64), Ok(()));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("ip");
        assert_eq!(key_of(mapped), "192.0.2.1".parse::<IpAddr>().expect("ip"));
    }

    #[test]
    fn forgetting_keeps_only_addresses_still_waiting() {
        let limits = RateLimits::new(settings(1, 100));
        let a: IpAddr = "198.51.100.1".parse().expect("ip");
        let b: IpAddr = "198.51.100.2".parse().expect("ip");
        assert_eq!(limits.check(Endpoint::Register, a), Ok(()));
        assert_eq!(limits.check(Endpoint::Login, b), Ok(()));
        // `a` used its hour; `b` gets one login back within a second and a bit.
        std::thread::sleep(replenish_interval(settings(1, 100), Endpoint::Login) * 2);
        assert_eq!(limits.forget_idle(), 1);
        assert!(limits.check(Endpoint::Register, a).is_err(), "still limited");
    }
}
