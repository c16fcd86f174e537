//! Every fixture page, normalized, against its snapshot.

use calllogs_core::{Provider, Settings, Status};
use calllogs_vapi::Vapi;

fn vapi() -> Vapi {
    Vapi::from_settings(&Settings::new().without_env()).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fixtures/vapi/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn fixtures_normalize_as_snapshotted() {
    let vapi = vapi();
    insta::glob!("../../../fixtures/vapi", "*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let page = vapi.decode_page(&body).unwrap();
        let records: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            page.items.len() + page.rejects.len(),
            records.len(),
            "no record lost"
        );
        insta::assert_json_snapshot!(
            serde_json::json!({
                "oldest": page.oldest.as_ref().map(|o| (o.at, &o.ids)),
                "calls": page.items,
                "rejects": page.rejects.iter().map(|r| &r.reason).collect::<Vec<_>>(),
            }),
            {".calls[].raw" => "[raw]"}
        );
    });
}

#[test]
fn the_first_page_maps_turns_costs_and_the_cursor() {
    let page = vapi().decode_page(&fixture("page-1-first.json")).unwrap();
    let c = &page.items[0];
    assert_eq!(c.status, Status::Completed);
    assert_eq!(c.cost.as_ref().unwrap().amount, "0.1234");
    // System and tool messages are not speech.
    let speakers: Vec<_> = c
        .transcript
        .as_ref()
        .unwrap()
        .iter()
        .map(|t| t.speaker.as_deref().unwrap())
        .collect();
    assert_eq!(speakers, ["bot", "user", "bot"]);
    assert_eq!(c.recordings.len(), 2);
    assert_eq!(c.agents[0].id.as_deref(), Some("asst-fixture-0001"));
    assert!(c.agents[0].extra.as_ref().unwrap()["costBreakdown"]["llm"].is_number());
    assert_eq!(c.analysis.as_ref().unwrap()["successEvaluation"], "true");
    // Inbound: the customer called the account's number.
    assert_eq!(c.from.as_deref(), Some("+15555550142"));
    assert_eq!(c.to.as_deref(), Some("+15555550100"));
    // The two calls of 09:20 share the oldest instant: both ids, for the cursor.
    let oldest = page.oldest.unwrap();
    assert_eq!(oldest.at.to_rfc3339(), "2026-11-02T09:20:00+00:00");
    assert_eq!(oldest.ids.len(), 2);
}

#[test]
fn ended_reasons_map_by_family_and_unknown_ones_keep_their_words() {
    let page = vapi()
        .decode_page(&fixture("page-2-ended-reason-families.json"))
        .unwrap();
    let causes: Vec<_> = page
        .items
        .iter()
        .map(|c| {
            let h = c.hangup.as_ref().unwrap();
            (h.provider_reason.clone().unwrap(), h.cause.as_str())
        })
        .collect();
    let cause_of = |r: &str| causes.iter().find(|(w, _)| w == r).unwrap().1;
    assert_eq!(
        cause_of("pipeline-error-openai-llm-failed"),
        "internal_error"
    );
    assert_eq!(cause_of("twilio-failed-to-connect-call"), "network_error");
    assert_eq!(cause_of("vonage-rejected"), "rejected");
    assert_eq!(cause_of("voicemail"), "machine_detected");
    assert_eq!(
        cause_of("call.start.error-subscription-insufficient-credits"),
        "canceled_out_of_credits"
    );
    assert_eq!(
        cause_of("call.start.error-subscription-concurrency-limit-reached"),
        "canceled_simultaneous_dial_limit_reached"
    );
    assert_eq!(
        cause_of("assistant-request-returned-forwarding-phone-number"),
        "normal_hangup"
    );
    assert_eq!(
        cause_of("sip-outbound-unallocated-number"),
        "unallocated_number"
    );
    assert_eq!(
        cause_of("call.ringing.sip-inbound-caller-hungup-before-call-connect"),
        "canceled"
    );
    assert_eq!(cause_of("call-deleted"), "canceled");
    assert_eq!(
        cause_of("call.in-progress.twilio-completed-call"),
        "normal_hangup"
    );
    // A reason that names a SIP response carries that code and its cause.
    let by_reason = |r: &str| {
        page.items
            .iter()
            .find_map(|c| {
                c.hangup
                    .as_ref()
                    .filter(|h| h.provider_reason.as_deref() == Some(r))
            })
            .unwrap()
    };
    let h = by_reason("call.in-progress.error-providerfault-outbound-sip-403-forbidden");
    assert_eq!((h.cause.as_str(), h.sip), ("forbidden", Some(403)));
    let h =
        by_reason("call.in-progress.error-providerfault-outbound-sip-480-temporarily-unavailable");
    assert_eq!((h.cause.as_str(), h.sip), ("no_answer", Some(480)));
    // A conversation took place before the pipeline failed: answered.
    let failed_late = page.items.iter().find(|c| c.id.ends_with("0100")).unwrap();
    assert_eq!(failed_late.status, Status::Completed);
    assert_eq!(
        failed_late.hangup.as_ref().unwrap().cause.as_str(),
        "internal_error"
    );
}

#[test]
fn odd_records_keep_unknown_reasons_sip_customers_and_exponent_costs() {
    let page = vapi()
        .decode_page(&fixture("page-4-odd-records.json"))
        .unwrap();
    let later = page.items.iter().find(|c| c.id.ends_with("0111")).unwrap();
    let h = later.hangup.as_ref().unwrap();
    assert_eq!(h.cause.as_str(), "other");
    assert_eq!(
        h.provider_reason.as_deref(),
        Some("some-reason-vapi-added-later")
    );
    let ws = page.items.iter().find(|c| c.id.ends_with("0304")).unwrap();
    // A websocket call is started by the customer; a SIP customer has an address.
    assert_eq!(ws.direction, calllogs_core::Direction::Inbound);
    assert_eq!(
        ws.from.as_deref(),
        Some("sip:synthetic-customer@sip.example.invalid")
    );
    assert_eq!(
        ws.contact.as_ref().unwrap().number.as_deref(),
        Some("sip:synthetic-customer@sip.example.invalid")
    );
    // 1.5e-05 as the provider sent it is 0.000015 exactly.
    assert_eq!(ws.cost.as_ref().unwrap().amount, "0.000015");
}

#[test]
fn the_line_is_a_transient_numbers_digits_and_campaign_and_customer_ids_are_kept() {
    let page = vapi().decode_page(&fixture("page-1-first.json")).unwrap();
    let by_id = |tail: &str| page.items.iter().find(|c| c.id.ends_with(tail)).unwrap();
    let c = by_id("0006");
    assert_eq!(
        c.from.as_deref(),
        Some("+15555550100"),
        "the transient number's digits"
    );
    assert_eq!(
        c.campaign.as_ref().unwrap().id.as_deref(),
        Some("camp-fixture-0001")
    );
    assert_eq!(
        c.contact.as_ref().unwrap().id.as_deref(),
        Some("cust-fixture-0001")
    );
    // A saved number is only its id: the line is unknown, the customer is not.
    let c = by_id("0007");
    assert_eq!(c.from, None);
    assert!(c.to.is_some());
}

#[test]
fn a_body_that_is_not_a_bare_array_is_an_error() {
    for body in [
        &br#"{"message": "Unauthorized", "statusCode": 401}"#[..],
        b"{\"calls\": []}",
        b"null",
    ] {
        assert!(
            vapi().decode_page(body).is_err(),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}
