//! The report over hand-made calls: every test body runs on both backends
//! (SQLite, and a throwaway PostgreSQL cluster; see `calllogs-pgtest`).

use calllogs::{Call, Cost, Status};
use calllogs_report::report::{GroupBy, ReportQuery, report};
use calllogs_store::store::Store;
use chrono::{Duration, Utc};

/// One store per backend: SQLite in memory, and a new PostgreSQL database
/// (absent only outside CI on a machine without PostgreSQL).
async fn stores(name: &str) -> Vec<Store> {
    let mut stores = vec![Store::in_memory().unwrap()];
    if let Some(pg) = calllogs_pgtest::shared() {
        stores.push(Store::open(&pg.database(name)).await.unwrap());
    }
    stores
}

fn call(
    id: &str,
    status: Status,
    answered: bool,
    duration: i64,
    talk: Option<i64>,
    cost: &str,
    cause: &str,
) -> Call {
    let mut c = Call::new("plivo", id);
    c.status = status;
    c.started_at = Some(Utc::now() - Duration::hours(2));
    c.answered_at = answered.then(|| Utc::now() - Duration::hours(2));
    c.duration_s = Some(duration);
    c.talk_time_s = talk;
    c.cost = Some(Cost::new(cost, "USD"));
    c.hangup = calllogs::Hangup::resolve(None, Some(cause));
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_matches_hand_computed_kpis() {
    for store in stores("report").await {
        hand_computed(store).await;
    }
}

async fn hand_computed(mut store: Store) {
    let backend = store.backend();
    let calls = [
        call(
            "1",
            Status::Completed,
            true,
            100,
            Some(90),
            "0.01700",
            "Normal Hangup",
        ),
        call(
            "2",
            Status::Completed,
            true,
            50,
            Some(40),
            "0.00850",
            "Normal Hangup",
        ),
        call("3", Status::NoAnswer, false, 30, None, "0", "No Answer"),
        call("4", Status::Busy, false, 5, None, "0", "Busy Line"),
        call("5", Status::Failed, false, 0, None, "0", "Network Error"),
        call(
            "6",
            Status::InProgress,
            true,
            0,
            None,
            "0.001",
            "Normal Hangup",
        ),
    ];
    store.upsert("acct", &calls).await.unwrap();
    let r = report(
        &store,
        &ReportQuery {
            since: None,
            until: None,
            provider: None,
            by: GroupBy::Provider,
        },
    )
    .await
    .unwrap();
    let k = &r.overall;
    // Attempts: 5 ended calls. Answered: 1, 2. ASR = 2/5. ACD = (100+50)/2.
    assert_eq!((k.total, k.attempts, k.answered), (6, 5, 2), "{backend}");
    assert_eq!(k.asr, Some(0.4));
    assert_eq!(k.acd_s, Some(75.0));
    // One network failure (5) of five attempts.
    assert_eq!(k.ner, Some(0.8));
    assert_eq!(k.avg_talk_s, Some(65.0));
    assert_eq!(k.cost["USD"], "0.0265", "{backend}");
    assert_eq!(k.statuses["completed"], 2);
    assert_eq!(k.categories["normal_completion"], 3);
    assert_eq!(k.top_causes[0], ("normal_hangup".to_string(), 3));
    assert_eq!(r.groups.len(), 1);
    assert_eq!(r.groups[0].0, "plivo/acct");
    let table = r.to_table();
    assert!(
        table.contains("40.0%") && table.contains("1m15s"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_country_groups_each_call_by_the_other_partys_country() {
    use calllogs::Direction;
    use calllogs_report::report::dashboard;
    let mut reports = Vec::new();
    for mut store in stores("report_country").await {
        let backend = store.backend();
        // Two days ago (whole days, from the rollups) and today (a part day,
        // from the calls' facts): both paths give the same groups.
        let mut calls = Vec::new();
        for (i, (to, dir, back)) in [
            ("+4930123456", Direction::Outbound, 2),
            ("+4930123456", Direction::Outbound, 0),
            ("+33612345678", Direction::Outbound, 2),
            ("+12025550100", Direction::Inbound, 0), // ours: the caller counts
            ("sip:agent@example.com", Direction::Outbound, 0),
        ]
        .into_iter()
        .enumerate()
        {
            let mut c = call(
                &format!("c{i}"),
                Status::Completed,
                true,
                60,
                Some(50),
                "0.01000",
                "Normal Hangup",
            );
            c.started_at = Some(Utc::now() - Duration::days(back) - Duration::minutes(5));
            c.direction = dir;
            c.to = Some(to.into());
            // Our lines: one calls out, the other takes the inbound call.
            c.from = Some(if dir == Direction::Inbound {
                "+447400123456".into()
            } else {
                "+12025550199".into()
            });
            calls.push(c);
        }
        store.upsert("acct", &calls).await.unwrap();
        let q = ReportQuery {
            since: Some(Utc::now() - Duration::days(5)),
            // A part day at each end: today's calls come from their facts.
            until: Some(Utc::now() + Duration::hours(1)),
            provider: None,
            by: GroupBy::Country,
        };
        let r = report(&store, &q).await.unwrap();
        let groups: Vec<(&str, u64)> = r
            .groups
            .iter()
            .map(|(k, v)| (k.as_str(), v.total))
            .collect();
        assert_eq!(
            groups,
            [("(no number)", 1), ("DE", 2), ("FR", 1), ("GB", 1)],
            "{backend}"
        );
        assert_eq!(r.overall.total, 5, "{backend}");
        let d = dashboard(&store, &q).await.unwrap();
        let countries: Vec<&str> = d.countries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(countries, ["DE", "FR", "GB"], "{backend}");
        reports.push(serde_json::to_value(&r.groups).unwrap());

        // By our own line: the caller of the outbound calls, the callee of
        // the inbound one; over the whole range, whole and part days alike.
        let by_line = report(
            &store,
            &ReportQuery {
                by: GroupBy::Line,
                ..q.clone()
            },
        )
        .await
        .unwrap();
        let lines: Vec<(&str, u64)> = by_line
            .groups
            .iter()
            .map(|(k, v)| (k.as_str(), v.total))
            .collect();
        assert_eq!(
            lines,
            [("+12025550100", 1), ("+12025550199", 4)],
            "{backend}"
        );
        assert_eq!(by_line.overall, r.overall, "{backend}");
        let last = reports.last_mut().unwrap();
        *last = serde_json::json!([last.clone(), serde_json::to_value(&by_line.groups).unwrap()]);
    }
    assert!(
        reports.windows(2).all(|w| w[0] == w[1]),
        "the backends differ"
    );
}
