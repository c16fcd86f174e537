//! The store's own contract, one body per test run on both backends
//! (SQLite and a throwaway PostgreSQL): migrations, upsert counting,
//! rejects, sync state.

use calllogs::{Call, Cost, Raw, Reject};
use calllogs_store::store::{Store, StoreError, SyncState, Upserted};

/// A new SQLite file and a new PostgreSQL database (absent only outside CI
/// without PostgreSQL), as `db` strings.
fn locations(name: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("calllogs-backends-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut dbs = vec![dir.join("calls.db").to_str().unwrap().to_string()];
    if let Some(pg) = calllogs_pgtest::shared() {
        dbs.push(pg.database(name));
    }
    dbs
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
