//! The store's own contract, one body per test run on both backends
//! (SQLite and a throwaway PostgreSQL): migrations, upsert counting,
//! rejects, sync state.

use calllogs::{Call, Cost, Raw, Reject};
use calllogs_store::store::{Store, StoreError, SyncState, Upserted};

mod common;

/// A new SQLite file and a new PostgreSQL database for test `name`.
fn locations(name: &str) -> Vec<String> {
    common::locations("backends", name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_opening_a_new_store_together_migrate_it_once() {
    for db in locations("migrate") {
        let opened = futures::future::join_all((0..6).map(|_| {
            let db = db.clone();
            tokio::spawn(async move { Store::open(&db).await.map(|_| ()) })
        }))
        .await;
        for o in opened {
            o.unwrap().unwrap_or_else(|e| panic!("{db}: {e}"));
        }
        let store = Store::open(&db).await.unwrap();
        let version = store.schema_version().await.unwrap();
        assert!(version >= 1, "{db}: {version}");
        // Opening again is a no-op.
        assert_eq!(
            Store::open(&db)
                .await
                .unwrap()
                .schema_version()
                .await
                .unwrap(),
            version
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_from_a_newer_calllogs_is_refused() {
    let Some(pg) = calllogs_pgtest::shared() else {
        return;
    };
    let db = pg.database("newer");
    drop(Store::open(&db).await.unwrap());
    let (client, connection) = tokio_postgres::connect(&db, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .execute("UPDATE calllogs_schema SET version = 99", &[])
        .await
        .unwrap();
    assert!(matches!(
        Store::open(&db).await,
        Err(StoreError::TooNew { found: 99, .. })
    ));
}

fn call(id: &str, cost: &str) -> Call {
    let mut c = Call::new("plivo", id);
    c.raw = Raw::from_value(&serde_json::json!({"call_uuid": id, "total_amount": cost}));
    c.cost = Some(Cost::new(cost, "USD"));
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upserts_count_new_updated_and_unchanged() {
    for db in locations("upserts") {
        let mut store = Store::open(&db).await.unwrap();
        let (a, b) = (call("a", "0.0"), call("b", "0.0"));
        assert_eq!(
            store.upsert("acct", &[a, b.clone()]).await.unwrap(),
            Upserted {
                new: 2,
                updated: 0,
                unchanged: 0
            },
            "{db}"
        );
        let late = call("a", "0.01700");
        assert_eq!(
            store.upsert("acct", &[late, b.clone()]).await.unwrap(),
            Upserted {
                new: 0,
                updated: 1,
                unchanged: 1
            },
            "{db}"
        );
        assert_eq!(store.upsert("other", &[b]).await.unwrap().new, 1, "{db}");
        assert_eq!(store.count(Some("plivo"), Some("acct")).await.unwrap(), 2);
        assert_eq!(store.count(None, None).await.unwrap(), 3);
        let got = store.get("plivo", "acct", "a").await.unwrap().unwrap();
        assert_eq!(
            got.cost_amount.as_deref(),
            Some("0.01700"),
            "{db}: exact text"
        );
        assert_eq!(
            got.raw.as_deref(),
            Some(r#"{"call_uuid":"a","total_amount":"0.01700"}"#),
            "{db}: the record as sent"
        );
        // A call sent twice in one batch is one row.
        let twice = [call("c", "1"), call("c", "2")];
        let u = store.upsert("acct", &twice).await.unwrap();
        assert_eq!(
            (u.new, u.new + u.updated + u.unchanged),
            (1, 2),
            "{db}: {u:?}"
        );
        assert_eq!(
            store
                .get("plivo", "acct", "c")
                .await
                .unwrap()
                .unwrap()
                .cost_amount
                .as_deref(),
            Some("2"),
            "{db}: the later record wins"
        );
    }
}

/// Listed pages as a sync sends them (PostgreSQL commits the pages that
/// change no stored call in one round trip, and any other page the way
/// that reads the old rows first): every page is counted, written, summed
/// into the rollups and checkpointed alike, whichever way it went.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_pages_count_write_and_sum_alike_whichever_way_they_commit() {
    for db in locations("listed") {
        let mut store = Store::open(&db).await.unwrap();
        let page_state = |pages: u64| SyncState {
            running: true,
            since: None,
            until: None,
            updated_since: None,
            checkpoint: None,
            pages_done: pages,
            calls_seen: pages,
            synced_until: None,
            count_mismatches: Vec::new(),
        };
        let counts = |u: Upserted| (u.new, u.updated, u.unchanged);
        let commit = async |store: &mut Store, page: &[Call], pages: u64| {
            let u = store
                .commit_page("plivo", "acct", page, &[], &page_state(pages))
                .await
                .unwrap();
            let drift = store.verify_rollups().await.unwrap();
            assert!(drift.is_empty(), "{db}: page {pages}: {drift:?}");
            let state = store.state("plivo", "acct").await.unwrap().unwrap();
            assert_eq!(state.pages_done, pages, "{db}: the page's checkpoint");
            counts(u)
        };
        let (a, b, c, d) = (
            call("a", "0.1"),
            call("b", "0.2"),
            call("c", "0.3"),
            call("d", "0.4"),
        );
        let first = [a.clone(), b.clone(), c.clone()];
        assert_eq!(commit(&mut store, &first, 1).await, (3, 0, 0), "{db}");
        // A lookback read again, with one call more, and one sent twice.
        let again = [a.clone(), b.clone(), c.clone(), d.clone(), d.clone()];
        assert_eq!(commit(&mut store, &again, 2).await, (1, 0, 4), "{db}");
        // A late price: one changed, one as it was, one new.
        let priced = [call("a", "0.9"), b.clone(), call("e", "0.5")];
        assert_eq!(commit(&mut store, &priced, 3).await, (1, 1, 1), "{db}");
        // Unchanged again after the change (back to one round trip).
        let same = [call("a", "0.9"), call("f", "0.6")];
        assert_eq!(commit(&mut store, &same, 4).await, (1, 0, 1), "{db}");
        // A NUL, which PostgreSQL cannot store as it is.
        let mut nul = call("g", "0.7");
        nul.agents = serde_json::from_value(serde_json::json!([{"id": "ag\u{0}x"}])).unwrap();
        assert_eq!(commit(&mut store, &[nul], 5).await, (1, 0, 0), "{db}");
        // A page of nothing still moves the checkpoint.
        assert_eq!(commit(&mut store, &[], 6).await, (0, 0, 0), "{db}");
        assert_eq!(store.count(None, None).await.unwrap(), 7, "{db}");
        let a = store.get("plivo", "acct", "a").await.unwrap().unwrap();
        assert_eq!(
            a.cost_amount.as_deref(),
            Some("0.9"),
            "{db}: the late price"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_its_rejects_and_its_checkpoint_commit_together() {
    for db in locations("commit") {
        let mut store = Store::open(&db).await.unwrap();
        let long = format!("{{\"odd\":\"{}\",\"nul\":\"\\u0000\"}}", "x".repeat(10_000));
        let rejects = [
            Reject {
                provider: "plivo",
                index: 0,
                reason: "no call_uuid".into(),
                raw: long.clone(),
            },
            Reject {
                provider: "plivo",
                index: 2,
                reason: "no call_uuid".into(),
                raw: "{}".into(),
            },
        ];
        let state = SyncState {
            running: true,
            since: Some(chrono::Utc::now() - chrono::Duration::days(1)),
            until: Some(chrono::Utc::now()),
            updated_since: None,
            checkpoint: None,
            pages_done: 1,
            calls_seen: 1,
            synced_until: None,
            // Written with the page, in its transaction (the lease's fence).
            count_mismatches: vec![calllogs_core::paginate::CountMismatch {
                window: calllogs_core::paginate::Window {
                    since: None,
                    until: None,
                },
                announced: 5,
                received: 4,
            }],
        };
        let page = [call("p1", "0.1")];
        store
            .commit_page("plivo", "acct", &page, &rejects, &state)
            .await
            .unwrap();
        // The same page again (a lookback re-read): the rejects stay one row each.
        store
            .commit_page("plivo", "acct", &page, &rejects, &state)
            .await
            .unwrap();
        let kept = store.rejects(Some("plivo"), Some("acct")).await.unwrap();
        assert_eq!(kept.len(), 2, "{db}");
        assert_eq!(
            kept[0].raw, long,
            "{db}: a long record kept whole, in order"
        );
        let back = store.state("plivo", "acct").await.unwrap().unwrap();
        assert!(back.running && back.pages_done == 1, "{db}");
        assert_eq!(back.count_mismatches, state.count_mismatches, "{db}");
        assert_eq!(
            store.count_mismatches("plivo", "acct").await.unwrap(),
            state.count_mismatches,
            "{db}"
        );
        assert_eq!(
            back.since.map(|t| t.timestamp_micros()),
            state.since.map(|t| t.timestamp_micros()),
            "{db}: the pinned range, to the microsecond"
        );
        let status = store.fleet_status().await.unwrap();
        assert_eq!(status.len(), 1, "{db}");
        assert_eq!(status[0].state.as_deref(), Some("running"), "{db}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_past_its_lease_writes_nothing_of_a_sync_not_even_its_count_notes() {
    let Some(pg) = calllogs_pgtest::shared() else {
        return;
    };
    let url = pg.database("fence");
    let Store::Postgres(pgstore) = Store::open(&url).await.unwrap() else {
        panic!("a postgres store");
    };
    let accounts = [("plivo".to_string(), "acct".to_string())];
    let lease = std::time::Duration::from_millis(400);
    let a = calllogs_store::claims::Claims::begin(&pgstore, "process-a", lease, &accounts)
        .await
        .unwrap();
    assert!(matches!(
        a.next().await.unwrap(),
        calllogs_store::claims::Next::Claimed { .. }
    ));
    let mut a_store = a.store_for();
    let mismatch = |announced| calllogs_core::paginate::CountMismatch {
        window: calllogs_core::paginate::Window {
            since: None,
            until: None,
        },
        announced,
        received: 1,
    };
    let state = |m: Vec<calllogs_core::paginate::CountMismatch>| SyncState {
        running: true,
        since: None,
        until: None,
        updated_since: None,
        checkpoint: None,
        pages_done: 1,
        calls_seen: 1,
        synced_until: None,
        count_mismatches: m,
    };
    a_store
        .commit_page("plivo", "acct", &[call("p1", "0.1")], &[], &state(vec![]))
        .await
        .unwrap();
    // A pauses past its lease; B takes the account over and writes its own note.
    tokio::time::sleep(lease + std::time::Duration::from_millis(300)).await;
    let b = calllogs_store::claims::Claims::begin(&pgstore, "process-b", lease * 20, &accounts)
        .await
        .unwrap();
    assert!(matches!(
        b.next().await.unwrap(),
        calllogs_store::claims::Next::Claimed { .. }
    ));
    let mut b_store = b.store_for();
    b_store
        .commit_page("plivo", "acct", &[], &[], &state(vec![mismatch(7)]))
        .await
        .unwrap();
    // A wakes with a page and a count note: neither is written.
    let err = a_store
        .commit_page(
            "plivo",
            "acct",
            &[call("p2", "0.2")],
            &[],
            &state(vec![mismatch(99)]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    let reader = Store::open(&url).await.unwrap();
    assert_eq!(
        reader.count_mismatches("plivo", "acct").await.unwrap(),
        vec![mismatch(7)],
        "B's note stands"
    );
    assert!(reader.get("plivo", "acct", "p2").await.unwrap().is_none());
}

/// The same calls, in both stores: every read of the store's contract
/// answers the same on both, and what it answers is right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_answers_alike_on_both_backends() {
    use calllogs_store::store::{AggFilter, AggKey};
    use chrono::TimeZone;

    let at = |d: u32, h: u32| chrono::Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
    let mut calls = Vec::new();
    // Ids whose byte order differs from a locale's ("B" < "a" < "é").
    for (i, id) in ["a", "B", "é", "Z9", "a-2"].into_iter().enumerate() {
        let mut c = call(id, ["0.010", "0.02", "x", "1e-2", "0"][i]);
        c.started_at = Some(at(2 + i as u32, 10)); // Mon 2 Nov .. Fri 6 Nov
        if i % 2 == 0 {
            c.answered_at = Some(at(2 + i as u32, 10));
            c.duration_s = Some(60 * (i as i64 + 1));
            c.talk_time_s = Some(50);
            c.status = calllogs::Status::Completed;
        } else {
            c.status = calllogs::Status::NoAnswer;
        }
        let mut agent = calllogs::Agent::default();
        agent.id = Some(format!("ag{}", i % 2));
        let mut other = calllogs::Agent::default();
        other.name = Some("shared".into());
        c.agents = vec![agent, other];
        c.campaign = Some(calllogs::Campaign {
            id: (i < 3).then(|| "spring".to_string()),
            name: Some("Spring".into()),
        });
        calls.push(c);
    }
    let mut twilio = Call::new("twilio", "CA1");
    twilio.started_at = Some(at(9, 23));
    twilio.status = calllogs::Status::Busy;
    let (mut sqlite, mut pg) = (None, None);
    for db in locations("reads") {
        let mut store = Store::open(&db).await.unwrap();
        store.upsert("acct", &calls).await.unwrap();
        store.upsert("b-acct", &calls[..1]).await.unwrap();
        store.upsert("acct", &[twilio.clone()]).await.unwrap();
        assert!(store.calls_bytes().await.unwrap() > 0, "{db}");
        if store.backend() == "sqlite" {
            sqlite = Some(store);
        } else {
            pg = Some(store);
        }
    }
    let sqlite = sqlite.unwrap();
    let mut stores = vec![&sqlite];
    stores.extend(pg.as_ref());

    let mut answers = Vec::new();
    for store in stores {
        let name = store.backend();
        assert_eq!(
            store.ids("plivo", "acct").await.unwrap(),
            ["B", "Z9", "a", "a-2", "é"],
            "{name}: byte order"
        );
        assert_eq!(
            store.accounts().await.unwrap(),
            [
                ("plivo".to_string(), "acct".to_string()),
                ("plivo".into(), "b-acct".into()),
                ("twilio".into(), "acct".into())
            ],
            "{name}"
        );
        assert_eq!(store.count(None, None).await.unwrap(), 7, "{name}");
        assert_eq!(store.count(Some("plivo"), None).await.unwrap(), 6, "{name}");
        assert_eq!(store.count(None, Some("acct")).await.unwrap(), 6, "{name}");
        assert!(store.get("plivo", "acct", "nope").await.unwrap().is_none());
        assert!(store.state("plivo", "acct").await.unwrap().is_none());
        assert!(store.rejects(None, None).await.unwrap().is_empty());
        assert_eq!(
            store.count_mismatches("plivo", "nope").await.unwrap(),
            vec![]
        );

        let week = AggFilter {
            since: Some(at(2, 0)),
            until: Some(at(9, 0)),
            provider: Some("plivo".into()),
        };
        assert_eq!(
            store.started_span(&week).await.unwrap(),
            (Some(at(2, 10)), Some(at(6, 10))),
            "{name}"
        );
        assert_eq!(
            store.started_span(&AggFilter::default()).await.unwrap(),
            (Some(at(2, 10)), Some(at(9, 23))),
            "{name}"
        );
        let mut by_key = Vec::new();
        for key in [
            AggKey::None,
            AggKey::Provider,
            AggKey::Day,
            AggKey::Week,
            AggKey::Month,
            AggKey::Agent,
            AggKey::Campaign,
        ] {
            let mut rows = store.aggregate(key, &week).await.unwrap();
            rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            by_key.push((key, rows));
        }
        let overall = &by_key[0].1;
        let completed = overall.iter().find(|r| r.status == "completed").unwrap();
        // Calls a, é, a-2 answered; b-acct's copy of "a" too.
        assert_eq!((completed.calls, completed.answered), (4, 4), "{name}");
        assert_eq!(completed.duration, (60 + 180 + 300 + 60, 4), "{name}");
        // "0.010" + "x" (not a number: left out) + "0" + "0.010", exactly.
        assert_eq!(
            completed.cost.as_deref().map(normal),
            Some("0.02".into()),
            "{name}"
        );
        let no_answer = overall.iter().find(|r| r.status == "no_answer").unwrap();
        assert_eq!(
            no_answer.cost.as_deref().map(normal),
            Some("0.03".into()),
            "{name}"
        );
        let weeks: Vec<_> = by_key[3].1.iter().map(|r| r.key.clone()).collect();
        assert!(
            weeks.iter().all(|k| k.as_deref() == Some("2026-11-02")),
            "{name}: {weeks:?}"
        );
        let agents: std::collections::BTreeSet<_> =
            by_key[5].1.iter().filter_map(|r| r.key.clone()).collect();
        assert_eq!(
            agents.into_iter().collect::<Vec<_>>(),
            ["plivo/ag0", "plivo/ag1", "plivo/shared"],
            "{name}: each agent of a call counts"
        );
        let campaigns: std::collections::BTreeSet<_> =
            by_key[6].1.iter().filter_map(|r| r.key.clone()).collect();
        assert_eq!(
            campaigns.into_iter().collect::<Vec<_>>(),
            ["plivo/Spring", "plivo/spring"],
            "{name}: by id, else name"
        );
        // Costs compared as numbers: SQLite and PostgreSQL may spell an exact sum differently.
        for (_, rows) in &mut by_key {
            for r in rows {
                r.cost = r.cost.as_deref().map(normal);
            }
        }
        answers.push(by_key);
    }
    assert_eq!(
        answers.len(),
        1 + usize::from(calllogs_pgtest::shared().is_some()),
        "every backend answered"
    );
    if let [a, b] = &answers[..] {
        assert_eq!(a, b, "SQLite and PostgreSQL aggregate alike");
    }
}

/// A decimal without trailing zeros (`0.0200` → `0.02`).
fn normal(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// A webhook event of `call` (its key: id and `kind`).
fn event(call: &Call, kind: &str) -> calllogs_store::store::WebhookEvent {
    calllogs_store::store::WebhookEvent {
        provider: call.provider.clone(),
        account: "a".into(),
        key: format!("{}/{kind}", call.id),
        kind: kind.into(),
        call_id: Some(call.id.clone()),
        received_at: chrono::Utc::now(),
        body: format!("{{\"id\":\"{}\"}}", call.id),
        call: Some(call.clone()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_and_the_list_meet_on_one_row_and_neither_erases_the_other() {
    use calllogs::{Direction, Status};
    for db in locations("webhooks") {
        let mut store = Store::open(&db).await.unwrap();
        // The webhook comes first: no price yet, a status, a duration.
        let mut hooked = Call::new("twilio", "CA1");
        hooked.status = Status::Completed;
        hooked.duration_s = Some(61);
        hooked.direction = Direction::Inbound;
        hooked.raw = Raw::from_value(&serde_json::json!({"CallSid": "CA1"}));
        let first = store
            .ingest(&[event(&hooked, "completed"), event(&hooked, "completed")])
            .await
            .unwrap();
        assert_eq!(
            first,
            vec![true, false],
            "{db}: a duplicate in the same group is kept once"
        );
        let again = store.ingest(&[event(&hooked, "completed")]).await.unwrap();
        assert_eq!(again, vec![false], "{db}: a redelivery is recognised");
        let row = store.get("twilio", "a", "CA1").await.unwrap().unwrap();
        assert_eq!(
            (row.status.as_str(), row.seen_via.as_str()),
            ("completed", "webhook"),
            "{db}"
        );
        assert_eq!(row.cost_amount, None);
        // The list brings the price and its own record; its fields win.
        let mut listed = Call::new("twilio", "CA1");
        listed.status = Status::Completed;
        listed.duration_s = Some(62);
        listed.cost = Some(Cost::new("-0.0170", "USD"));
        listed.raw = Raw::from_value(&serde_json::json!({"sid": "CA1", "price": "-0.0170"}));
        store
            .upsert("a", std::slice::from_ref(&listed))
            .await
            .unwrap();
        let row = store.get("twilio", "a", "CA1").await.unwrap().unwrap();
        assert_eq!(row.seen_via, "api,webhook", "{db}");
        assert_eq!(row.cost_amount.as_deref(), Some("-0.0170"));
        assert!(
            row.raw.unwrap().contains("\"sid\""),
            "{db}: the listed record is kept"
        );
        // A late webhook (another event) never overwrites a listed value,
        // but fills what the list lacks (the direction here).
        let mut late = hooked.clone();
        late.status = Status::Failed;
        late.cost = Some(Cost::new("9.99", "USD"));
        store.ingest(&[event(&late, "late")]).await.unwrap();
        let row = store.get("twilio", "a", "CA1").await.unwrap().unwrap();
        assert_eq!(
            (row.status.as_str(), row.cost_amount.as_deref()),
            ("completed", Some("-0.0170")),
            "{db}"
        );
        // The listed record seen again unchanged is not rewritten.
        let n = store
            .upsert("a", std::slice::from_ref(&listed))
            .await
            .unwrap();
        assert_eq!(n.unchanged, 1, "{db}");
        let rows = store.delivery_rows(None).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].hook_duration_s,
            Some(61),
            "{db}: the webhooks' own view is kept"
        );
        assert_eq!(rows[0].hook_status.as_deref(), Some("failed"));
        assert_eq!(rows[0].duration_s, Some(62));
        let counts = store.event_counts().await.unwrap();
        assert_eq!(counts, vec![("twilio".into(), "a".into(), 2)], "{db}");
        // A call only the list has, then its webhook: the listed status stays.
        let mut only_listed = Call::new("twilio", "CA2");
        only_listed.status = Status::NoAnswer;
        store
            .upsert("a", std::slice::from_ref(&only_listed))
            .await
            .unwrap();
        let mut its_hook = only_listed.clone();
        its_hook.status = Status::Busy;
        its_hook.duration_s = Some(0);
        store.ingest(&[event(&its_hook, "busy")]).await.unwrap();
        let row = store.get("twilio", "a", "CA2").await.unwrap().unwrap();
        assert_eq!(
            (row.status.as_str(), row.seen_via.as_str()),
            ("no_answer", "api,webhook"),
            "{db}"
        );
        // Two events of one call in one group (Retell's call_ended and
        // call_analyzed): both kept, merged in arrival order.
        let mut ended = Call::new("retell", "call_9");
        ended.status = Status::Completed;
        ended.duration_s = Some(30);
        let mut analyzed = ended.clone();
        analyzed.analysis = Some(serde_json::json!({"call_summary": "ok"}));
        analyzed.duration_s = None;
        let kept = store
            .ingest(&[
                event(&ended, "call_ended"),
                event(&analyzed, "call_analyzed"),
            ])
            .await
            .unwrap();
        assert_eq!(kept, vec![true, true], "{db}");
        let rows = store.delivery_rows(None).await.unwrap();
        let row = rows.iter().find(|r| r.id == "call_9").unwrap();
        assert_eq!(
            (row.duration_s, row.seen_via.as_str()),
            (Some(30), "webhook"),
            "{db}: the later event keeps what it lacks"
        );
        let stored = store.get("retell", "a", "call_9").await.unwrap().unwrap();
        assert_eq!(stored.status, "completed");
        store.ping().await.unwrap();
    }
}
