//! The taxonomy against the document's own table and Plivo's published codes.

use calllogs_core::taxonomy::key;
use calllogs_core::{Category, Hangup, HangupCause, HangupSource};

/// The cause table of `api-docs/superu-call-logs.txt`, as printed there.
const TABLE: &str = "\
| Normal Completions | |
| Agent Hangup | Agent hangup the call |
| Normal Hangup | Call terminated normally |
| End of XML Instructions | No more XML instructions to execute |
| Multipart Call Ended | MPC ended via API or max duration |
| Kicked Out of Multiparty Call | Participant removed via API |
| Canceled Calls | |
| Unknown | Hangup reason undetermined |
| Canceled | Call canceled via Hangup Call API before answer |
| Canceled (Out of Credits) | Account ran out of credits |
| Canceled (Simultaneous dial limit reached) | Simultaneous dial limit exceeded |
| Destination Issues | |
| Invalid Destination Address | Destination number/endpoint invalid |
| Destination Out of Service | Destination unavailable |
| Endpoint Not Registered | SIP endpoint unregistered/unreachable |
| Destination Country Barred | Country disabled in geo permissions |
| Destination Number Barred | Premium rate numbers disabled |
| Destination Prefix Barred | Prefix not permitted |
| Loop Detected | B-leg would redial A leg's number |
| Violates Media Anchoring | India PSTN regulation violation |
| Call Rejections | |
| No Answer | Destination unavailable/unreachable |
| Busy Line | Destination is busy |
| Rejected | Call rejected by called party |
| Unkown Caller ID | Non-Plivo number used as caller ID |
| Forbiddden | Destination rejected/blocked call |
| Unallocated number | Destination invalid or out of service |
| Carrier Errors | |
| Request timeout | Carrier didn't respond in time |
| Internal server error from carrier | Carrier encountered error |
| Network congestion from carrier | Carrier network overloaded |
| Busy everywhere | All destination endpoints busy |
| Declined | Destination cannot/won't participate |
| User does not exist anywhere | End user doesn't exist |
| Spam block | Carrier rejected due to spam flag |
| DNO Caller ID | Caller ID on Do Not |
| System Errors | |
| Network Error | Fatal network condition |
| Internal Error | Plivo system error |
| Routing Error | Could not route to destination |
| Concurrency Limit Breached | India concurreny call limit exceeded |
| Timeouts | |
| Scheduled Hangup | Max call duration reached |
| Ring Timeout Reached | Not answered within ring timeout |
| Media Timeout | No media packets for 60 seconds |
| URL Errors | |
| Error Reaching Answer URL | Non-2xx response from answer URL |
| Error Reaching Action URL | Non-2xx response from action URL |
| Error Reaching Transfer URL | Non-2xx response from transfer URL |
| Error Reaching Redirect URL | Non-2xx response from redirect URL |
| Invalid Action URL | Action URL not valid |
| Invalid Transfer URL | Transfer URL not valid |
| Invalid Redirect URL | Redirect URL not valid |
| Invalid Method for Action URL | Unsupported HTTP method |
| Invalid Method for Transfer URL | Unsupported HTTP method |
| Invalid Method for Redirect URL | Unsupported HTTP method |
| XML Errors | |
| Invalid Answer XML | Answer URL returned invalid XML |
| Invalid Action XML | Action URL returned invalid XML |
| Invalid Transfer XML | Transfer URL returned invalid XML |
| Invalid Redirect XML | Redirect URL returned invalid XML |
| Special Cases | |
| Lost Race | Another parallel B-leg answered first |
| Machine Detected | Answered by answering machine |
| Confirm Key Challenge Failed | Participant failed to enter confirm key |
";

/// (table row, category heading) pairs parsed from [`TABLE`].
fn rows() -> Vec<(String, String, String)> {
    let mut heading = String::new();
    let mut out = Vec::new();
    for line in TABLE.lines() {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells[1].is_empty() {
            heading = cells[0].to_string();
        } else {
            out.push((cells[0].to_string(), cells[1].to_string(), heading.clone()));
        }
    }
    out
}

/// The contract's identifier for a table name: snake_case, misspellings fixed.
fn contract_id(name: &str) -> String {
    key(name)
        .replace(' ', "_")
        .replace("unkown", "unknown")
        .replace("forbiddden", "forbidden")
}

