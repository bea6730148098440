//! Whose metrics: an account and region.

/// The account and region a metric belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

impl Scope {
    pub fn new(account: &str, region: &str) -> Self {
        Self {
            account: account.to_string(),
            region: region.to_string(),
        }
    }
}

pub(crate) fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}
