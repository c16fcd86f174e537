//! The emulators, the fixtures and the mappings held to the providers'
//! official SDKs (in a virtual environment under `target/python/sdks`):
//! our reading of a document is not evidence, the SDK's typed model is.
//!
//! - Every emulator answer and every fixture page, walked against the SDK's
//!   model of a call and of a list: a field the SDK does not know, or an
//!   enum value it does not list, fails (`tests/python/sdk_conformance.py`).
//! - Every field a crate reads (`ProviderInfo::reads`) must be in the model.
//! - The SDK's own client lists the emulator's calls (its requests, paging
//!   and parsing) and finds every call `calllogs fetch` finds.
//! - Every Vapi end reason the SDK lists has its place in the taxonomy.

mod common;

use std::path::Path;

use calllogs::{Category, HangupCause, HangupSource, registry};
use common::python::venv;

/// The providers with an official SDK in the environment, and the
/// emulator flags their check needs.
const WITH_SDK: &[(&str, &[&str])] = &[
    ("vapi", &[]),
    ("twilio", &[]),
    // Plivo lists the last seven days unless asked: keep every call in them.
    ("plivo", &["--days", "6"]),
    ("retell", &[]),
    ("elevenlabs", &[]),
    ("telnyx", &[]),
    ("vonage", &[]),
];

fn fixtures(provider: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(provider)
        .display()
        .to_string()
}

#[test]
fn emulators_fixtures_and_reads_hold_to_the_official_sdks() {
    let Some(py) = venv("sdks") else { return };
    for (provider, flags) in WITH_SDK {
        let mut args = vec!["--provider", provider, "--calls", "400", "--seed", "17"];
        args.extend_from_slice(flags);
        let emu = common::emulate(&args);
        let expect = common::served(&emu, provider).len();
        assert!(expect > 0, "{provider}: the emulator serves calls");
        let reads = serde_json::to_string(registry::info(provider).unwrap().reads).unwrap();
        let mut cmd = py.script("sdk_conformance.py");
        cmd.arg(provider)
            .args(["--base-url", &emu.base_url])
            .args(["--reads", &reads])
            .args(["--fixtures", &fixtures(provider)])
            .args(["--expect", &expect.to_string()]);
        for (k, v) in &emu.exports {
            cmd.args(["--cred", &format!("{k}={v}")]);
        }
        let o = cmd.output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{provider}: the SDK finds fault:\n{out}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(
            report["records"].as_u64().unwrap() > expect as u64,
            "{provider}: {out}"
        );
        assert_eq!(
            report["sdk_calls"].as_u64(),
            Some(expect as u64),
            "{provider}"
        );
    }
}

