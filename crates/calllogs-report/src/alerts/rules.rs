//! The thresholds of `calllogs alerts`: defaults, and `[alerts]` /
//! `[accounts.alerts]` of `calllogs.toml` over them.

use serde::{Deserialize, Serialize};

/// The thresholds. Defaults fit a contact center of a few hundred calls a
/// day; `[alerts]` in `calllogs.toml` (and an account's own `[accounts.alerts]`)
/// sets any of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// Calls a period needs, recent and baseline, before a rate moves a
    /// finding (ASR, ACD, shares, cost per minute, volume).
    pub min_calls: i64,
    /// ASR (answered / calls) down by at least this many points (0.10: ten).
    pub asr_drop: f64,
    /// Average duration of answered calls down by at least this fraction.
    pub acd_drop: f64,
    /// A failure category's share of calls up by at least this many points.
    pub category_rise: f64,
    /// The short calls' share of answered calls up by at least this many points.
    pub short_share_rise: f64,
    /// Cost per answered minute up by at least this fraction.
    pub cost_per_minute_rise: f64,
    /// Calls up or down by at least this fraction.
    pub volume_change: f64,
    /// Days before the period in which a country must have had no call
    /// for it to be new.
    pub new_country_days: i64,
    /// Calls to a new country that make a finding.
    pub new_country_calls: i64,
    /// Hours after which a call still `in_progress` is stuck.
    pub stuck_hours: i64,
    /// Hours after which an answered call should have its price.
    pub pricing_delay_hours: i64,
    /// `calllogs audit`: a call's per-minute rate further than this many
    /// median absolute deviations from its account's and country's median
    /// is a cost outlier.
    pub outlier_mads: f64,
    /// `calllogs audit`: priced calls an account needs to a country before
    /// its rates are compared.
    pub outlier_min_calls: i64,
    /// `calllogs audit`: how far (in the currency) the stored calls' cost
    /// of a day may be from the provider's usage total before the day is a
    /// finding: rounding, not money.
    pub usage_tolerance: f64,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            min_calls: 100,
            asr_drop: 0.10,
            acd_drop: 0.25,
            category_rise: 0.10,
            short_share_rise: 0.10,
            cost_per_minute_rise: 0.25,
            volume_change: 0.5,
            new_country_days: 30,
            new_country_calls: 1,
            stuck_hours: 24,
            pricing_delay_hours: 24,
            outlier_mads: 6.0,
            outlier_min_calls: 20,
            usage_tolerance: 0.01,
        }
    }
}

impl Rules {
    /// The rules of `[alerts]` (`global`), with an account's own table
    /// over them: a key the account sets wins, the rest come from the
    /// file, then from the defaults. An unknown key or a wrong type is an
    /// error naming it.
    pub fn from_tables(
        global: Option<&toml::Table>,
        account: Option<&toml::Table>,
    ) -> Result<Rules, String> {
        let mut t = global.cloned().unwrap_or_default();
        for (k, v) in account.into_iter().flatten() {
            t.insert(k.clone(), v.clone());
        }
        let rules: Rules = t
            .try_into()
            .map_err(|e: toml::de::Error| e.message().to_string())?;
        let fractions = [
            ("asr_drop", rules.asr_drop),
            ("acd_drop", rules.acd_drop),
            ("category_rise", rules.category_rise),
            ("short_share_rise", rules.short_share_rise),
            ("cost_per_minute_rise", rules.cost_per_minute_rise),
            ("volume_change", rules.volume_change),
        ];
        for (k, v) in fractions {
            if !(v > 0.0 && v.is_finite()) {
                return Err(format!("{k} = {v} must be above 0 (0.10 is ten percent)"));
            }
        }
        for (k, v, unit) in [
            (
                "outlier_mads",
                rules.outlier_mads,
                "median absolute deviations",
            ),
            (
                "usage_tolerance",
                rules.usage_tolerance,
                "in the account's currency",
            ),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(format!("{k} = {v} must be above 0 ({unit})"));
            }
        }
        for (k, v) in [
            ("min_calls", rules.min_calls),
            ("new_country_days", rules.new_country_days),
            ("new_country_calls", rules.new_country_calls),
            ("outlier_min_calls", rules.outlier_min_calls),
        ] {
            if v < 1 {
                return Err(format!("{k} = {v} must be at least 1"));
            }
        }
        for (k, v) in [
            ("stuck_hours", rules.stuck_hours),
            ("pricing_delay_hours", rules.pricing_delay_hours),
        ] {
            if v < 0 {
                return Err(format!("{k} = {v} must not be negative"));
            }
        }
        Ok(rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accounts_rules_override_the_files_and_bad_ones_are_named() {
        let global: toml::Table = toml::from_str("min_calls = 50\nasr_drop = 0.2").unwrap();
        let account: toml::Table = toml::from_str("asr_drop = 0.05").unwrap();
        let r = Rules::from_tables(Some(&global), Some(&account)).unwrap();
        assert_eq!((r.min_calls, r.asr_drop, r.acd_drop), (50, 0.05, 0.25));
        assert_eq!(Rules::from_tables(None, None).unwrap(), Rules::default());
        let typo: toml::Table = toml::from_str("asr_dorp = 0.2").unwrap();
        let e = Rules::from_tables(Some(&typo), None).unwrap_err();
        assert!(e.contains("asr_dorp"), "{e}");
        let zero: toml::Table = toml::from_str("min_calls = 0").unwrap();
        assert!(
            Rules::from_tables(Some(&zero), None)
                .unwrap_err()
                .contains("min_calls")
        );
        let text: toml::Table = toml::from_str("asr_drop = \"ten\"").unwrap();
        assert!(Rules::from_tables(Some(&text), None).is_err());
    }
}