#[test]
fn every_cause_of_the_table_parses_into_its_category() {
    let rows = rows();
    assert_eq!(rows.len(), 55);
    for (name, desc, heading) in &rows {
        let cause = HangupCause::lookup(name).unwrap_or_else(|| panic!("{name} does not parse"));
        let cause = cause.cause;
        assert_eq!(cause.as_str(), contract_id(name), "{name}");
        assert_eq!(cause.category().title(), heading, "{name}");
        assert_eq!(&heading.parse::<Category>().unwrap(), &cause.category());
        assert_eq!(cause.table_description(), desc);
        // Any letter case and spacing.
        assert_eq!(HangupCause::from(name.to_uppercase().as_str()), cause);
        assert_eq!(
            HangupCause::from(format!("  {}  ", name.to_lowercase().replace(' ', "_")).as_str()),
            cause
        );
    }
    let ids: std::collections::BTreeSet<_> = rows.iter().map(|r| contract_id(&r.0)).collect();
    assert_eq!(ids.len(), 55, "identifiers are unique");
    let cats: std::collections::BTreeSet<_> = HangupCause::ALL
        .iter()
        .map(|c| c.category().as_str())
        .collect();
    assert_eq!(
        cats.into_iter().collect::<Vec<_>>(),
        [
            "call_rejection",
            "canceled",
            "carrier_error",
            "destination_issue",
            "normal_completion",
            "special_case",
            "system_error",
            "timeout",
            "url_error",
            "xml_error"
        ]
    );
}

#[test]
fn misspellings_and_parentheses() {
    assert_eq!(
        HangupCause::from("Unkown Caller ID"),
        HangupCause::UnknownCallerId
    );
    assert_eq!(
        HangupCause::from("Unknown Caller ID"),
        HangupCause::UnknownCallerId
    );
    assert_eq!(HangupCause::from("Forbiddden"), HangupCause::Forbidden);
    assert_eq!(HangupCause::from("forbidden"), HangupCause::Forbidden);
    assert_eq!(
        HangupCause::CanceledOutOfCredits.as_str(),
        "canceled_out_of_credits"
    );
    assert_eq!(
        HangupCause::from("Multiparty Call Ended"),
        HangupCause::MultipartCallEnded
    );
}

/// Plivo's published codes (`hangup-codes.md`).
const PLIVO: &[(u16, &str)] = &[
    (0, "Unknown"),
    (1000, "Canceled"),
    (1010, "Canceled (Out of Credits)"),
    (1020, "Canceled (Simultaneous dial limit reached)"),
    (2000, "Invalid Destination Address"),
    (2010, "Destination Out of Service"),
    (2020, "Endpoint Not Registered"),
    (2030, "Destination Country Barred"),
    (2040, "Destination Number Barred"),
    (2050, "Destination Prefix Barred"),
    (2060, "Loop Detected"),
    (2070, "Violates Media Anchoring"),
    (3000, "No Answer"),
    (3010, "Busy Line"),
    (3020, "Rejected"),
    (3030, "Unknown Caller ID"),
    (3040, "Forbidden"),
    (3050, "Unallocated number"),
    (3070, "Request timeout"),
    (3080, "Internal server error from carrier"),
    (3090, "Network congestion from carrier"),
    (3100, "Busy everywhere"),
    (3110, "Declined"),
    (3120, "User does not exist anywhere"),
    (3130, "Spam block"),
    (3140, "DNO Caller ID"),
    (4000, "Normal Hangup"),
    (4010, "End of XML Instructions"),
    (4020, "Multipart(y) Call Ended"),
    (4030, "Kicked Out of Multiparty Call"),
    (5000, "Network Error"),
    (5010, "Internal Error"),
    (5020, "Routing Error"),
    (5030, "Concurrency Limit Breached"),
    (6000, "Scheduled Hangup"),
    (6010, "Ring Timeout Reached"),
    (6020, "Media Timeout"),
    (7011, "Error Reaching Answer URL"),
    (7012, "Error Reaching Action URL"),
    (7013, "Error Reaching Transfer URL"),
    (7014, "Error Reaching Redirect URL"),
    (7022, "Invalid Action URL"),
    (7023, "Invalid Transfer URL"),
    (7024, "Invalid Redirect URL"),
    (7032, "Invalid Method for Action URL"),
    (7033, "Invalid Method for Transfer URL"),
    (7034, "Invalid Method for Redirect URL"),
    (8011, "Invalid Answer XML"),
    (8012, "Invalid Action XML"),
    (8013, "Invalid Transfer XML"),
    (8014, "Invalid Redirect XML"),
    (9000, "Lost Race"),
    (9100, "Machine Detected"),
    (9110, "Confirm Key Challenge Failed"),
];

