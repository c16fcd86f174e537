//! `calllogs explain --provider P WORDS` says what normalizing a record of
//! P with those words gives: over every provider's fixture pages, each
//! call's hangup is what `Provider::explain` gives for the provider's own
//! code (else its words).

use std::path::Path;

use calllogs::{HangupSource, registry};

#[test]
fn explain_gives_what_normalize_gives_for_every_fixture_record() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut compared = 0;
    for info in registry::providers() {
        let provider = registry::build(info.id, &calllogs::Settings::new().without_env()).unwrap();
        let dir = fixtures.join(info.id);
        let files = std::fs::read_dir(&dir)
            .unwrap()
            .chain(std::fs::read_dir(dir.join("detail")).into_iter().flatten())
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file());
        for path in files {
            let body = std::fs::read(&path).unwrap();
            // A page, or a detail response (one record).
            let calls = match provider.decode_page(&body) {
                Ok(page) => page.items,
                Err(_) => serde_json::from_slice::<Box<serde_json::value::RawValue>>(&body)
                    .ok()
                    .and_then(|r| provider.decode_record(&r).ok())
                    .into_iter()
                    .collect(),
            };
            for call in &calls {
                let hangups = call
                    .hangup
                    .iter()
                    .chain(call.agents.iter().filter_map(|a| a.hangup.as_ref()));
                for h in hangups {
                    let words = h.provider_code.as_deref().or(h.provider_reason.as_deref());
                    let Some(words) = words else { continue };
                    let ctx = format!("{} {} {}: {words:?}", info.id, path.display(), call.id);
                    let e = provider
                        .explain(words)
                        .unwrap_or_else(|| panic!("{ctx}: explain says not an end"));
                    assert_eq!(e.cause, h.cause, "{ctx}");
                    assert_eq!(e.category, h.category, "{ctx}");
                    assert_eq!((e.q850, e.sip), (h.q850, h.sip), "{ctx}");
                    // Who hung up may take the record's direction (or, for
                    // Plivo, its own field): compared where the words say.
                    if e.source != HangupSource::Unknown {
                        assert_eq!(e.oriented(call.direction).source, h.source, "{ctx}");
                    }
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 50, "{compared} hangups compared");
}

#[test]
fn a_status_that_is_not_an_end_is_said_so_by_every_provider() {
    for info in registry::providers() {
        let provider = registry::build(info.id, &calllogs::Settings::new().without_env()).unwrap();
        for status in ["queued", "ringing", "in-progress"] {
            assert!(
                provider.explain(status).is_none(),
                "{}: {status} is not an end",
                info.id
            );
        }
    }
}

#[test]
fn numeric_codes_belong_to_their_provider() {
    for info in registry::providers() {
        let provider = registry::build(info.id, &calllogs::Settings::new().without_env()).unwrap();
        let h = provider.explain("8011").unwrap();
        if info.id == "plivo" {
            assert_eq!(h.cause, calllogs::HangupCause::InvalidAnswerXml);
        } else {
            assert_eq!(h.cause, calllogs::HangupCause::Other, "{}: 8011", info.id);
        }
    }
}
