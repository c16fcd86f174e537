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
    assert_eq!(cause_of("some-reason-vapi-added-later"), "other");
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