#[test]
fn descriptions_are_provider_neutral() {
    for &c in HangupCause::ALL {
        let d = c.description();
        for word in ["Plivo", "Hangup Call API", "B-leg", "MPC", "concurreny"] {
            assert!(!d.contains(word), "{c}: {d:?} names {word:?}");
        }
        assert!(!d.is_empty(), "{c}");
    }
}

#[test]
fn every_published_plivo_code_maps_to_its_cause() {
    for &(code, name) in PLIVO {
        let by_code = HangupCause::from_plivo_code(code).unwrap_or_else(|| panic!("code {code}"));
        assert_eq!(by_code, HangupCause::from(name), "{code} {name}");
        assert_eq!(by_code.plivo_code(), Some(code));
        // A code is Plivo's own numbering: as words it means nothing.
        assert_eq!(
            HangupCause::from(code.to_string().as_str()),
            HangupCause::Other,
            "code as text"
        );
        // Through Plivo's resolution (code first), it is the cause.
        let h = calllogs_core::Hangup::resolve(Some(&code.to_string()), None).unwrap();
        assert_eq!(h.cause, by_code);
    }
    // Only Agent Hangup and the contact-center outcomes have no published code.
    use HangupCause as C;
    let without: Vec<_> = HangupCause::ALL
        .iter()
        .filter(|c| c.plivo_code().is_none())
        .collect();
    assert_eq!(
        without,
        [
            &C::AgentHangup,
            &C::ShortAbandoned,
            &C::AbandonedInIvr,
            &C::AbandonedInQueue,
            &C::OutOfOpeningHours,
            &C::NoAvailableAgent
        ]
    );
    assert_eq!(HangupCause::from_plivo_code(1234), None);
}

#[test]
fn freeswitch_names_map_with_their_q850_numbers() {
    let cases = [
        ("NORMAL_CLEARING", HangupCause::NormalHangup, Some(16)),
        ("USER_BUSY", HangupCause::BusyLine, Some(17)),
        ("NO_USER_RESPONSE", HangupCause::NoAnswer, Some(18)),
        ("NO_ANSWER", HangupCause::NoAnswer, Some(19)),
        ("CALL_REJECTED", HangupCause::Rejected, Some(21)),
        (
            "UNALLOCATED_NUMBER",
            HangupCause::UnallocatedNumber,
            Some(1),
        ),
        ("NO_ROUTE_DESTINATION", HangupCause::RoutingError, Some(3)),
        ("NORMAL_UNSPECIFIED", HangupCause::NormalHangup, Some(31)),
        (
            "RECOVERY_ON_TIMER_EXPIRE",
            HangupCause::RequestTimeout,
            Some(102),
        ),
        ("ORIGINATOR_CANCEL", HangupCause::Canceled, None),
        ("LOSE_RACE", HangupCause::LostRace, None),
        ("MEDIA_TIMEOUT", HangupCause::MediaTimeout, None),
        ("ALLOTTED_TIMEOUT", HangupCause::ScheduledHangup, None),
        (
            "USER_NOT_REGISTERED",
            HangupCause::EndpointNotRegistered,
            Some(20),
        ),
        ("normal_clearing", HangupCause::NormalHangup, Some(16)),
    ];
    for (name, cause, q850) in cases {
        let r = HangupCause::lookup(name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!((r.cause, r.q850), (cause, q850), "{name}");
    }
    assert_eq!(
        HangupCause::lookup("ORIGINATOR_CANCEL").unwrap().sip,
        Some(487)
    );
}

#[test]
fn voice_ai_reasons_carry_who_hung_up() {
    let h = Hangup::resolve(None, Some("customer-ended-call")).unwrap();
    assert_eq!(
        (h.cause, h.source),
        (HangupCause::NormalHangup, HangupSource::Caller)
    );
    let h = Hangup::resolve(None, Some("Customer Ended The Call")).unwrap();
    assert_eq!(h.cause, HangupCause::NormalHangup);
    let h = Hangup::resolve(None, Some("assistant-said-end-call-phrase")).unwrap();
    assert_eq!(
        (h.cause, h.source),
        (HangupCause::AgentHangup, HangupSource::Agent)
    );
    assert_eq!(HangupCause::from("customer-busy"), HangupCause::BusyLine);
    assert_eq!(
        HangupCause::from("customer-did-not-answer"),
        HangupCause::NoAnswer
    );
    assert_eq!(HangupCause::from("voicemail"), HangupCause::MachineDetected);
    assert_eq!(
        HangupCause::from("silence-timed-out"),
        HangupCause::MediaTimeout
    );
    assert_eq!(
        HangupCause::from("exceeded-max-duration"),
        HangupCause::ScheduledHangup
    );
}

#[test]
fn unknown_words_and_codes_become_other_with_the_words_kept() {
    let h = Hangup::resolve(Some("4242"), Some("Gremlins In The Line")).unwrap();
    assert_eq!(h.cause, HangupCause::Other);
    assert_eq!(h.category, Category::Other);
    assert_eq!(h.provider_code.as_deref(), Some("4242"));
    assert_eq!(h.provider_reason.as_deref(), Some("Gremlins In The Line"));
    assert_eq!((h.q850, h.sip), (None, None));
    assert_eq!(HangupCause::from(""), HangupCause::Other);
    assert!(Hangup::resolve(None, None).is_none());
    assert!(Hangup::resolve(Some(" "), Some("")).is_none());
    // The code wins over the words; the words are kept.
    let h = Hangup::resolve(Some("8011"), Some("Busy Line")).unwrap();
    assert_eq!(h.cause, HangupCause::InvalidAnswerXml);
    assert_eq!(h.provider_reason.as_deref(), Some("Busy Line"));
    // An unknown code falls back to the words.
    let h = Hangup::resolve(Some("4242"), Some("Busy Line")).unwrap();
    assert_eq!(h.cause, HangupCause::BusyLine);
}

#[test]
fn serializes_as_the_contract_says() {
    let h = Hangup::resolve(Some("3010"), Some("Busy Line")).unwrap();
    let v = serde_json::to_value(&h).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "cause": "busy_line", "category": "call_rejection", "source": "unknown",
            "provider_code": "3010", "provider_reason": "Busy Line", "q850": 17, "sip": 486
        })
    );
    let back: Hangup = serde_json::from_value(v).unwrap();
    assert_eq!(back, h);
}

