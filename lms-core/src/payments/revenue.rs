//! The creator's share of a sale, in integer minor units.
//!
//! The rule: the creator gets `floor(amount × percent / 100)`; the platform keeps the
//! remainder, so the two parts always sum to the amount and rounding never favours the
//! creator. A refund reverses both parts in proportion, computed on the running total so
//! that the rounding of several partial refunds never drifts: after refunds totalling
//! `r` of an amount `a`, the creator has given back `floor(creator × r / a)` and the
//! platform the rest of `r`. A full refund therefore reverses both parts exactly.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The creator's percentage of each sale (0 to 100; 70 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueShare(u8);

impl Default for RevenueShare {
    fn default() -> Self {
        Self(70)
    }
}

impl RevenueShare {
    /// A share of `percent` (0 to 100).
    pub fn new(percent: u8) -> Result<Self> {
        if percent > 100 {
            return Err(Error::invalid(
                "creator_share_percent",
                "out_of_range",
                "must be between 0 and 100",
            ));
        }
        Ok(Self(percent))
    }

    /// The percentage.
    pub fn percent(self) -> u8 {
        self.0
    }

    /// Splits a sale of `amount_minor` (≥ 0) between creator and platform.
    pub fn split(self, amount_minor: i64) -> RevenueSplit {
        let creator = proportion(amount_minor, i64::from(self.0), 100);
        RevenueSplit {
            creator_minor: creator,
            platform_minor: amount_minor - creator,
        }
    }
}

/// A sale's (or a refund's) parts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueSplit {
    /// The creator's part.
    pub creator_minor: i64,
    /// The platform's part.
    pub platform_minor: i64,
}

impl RevenueSplit {
    /// Both parts together.
    pub fn total(self) -> i64 {
        self.creator_minor + self.platform_minor
    }

    /// Both parts of this and `other` added.
    pub fn plus(self, other: RevenueSplit) -> RevenueSplit {
        RevenueSplit {
            creator_minor: self.creator_minor + other.creator_minor,
            platform_minor: self.platform_minor + other.platform_minor,
        }
    }

    /// Both parts of `other` taken from this.
    pub fn minus(self, other: RevenueSplit) -> RevenueSplit {
        RevenueSplit {
            creator_minor: self.creator_minor - other.creator_minor,
            platform_minor: self.platform_minor - other.platform_minor,
        }
    }

    /// What a refund of `refund_minor` reverses of this sale, when `refunded_before_minor`
    /// had already been refunded: the difference between the proportional reversal after
    /// and before it (see the module docs). Both amounts are within the sale.
    pub fn reversal(self, refunded_before_minor: i64, refund_minor: i64) -> RevenueSplit {
        let amount = self.total();
        let creator_after = proportion(self.creator_minor, refunded_before_minor + refund_minor, amount);
        let creator_before = proportion(self.creator_minor, refunded_before_minor, amount);
        let creator = creator_after - creator_before;
        RevenueSplit {
            creator_minor: creator,
            platform_minor: refund_minor - creator,
        }
    }
}

/// `floor(value × numerator / denominator)` for non-negative inputs, in 128-bit
/// arithmetic so no product overflows; 0 when the denominator is 0.
fn proportion(value: i64, numerator: i64, denominator: i64) -> i64 {
    if denominator <= 0 {
        return 0;
    }
    let exact = i128::from(value) * i128::from(numerator) / i128::from(denominator);
    // value × numerator / denominator ≤ value whenever numerator ≤ denominator, which
    // every caller guarantees, so the result fits.
    i64::try_from(exact).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::money::Money;

    #[test]
    fn the_creator_part_is_rounded_down() {
        let split = RevenueShare::new(70).unwrap().split(999);
        assert_eq!(
            split,
            RevenueSplit {
                creator_minor: 699,
                platform_minor: 300
            }
        );
        assert!(RevenueShare::new(101).is_err());
    }

    #[test]
    fn a_full_refund_in_parts_reverses_everything() {
        let sale = RevenueShare::new(70).unwrap().split(1000);
        let first = sale.reversal(0, 333);
        let second = sale.reversal(333, 333);
        let last = sale.reversal(666, 334);
        assert_eq!(first.creator_minor + second.creator_minor + last.creator_minor, 700);
        assert_eq!(first.platform_minor + second.platform_minor + last.platform_minor, 300);
    }

    proptest! {
        #[test]
        fn parts_always_sum_to_the_amount(amount in 0..=Money::MAX_MINOR, percent in 0u8..=100) {
            let split = RevenueShare::new(percent).unwrap().split(amount);
            prop_assert_eq!(split.total(), amount);
            prop_assert!(split.creator_minor >= 0 && split.platform_minor >= 0);
            prop_assert!(split.creator_minor * 100 <= amount * i64::from(percent));
        }

        #[test]
        fn refunds_reverse_both_parts_in_proportion_and_never_more(
            amount in 1..=Money::MAX_MINOR,
            percent in 0u8..=100,
            cuts in proptest::collection::vec(1u32..=1000, 1..6),
        ) {
            let sale = RevenueShare::new(percent).unwrap().split(amount);
            // Refunds of the given relative sizes that together refund everything.
            let weights: u64 = cuts.iter().map(|&c| u64::from(c)).sum();
            let mut refunded = 0;
            let mut reversed = RevenueSplit::default();
            for (i, &cut) in cuts.iter().enumerate() {
                let refund = if i + 1 == cuts.len() {
                    amount - refunded
                } else {
                    (i128::from(amount) * i128::from(cut) / i128::from(weights)) as i64
                };
                let part = sale.reversal(refunded, refund);
                prop_assert_eq!(part.total(), refund);
                prop_assert!(part.creator_minor >= 0 && part.platform_minor >= 0);
                refunded += refund;
                reversed.creator_minor += part.creator_minor;
                reversed.platform_minor += part.platform_minor;
                prop_assert!(reversed.creator_minor <= sale.creator_minor);
                prop_assert!(reversed.platform_minor <= sale.platform_minor);
            }
            prop_assert_eq!(reversed, sale);
        }
    }
}
