//! Exact decimal sums of costs (providers send them as decimal text).

/// An exact decimal: `units / 10^12`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decimal(i128);

const SCALE: u32 = 12;

impl Decimal {
    /// Parses `0.01667`, `-3`, `1.25e-2`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Decimal> {
        let s = s.trim();
        if s.contains(['e', 'E']) {
            let f: f64 = s
                .parse()
                .ok()
                .filter(|f: &f64| f.is_finite() && f.abs() < 1e15)?;
            return Some(Decimal((f * 10f64.powi(SCALE as i32)).round() as i128));
        }
        let (neg, body) = match s.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || int.len() > 15
        {
            return None;
        }
        let int: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let mut frac: String = frac.chars().take(SCALE as usize).collect();
        while frac.len() < SCALE as usize {
            frac.push('0');
        }
        let units = int * 10i128.pow(SCALE) + frac.parse::<i128>().ok()?;
        Some(Decimal(if neg { -units } else { units }))
    }

    /// The nearest `f64` (for rates and ratios, never for sums).
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / 10f64.powi(SCALE as i32)
    }
}

impl std::ops::Add for Decimal {
    type Output = Decimal;
    fn add(self, other: Decimal) -> Decimal {
        Decimal(self.0.saturating_add(other.0))
    }
}

impl std::ops::Neg for Decimal {
    type Output = Decimal;
    fn neg(self) -> Decimal {
        Decimal(self.0.saturating_neg())
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let scale = 10u128.pow(SCALE);
        let frac = format!("{:012}", abs % scale);
        let frac = frac.trim_end_matches('0');
        let frac = if frac.len() < 2 {
            format!("{frac:0<2}")
        } else {
            frac.to_string()
        };
        write!(f, "{sign}{}.{frac}", abs / scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_add_exactly() {
        let sum = ["0.01667", "0.1", "1.25e-2", "-0.00001", "3"]
            .iter()
            .map(|s| Decimal::parse(s).unwrap())
            .fold(Decimal::default(), |a, b| a + b);
        assert_eq!(sum.to_string(), "3.12916");
        let (a, b) = (
            Decimal::parse("0.1").unwrap(),
            Decimal::parse("0.2").unwrap(),
        );
        assert_eq!((a + b).to_string(), "0.30");
        for bad in ["", "abc", "1.2.3", ".", "--1", "1e400"] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
    }
}