#[test]
fn voice_ai_ended_reasons_map_by_family() {
    use calllogs_core::HangupSource as S;
    let cases = [
        ("customer-ended-call", "normal_hangup", S::Caller),
        (
            "customer-ended-call-after-warm-transfer-attempt",
            "normal_hangup",
            S::Caller,
        ),
        ("customer-busy", "busy_line", S::Unknown),
        ("customer-did-not-answer", "no_answer", S::Unknown),
        (
            "assistant-ended-call-after-message-spoken",
            "agent_hangup",
            S::Agent,
        ),
        ("assistant-said-end-call-phrase", "agent_hangup", S::Agent),
        ("assistant-forwarded-call", "normal_hangup", S::Agent),
        (
            "assistant-request-returned-error",
            "error_reaching_answer_url",
            S::System,
        ),
        ("assistant-not-found", "internal_error", S::System),
        ("silence-timed-out", "media_timeout", S::System),
        ("exceeded-max-duration", "scheduled_hangup", S::System),
        ("voicemail", "machine_detected", S::Unknown),
        ("manually-canceled", "canceled", S::Api),
        (
            "pipeline-error-openai-llm-failed",
            "internal_error",
            S::System,
        ),
        (
            "pipeline-error-eleven-labs-voice-not-found",
            "internal_error",
            S::System,
        ),
        (
            "call.in-progress.error-vapifault-transport-never-connected",
            "internal_error",
            S::System,
        ),
        ("call.start.error-get-org", "internal_error", S::System),
        ("twilio-failed-to-connect-call", "network_error", S::Carrier),
        ("vonage-rejected", "rejected", S::Carrier),
        (
            "phone-call-provider-closed-websocket",
            "network_error",
            S::Carrier,
        ),
    ];
    for (reason, cause, source) in cases {
        let h = calllogs_core::Hangup::resolve(None, Some(reason)).unwrap();
        assert_eq!(h.cause.as_str(), cause, "{reason}");
        assert_eq!(h.source, source, "{reason}");
        assert_eq!(
            h.provider_reason.as_deref(),
            Some(reason),
            "the words are kept"
        );
    }
    // A family's prefix must end at a word: `voicemailbox` is not `voicemail`,
    // and what matches no family is `other`, words kept.
    for unknown in [
        "voicemailbox-full",
        "pipelines-are-fine",
        "some-new-reason-2027",
        "assistant-forgot-to-hang-up",
    ] {
        let h = calllogs_core::Hangup::resolve(None, Some(unknown)).unwrap();
        assert_eq!(h.cause.as_str(), "other", "{unknown}");
        assert_eq!(h.provider_reason.as_deref(), Some(unknown));
    }
}
