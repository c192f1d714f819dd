//! Failed sign-ins slow down whoever makes them: per account (guessing one password) and per
//! client address (trying many accounts). A few failures are free; after that each one doubles
//! the wait before the next attempt is even looked at (429 with `Retry-After`), up to a cap.
//! A success clears the account's count; counts are forgotten after a quiet period.
//!
//! Kept in memory: a restart forgets it, and several server instances count separately. That is
//! enough to turn thousands of guesses a minute into a handful an hour.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many failures are free and how the wait grows.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub free_failures: u32,
    pub first_wait: Duration,
    pub max_wait: Duration,
    /// A key with no failure for this long starts from zero again.
    pub forget_after: Duration,
}

impl Policy {
    /// One account: 5 tries, then 1 s, 2 s, 4 s … up to 15 min between guesses.
    pub const ACCOUNT: Policy = Policy {
        free_failures: 5,
        first_wait: Duration::from_secs(1),
        max_wait: Duration::from_secs(15 * 60),
        forget_after: Duration::from_secs(3600),
    };
    /// One address: 20 tries over any accounts (a shared office NAT mistypes too), then the same.
    pub const ADDRESS: Policy = Policy {
        free_failures: 20,
        first_wait: Duration::from_secs(1),
        max_wait: Duration::from_secs(15 * 60),
        forget_after: Duration::from_secs(3600),
    };

    /// The wait after `failures` failures in a row.
    pub fn wait(&self, failures: u32) -> Duration {
        if failures < self.free_failures {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free_failures).min(20);
        (self.first_wait * 2u32.pow(doublings)).min(self.max_wait)
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    blocked_until: Instant,
}

/// Counts per key; bounded so that a flood of made-up e-mail addresses cannot grow it forever.
#[derive(Debug)]
struct Counter {
    policy: Policy,
    keys: HashMap<String, Failures>,
}

const MAX_KEYS: usize = 100_000;

impl Counter {
    fn new(policy: Policy) -> Self {
        Self {
            policy,
            keys: HashMap::new(),
        }
    }

    fn retry_after(&mut self, key: &str, now: Instant) -> Option<Duration> {
        let f = self.keys.get(key)?;
        if now.duration_since(f.last) > self.policy.forget_after {
            self.keys.remove(key);
            return None;
        }
        (f.blocked_until > now).then(|| f.blocked_until - now)
    }

    fn fail(&mut self, key: &str, now: Instant) {
        if self.keys.len() >= MAX_KEYS {
            let forget = self.policy.forget_after;
            self.keys
                .retain(|_, f| now.duration_since(f.last) <= forget);
            if self.keys.len() >= MAX_KEYS {
                // still full of fresh keys: drop those that wait least
                self.keys.retain(|_, f| f.blocked_until > now);
            }
        }
        let f = self.keys.entry(key.to_string()).or_insert(Failures {
            count: 0,
            last: now,
            blocked_until: now,
        });
        if now.duration_since(f.last) > self.policy.forget_after {
            f.count = 0;
        }
        f.count += 1;
        f.last = now;
        f.blocked_until = now + self.policy.wait(f.count);
    }

    fn clear(&mut self, key: &str) {
        self.keys.remove(key);
    }
}

#[derive(Debug)]
struct Counters {
    accounts: Counter,
    addresses: Counter,
}

/// The sign-in throttle shared by every request of a server.
#[derive(Clone, Debug)]
pub struct LoginThrottle(Arc<Mutex<Counters>>);

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(Policy::ACCOUNT, Policy::ADDRESS)
    }
}

/// Why a sign-in is refused before its password is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    Account(Duration),
    Address(Duration),
}

impl Blocked {
    pub fn retry_after(self) -> Duration {
        match self {
            Blocked::Account(d) | Blocked::Address(d) => d,
        }
    }
}

impl LoginThrottle {
    pub fn new(account: Policy, address: Policy) -> Self {
        Self(Arc::new(Mutex::new(Counters {
            accounts: Counter::new(account),
            addresses: Counter::new(address),
        })))
    }

    /// Whether this attempt must wait; checked before the password is.
    pub fn check(&self, email: &str, address: Option<IpAddr>) -> Result<(), Blocked> {
        self.check_at(email, address, Instant::now())
    }

    fn check_at(&self, email: &str, address: Option<IpAddr>, now: Instant) -> Result<(), Blocked> {
        let mut c = self.0.lock().unwrap();
        if let Some(d) = c.accounts.retry_after(&account_key(email), now) {
            return Err(Blocked::Account(d));
        }
        if let Some(d) = address.and_then(|a| c.addresses.retry_after(&a.to_string(), now)) {
            return Err(Blocked::Address(d));
        }
        Ok(())
    }

    pub fn failed(&self, email: &str, address: Option<IpAddr>) {
        self.failed_at(email, address, Instant::now())
    }

    fn failed_at(&self, email: &str, address: Option<IpAddr>, now: Instant) {
        let mut c = self.0.lock().unwrap();
        c.accounts.fail(&account_key(email), now);
        if let Some(a) = address {
            c.addresses.fail(&a.to_string(), now);
        }
    }

    /// A correct password: the account starts from zero (the address keeps its count, so one
    /// valid account cannot be used to reset a spraying attacker's wait).
    pub fn succeeded(&self, email: &str) {
        self.0.lock().unwrap().accounts.clear(&account_key(email));
    }
}

fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_after_the_free_failures_up_to_the_cap() {
        let p = Policy::ACCOUNT;
        assert_eq!(p.wait(4), Duration::ZERO);
        assert_eq!(p.wait(5), Duration::from_secs(1));
        assert_eq!(p.wait(6), Duration::from_secs(2));
        assert_eq!(p.wait(9), Duration::from_secs(16));
        assert_eq!(p.wait(60), Duration::from_secs(900));
    }

    #[test]
    fn an_account_is_blocked_until_its_wait_is_over_and_cleared_by_success() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..5 {
            assert_eq!(t.check_at("A@x.org", Some(ip), now), Ok(()));
            t.failed_at("a@x.org ", Some(ip), now);
        }
        // the same account, however it is spelled
        assert_eq!(
            t.check_at("a@X.org", None, now),
            Err(Blocked::Account(Duration::from_secs(1)))
        );
        assert_eq!(
            t.check_at("a@x.org", None, now + Duration::from_secs(2)),
            Ok(())
        );
        t.succeeded("a@x.org");
        t.failed_at("a@x.org", None, now);
        assert_eq!(t.check_at("a@x.org", None, now), Ok(()));
    }

    #[test]
    fn one_address_trying_many_accounts_is_blocked() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        for i in 0..20 {
            t.failed_at(&format!("user{i}@x.org"), Some(ip), now);
        }
        assert!(matches!(
            t.check_at("fresh@x.org", Some(ip), now),
            Err(Blocked::Address(_))
        ));
        let other: IpAddr = "10.0.0.3".parse().unwrap();
        assert_eq!(t.check_at("fresh@x.org", Some(other), now), Ok(()));
        // forgotten after a quiet hour
        let later = now + Duration::from_secs(3601);
        assert_eq!(t.check_at("fresh@x.org", Some(ip), later), Ok(()));
    }
}