#[test]
fn the_checker_fails_on_a_field_the_sdk_does_not_know() {
    // The check must be able to fail: a page holding the field the Vapi
    // crate used to read (`phoneNumber.number`) and a reason the SDK lacks.
    let Some(py) = venv("sdks") else { return };
    let dir = common::scratch_dir("sdk-negative");
    let page = serde_json::json!([{
        "id": "fixture0-0000-4000-9000-000000000001",
        "type": "outboundPhoneCall",
        "endedReason": "call.start.error-get-org",
        "phoneNumber": {"number": "+15555550100"}
    }]);
    std::fs::write(dir.join("page-1.json"), page.to_string()).unwrap();
    let emu = common::emulate(&["--provider", "vapi", "--calls", "5"]);
    let mut cmd = py.script("sdk_conformance.py");
    cmd.arg("vapi")
        .args(["--base-url", &emu.base_url])
        .args(["--reads", r#"["id", "phoneNumber.number"]"#])
        .args(["--fixtures", dir.to_str().unwrap()])
        .args(["--expect", "5"]);
    for (k, v) in &emu.exports {
        cmd.args(["--cred", &format!("{k}={v}")]);
    }
    let o = cmd.output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "{out}");
    for finding in [
        "phoneNumber.number: the SDK's TransientTwilioPhoneNumber has no such field",
        "'call.start.error-get-org' is not a value the SDK lists",
        "calllogs reads phoneNumber.number, which the SDK's Call does not have",
    ] {
        assert!(out.contains(finding), "{finding}:\n{out}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Every `endedReason` of vapi-server-sdk's `CallEndedReason`.
fn vapi_ended_reasons() -> Option<Vec<String>> {
    let py = venv("sdks")?;
    let o = py
        .script("sdk_conformance.py")
        .args(["vapi", "--ended-reasons"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(serde_json::from_slice(&o.stdout).unwrap())
}

#[test]
fn every_vapi_end_reason_of_the_sdk_has_its_place() {
    let Some(reasons) = vapi_ended_reasons() else {
        return;
    };
    assert!(reasons.len() > 500, "{}", reasons.len());
    // SuperU's records use Vapi's words: the same function answers both.
    for provider in ["vapi", "superu"] {
        let p = registry::build(provider, &calllogs::Settings::new().without_env()).unwrap();
        let explain = |r: &str| {
            p.explain(r)
                .unwrap_or_else(|| panic!("{provider}: {r} is an end reason"))
        };
        let other: Vec<&String> = reasons
            .iter()
            .filter(|r| explain(r).cause == HangupCause::Other)
            .collect();
        assert!(other.is_empty(), "{provider}: to `other`: {other:?}");
        for r in &reasons {
            let h = explain(r);
            assert_eq!(h.provider_reason.as_deref(), Some(r.as_str()));
            assert_eq!(h.category, h.cause.category(), "{r}");
        }
        let is = |r: &str, cause: HangupCause| {
            assert!(reasons.iter().any(|x| x == r), "the SDK lists {r}");
            assert_eq!(explain(r).cause, cause, "{provider}: {r}");
        };
        is(
            "sip-outbound-unallocated-number",
            HangupCause::UnallocatedNumber,
        );
        is("call.forwarding.no-answer", HangupCause::NoAnswer);
        is(
            "call.ringing.sip-inbound-caller-hungup-before-call-connect",
            HangupCause::Canceled,
        );
        for r in [
            "vonage-completed",
            "call.in-progress.twilio-completed-call",
            "call.in-progress.sip-completed-call",
            "assistant-request-returned-forwarding-phone-number",
        ] {
            is(r, HangupCause::NormalHangup);
        }
        for r in ["scheduled-call-deleted", "call-deleted"] {
            is(r, HangupCause::Canceled);
            assert_eq!(explain(r).source, HangupSource::Api, "{r}");
        }
        for r in [
            "call.start.assistant-version-error-validation",
            "call.start.squad-version-error-validation",
            "call.ringing.error-sip-inbound-call-failed-to-connect",
            "assistant-join-timed-out",
        ] {
            is(r, HangupCause::InternalError);
        }
        for r in [
            "call.ringing.hook-executed-say",
            "call.ringing.hook-executed-transfer",
            "call.ending.hook-executed-say",
            "call.ending.hook-executed-transfer",
        ] {
            assert_ne!(explain(r).cause, HangupCause::Other, "{r}");
        }
        is(
            "call.start.error-subscription-insufficient-credits",
            HangupCause::CanceledOutOfCredits,
        );
        is(
            "call.start.error-subscription-concurrency-limit-reached",
            HangupCause::CanceledSimultaneousDialLimitReached,
        );
        is(
            "call.start.error-vapi-number-outbound-daily-limit",
            HangupCause::CanceledSimultaneousDialLimitReached,
        );
        // A reason that names a SIP response carries that code.
        for (r, sip, cause) in [
            (
                "call.in-progress.error-providerfault-outbound-sip-403-forbidden",
                403,
                HangupCause::Forbidden,
            ),
            (
                "call.in-progress.error-providerfault-outbound-sip-407-proxy-authentication-required",
                407,
                HangupCause::Forbidden,
            ),
            (
                "call.in-progress.error-providerfault-outbound-sip-408-request-timeout",
                408,
                HangupCause::RequestTimeout,
            ),
            (
                "call.in-progress.error-providerfault-outbound-sip-480-temporarily-unavailable",
                480,
                HangupCause::NoAnswer,
            ),
            (
                "call.in-progress.error-providerfault-outbound-sip-503-service-unavailable",
                503,
                HangupCause::NetworkCongestionFromCarrier,
            ),
        ] {
            is(r, cause);
            let h = explain(r);
            assert_eq!(h.sip, Some(sip), "{r}");
            assert_ne!(h.q850, Some(41), "{r}: not a synthesized Q.850 41");
        }
        // Every reason that names a SIP response carries it.
        for r in reasons
            .iter()
            .filter(|r| r.contains("sip-4") || r.contains("sip-5"))
        {
            assert!(explain(r).sip.is_some(), "{r}");
        }
        // Errors of the platform stay system errors.
        assert_eq!(
            explain("pipeline-error-openai-llm-failed").category,
            Category::SystemError
        );
    }
}
