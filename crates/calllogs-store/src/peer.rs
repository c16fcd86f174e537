//! Who a call was with: the other party's country and line type, and our
//! own line, from the call's numbers and direction. The other party is the
//! callee of an outbound call and the caller of an inbound one. Computed when a call is stored (its rollups carry the
//! country and whether the number is premium rate), never per report.
//!
//! The country and type come from libphonenumber's metadata (the
//! `phonenumber` crate). A number it cannot place in a region (a fictional
//! or unassigned range) gets the main country of its calling code, so
//! `+1 202 555 …` is still `US`, with type `unknown`.

use std::cell::RefCell;
use std::collections::HashMap;

use phonenumber::metadata::DATABASE;
use phonenumber::{PhoneNumber, Type};

/// Where a number is and what kind of line it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// ISO 3166-1 alpha-2 country (`US`, `DE`), or the calling code's main
    /// country for a number in no known range.
    pub country: String,
    /// `mobile`, `fixed`, `fixed_or_mobile`, `toll_free`, `premium`,
    /// `shared_cost`, `voip`, `personal`, `pager`, `uan`, `voicemail`,
    /// `short_code`, `emergency` or `unknown`.
    pub line_type: &'static str,
}

impl Place {
    /// Whether calling the number costs a premium rate (toll fraud's sign).
    pub fn is_premium(&self) -> bool {
        self.line_type == "premium"
    }
}

fn type_word(t: Type) -> &'static str {
    match t {
        Type::FixedLine => "fixed",
        Type::Mobile => "mobile",
        Type::FixedLineOrMobile => "fixed_or_mobile",
        Type::TollFree => "toll_free",
        Type::PremiumRate => "premium",
        Type::SharedCost => "shared_cost",
        Type::PersonalNumber => "personal",
        Type::Voip => "voip",
        Type::Pager => "pager",
        Type::Uan => "uan",
        Type::Emergency => "emergency",
        Type::Voicemail => "voicemail",
        Type::ShortCode => "short_code",
        _ => "unknown",
    }
}

/// The place of an E.164 number (`+` and digits), or `None` for anything
/// else (a SIP URI, a client name, an empty or national number).
pub fn place(number: &str) -> Option<Place> {
    let digits = number.strip_prefix('+')?;
    if digits.len() < 4 || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    MEMO.with(|m| {
        if let Some(p) = m.borrow().get(number) {
            return p.clone();
        }
        let p = lookup(number);
        let mut m = m.borrow_mut();
        if m.len() >= MEMO_CAP {
            m.clear();
        }
        m.insert(number.to_string(), p.clone());
        p
    })
}

fn lookup(number: &str) -> Option<Place> {
    let n: PhoneNumber = phonenumber::parse(None, number).ok()?;
    let valid = n.is_valid();
    let country = n.country().id().map(|id| format!("{id:?}")).or_else(|| {
        // The main region of the calling code (libphonenumber lists it first).
        DATABASE
            .region(&n.code().value())
            .and_then(|r| r.first().map(|s| s.to_string()))
    })?;
    let line_type = if valid {
        type_word(n.number_type(&DATABASE))
    } else {
        "unknown"
    };
    Some(Place { country, line_type })
}

/// Numbers looked up lately: parsing one takes about 15 µs, and a store
/// sees the same lines and callers again and again. Per thread and bounded
/// (cleared when full), and only a cache of a pure function: nothing
/// anyone can observe but the time saved.
const MEMO_CAP: usize = 65_536;

thread_local! {
    static MEMO: RefCell<HashMap<String, Option<Place>>> = RefCell::new(HashMap::new());
}

/// The other party's number, by the call's direction: the caller of an
/// inbound call, else the callee.
pub fn other_party<'a>(
    direction: &str,
    from: Option<&'a str>,
    to: Option<&'a str>,
) -> Option<&'a str> {
    match direction {
        "inbound" => from,
        _ => to,
    }
}

/// The place of a call's other party ([`other_party`], [`place`]).
pub fn of_call(direction: &str, from: Option<&str>, to: Option<&str>) -> Option<Place> {
    other_party(direction, from, to).and_then(place)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_of_several_countries_and_types_are_placed() {
        // libphonenumber's own example numbers, one per country and type.
        let table = [
            ("+12015550123", "US", "fixed_or_mobile"),
            ("+18002345678", "US", "toll_free"),
            ("+19002345678", "US", "premium"),
            ("+442070313000", "GB", "fixed"),
            ("+447400123456", "GB", "mobile"),
            ("+449092345678", "GB", "premium"),
            ("+4930123456", "DE", "fixed"),
            ("+4915123456789", "DE", "mobile"),
            ("+33123456789", "FR", "fixed"),
            ("+33612345678", "FR", "mobile"),
            ("+33891123456", "FR", "premium"),
            ("+919876543210", "IN", "mobile"),
            ("+5511961234567", "BR", "mobile"),
            ("+2348021234567", "NG", "mobile"),
            ("+61212345678", "AU", "fixed"),
            ("+16135550123", "CA", "fixed_or_mobile"),
        ];
        for (number, country, kind) in table {
            let p = place(number).unwrap_or_else(|| panic!("{number}: not placed"));
            assert_eq!(
                (p.country.as_str(), p.line_type),
                (country, kind),
                "{number}"
            );
        }
        assert!(place("+19002345678").unwrap().is_premium());
    }

    #[test]
    fn a_number_in_no_known_range_gets_its_calling_codes_country() {
        // 555-01xx is fictional: no line type, but still North America's US.
        let p = place("+12025550130").unwrap();
        assert_eq!(p.country, "US");
        let p = place("+447700900123").unwrap();
        assert_eq!((p.country.as_str(), p.line_type), ("GB", "unknown"));
    }

    #[test]
    fn what_is_not_an_e164_number_has_no_place() {
        for n in [
            "",
            "+",
            "5551234",
            "sip:agent@example.com",
            "client:bo",
            "+1-202-555",
            "+999",
        ] {
            assert_eq!(place(n), None, "{n:?}");
        }
    }

    #[test]
    fn the_other_party_is_the_callee_of_an_outbound_call_and_the_caller_of_an_inbound_one() {
        assert_eq!(other_party("outbound", Some("a"), Some("b")), Some("b"));
        assert_eq!(other_party("inbound", Some("a"), Some("b")), Some("a"));
        assert_eq!(other_party("unknown", Some("a"), Some("b")), Some("b"));
        let de = of_call("inbound", Some("+4930123456"), Some("+12015550123")).unwrap();
        assert_eq!(de.country, "DE");
    }
}
