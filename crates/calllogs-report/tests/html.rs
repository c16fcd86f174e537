//! The HTML report's structure for a known store, on both backends: it
//! parses (strictly, as XML), holds the charts and numbers expected, and
//! references nothing outside itself.

use calllogs::{Call, Cost, Hangup, Status};
use calllogs_report::report::{Bucket, Dashboard, GroupBy, ReportQuery, dashboard};
use calllogs_store::store::Store;
use chrono::{DateTime, Duration, TimeZone, Utc};

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn call(
    provider: &str,
    id: &str,
    start: DateTime<Utc>,
    status: Status,
    duration: i64,
    cost: Option<&str>,
    cause: &str,
    agent: Option<&str>,
) -> Call {
    let mut c = Call::new(provider, id);
    c.status = status;
    c.started_at = Some(start);
    c.answered_at = (status == Status::Completed).then_some(start);
    c.ended_at = Some(start + Duration::seconds(duration));
    c.duration_s = Some(duration);
    c.cost = cost.map(|a| Cost::new(a, "USD"));
    c.hangup = Hangup::resolve(None, Some(cause));
    if let Some(a) = agent {
        c.agents = vec![serde_json::from_value(serde_json::json!({"id": a})).unwrap()];
        c.campaign = Some(serde_json::from_value(serde_json::json!({"id": "camp-7"})).unwrap());
    }
    c
}

/// Six calls over three days, two providers.
fn fixture() -> Vec<(&'static str, Vec<Call>)> {
    vec![
        (
            "acct",
            vec![
                call(
                    "plivo",
                    "p1",
                    at(20, 9),
                    Status::Completed,
                    100,
                    Some("0.01700"),
                    "Normal Hangup",
                    None,
                ),
                call(
                    "plivo",
                    "p2",
                    at(20, 10),
                    Status::Completed,
                    50,
                    Some("0.00850"),
                    "Normal Hangup",
                    None,
                ),
                call(
                    "plivo",
                    "p3",
                    at(21, 9),
                    Status::Busy,
                    0,
                    Some("0"),
                    "Busy Line",
                    None,
                ),
            ],
        ),
        (
            "voice",
            vec![
                call(
                    "superu",
                    "s1",
                    at(21, 11),
                    Status::NoAnswer,
                    30,
                    None,
                    "No Answer",
                    Some("asst-1"),
                ),
                call(
                    "superu",
                    "s2",
                    at(22, 8),
                    Status::Failed,
                    0,
                    None,
                    "Network Error",
                    Some("asst-1"),
                ),
                call(
                    "superu",
                    "s3",
                    at(22, 9),
                    Status::Completed,
                    200,
                    None,
                    "Normal Hangup",
                    Some("asst-2"),
                ),
            ],
        ),
    ]
}

async fn stores(name: &str) -> Vec<Store> {
    let mut stores = vec![Store::in_memory().unwrap()];
    if let Some(pg) = calllogs_pgtest::shared() {
        stores.push(Store::open(&pg.database(name)).await.unwrap());
    }
    for store in &mut stores {
        for (account, calls) in fixture() {
            store.upsert(account, &calls).await.unwrap();
        }
    }
    stores
}

fn query(since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> ReportQuery {
    ReportQuery {
        since,
        until,
        provider: None,
        by: GroupBy::Provider,
    }
}

/// What the charts and tables say, read back from the parsed document.
struct Read {
    charts: Vec<String>,
    bars: usize,
    titles: Vec<String>,
    tiles: Vec<(String, String)>,
    tables: Vec<String>,
    text: String,
}

fn read(html: &str) -> Read {
    let doc = roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("not well-formed: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "html");
    let mut r = Read {
        charts: Vec::new(),
        bars: 0,
        titles: Vec::new(),
        tiles: Vec::new(),
        tables: Vec::new(),
        text: String::new(),
    };
    for n in root.descendants() {
        let name = n.tag_name().name();
        // Nothing is fetched: no script, stylesheet, image, frame or object,
        // and no attribute points anywhere.
        assert!(
            !matches!(
                name,
                "script"
                    | "link"
                    | "img"
                    | "iframe"
                    | "object"
                    | "embed"
                    | "image"
                    | "use"
                    | "video"
                    | "audio"
            ),
            "<{name}> in a self-contained report"
        );
        for a in n.attributes() {
            assert!(
                !matches!(a.name(), "src" | "href" | "srcset" | "action" | "data"),
                "{}={:?} on <{name}>",
                a.name(),
                a.value()
            );
        }
        if let Some(chart) = n.attribute("data-chart") {
            r.charts.push(chart.to_string());
            if chart == "calls" {
                r.bars = n
                    .children()
                    .filter(|c| c.attribute("class") == Some("bar"))
                    .count();
            }
        }
        if name == "title" && n.ancestors().any(|a| a.has_attribute("data-chart")) {
            r.titles.push(n.text().unwrap_or_default().to_string());
        }
        if let Some(kpi) = n.attribute("data-kpi") {
            let b = n.children().find(|c| c.tag_name().name() == "b").unwrap();
            r.tiles
                .push((kpi.to_string(), b.text().unwrap_or_default().to_string()));
        }
        if let Some(t) = n.attribute("data-table") {
            r.tables.push(t.to_string());
        }
        if n.is_text() {
            r.text.push_str(n.text().unwrap_or_default());
            r.text.push(' ');
        }
    }
    // The only URL in the file is the SVG namespace, which is a name, not a fetch.
    let urls = html.matches("http").count();
    let namespaces = html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
    assert_eq!(urls, namespaces, "no URL but the SVG namespace");
    assert!(!html.contains("url(") && !html.contains("@import"));
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_of_a_known_store_holds_its_charts_and_numbers() {
    let mut dashboards: Vec<Dashboard> = Vec::new();
    for store in stores("html").await {
        let backend = store.backend();
        let d = dashboard(&store, &query(None, None)).await.unwrap();
        assert_eq!(d.bucket, Bucket::Day, "{backend}");
        let html = calllogs_report::html::render(&d, "calls.db");
        let r = read(&html);
        assert_eq!(
            r.charts,
            ["calls", "asr", "acd", "categories", "cost-USD"],
            "{backend}"
        );
        assert_eq!(r.bars, 3, "{backend}: one bar a day");
        for t in [
            "2026-11-20 · completed: 2",
            "2026-11-21 · busy: 1",
            "2026-11-21 · no_answer: 1",
            "2026-11-22 · failed: 1",
            "2026-11-20: 100.0%",
            "2026-11-20: 1m15s",
            "2026-11-20: 0.0255 USD",
            "Normal Completions: 3 (50.0%)",
        ] {
            assert!(
                r.titles.iter().any(|x| x == t),
                "{backend}: no {t:?} in {:?}",
                r.titles
            );
        }
        let tile = |k: &str| r.tiles.iter().find(|(id, _)| id == k).unwrap().1.clone();
        assert_eq!(tile("calls"), "6", "{backend}");
        assert_eq!(tile("asr"), "50.0%", "{backend}");
        assert_eq!(tile("acd"), "1m57s", "{backend}");
        assert_eq!(tile("ner"), "83.3%", "{backend}");
        assert_eq!(tile("cost"), "0.0255 USD", "{backend}");
        assert_eq!(
            r.tables,
            [
                "causes",
                "cost",
                "cost-audit",
                "providers",
                "agents",
                "campaigns"
            ],
            "{backend}"
        );
        // The causes with the taxonomy's words for them.
        assert!(
            r.text.contains("Destination is busy"),
            "{backend}: {}",
            r.text
        );
        assert!(r.text.contains("superu/asst-1") && r.text.contains("superu/camp-7"));
        dashboards.push(d);
    }
    if let [sqlite, postgres] = &dashboards[..] {
        assert_eq!(
            serde_json::to_value(sqlite).unwrap(),
            serde_json::to_value(postgres).unwrap(),
            "the same dashboard from both backends"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_single_day_and_one_provider_ranges_render() {
    for store in stores("html_edges").await {
        let backend = store.backend();
        // Nothing in range: tiles with dashes, no chart, no division by zero.
        let d = dashboard(&store, &query(Some(at(1, 0)), Some(at(2, 0))))
            .await
            .unwrap();
        let html = calllogs_report::html::render(&d, "calls.db");
        let r = read(&html);
        assert!(r.charts.is_empty(), "{backend}");
        assert!(html.contains(r#"data-empty="true""#));
        assert!(
            r.tiles.iter().any(|(k, v)| k == "asr" && v == "-"),
            "{:?}",
            r.tiles
        );
        assert!(!html.contains("NaN") && !html.contains("inf"), "{backend}");

        // One day, one provider.
        let mut q = query(Some(at(22, 0)), Some(at(23, 0)));
        q.provider = Some("superu".into());
        let d = dashboard(&store, &q).await.unwrap();
        let html = calllogs_report::html::render(&d, "calls.db");
        let r = read(&html);
        assert_eq!(r.bars, 1, "{backend}");
        assert!(
            !r.charts.iter().any(|c| c.starts_with("cost")),
            "{backend}: no cost known"
        );
        assert!(!html.contains("NaN"), "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_ranges_are_bucketed_by_week_or_month() {
    for (days, bucket, most) in [(300, Bucket::Week, 45), (1_100, Bucket::Month, 40)] {
        let mut store = Store::in_memory().unwrap();
        let start = Utc.with_ymd_and_hms(2023, 1, 1, 12, 0, 0).unwrap();
        let calls: Vec<Call> = (0..days)
            .step_by(3)
            .map(|d| {
                call(
                    "plivo",
                    &format!("c{d}"),
                    start + Duration::days(d),
                    Status::Completed,
                    60,
                    None,
                    "Normal Hangup",
                    None,
                )
            })
            .collect();
        store.upsert("acct", &calls).await.unwrap();
        let d = dashboard(&store, &query(None, None)).await.unwrap();
        assert_eq!(d.bucket, bucket);
        let r = read(&calllogs_report::html::render(&d, "calls.db"));
        assert!(r.bars > 5 && r.bars <= most, "{days} days: {} bars", r.bars);
        assert_eq!(d.overall.total, calls.len() as u64);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_come_first_and_the_cost_audit_has_each_day() {
    for mut store in stores("html_findings").await {
        let backend = store.backend();
        // Yesterday: three answered calls, one of them 4 s long, one to a
        // premium-rate number, one not priced yet.
        let yesterday = (Utc::now() - Duration::days(1))
            .date_naive()
            .and_hms_opt(10, 0, 0)
            .unwrap()
            .and_utc();
        let mut calls = vec![
            call(
                "plivo",
                "y1",
                yesterday,
                Status::Completed,
                120,
                Some("0.02000"),
                "Normal Hangup",
                None,
            ),
            call(
                "plivo",
                "y2",
                yesterday,
                Status::Completed,
                4,
                Some("0.01000"),
                "Normal Hangup",
                None,
            ),
            call(
                "plivo",
                "y3",
                yesterday,
                Status::Completed,
                60,
                None,
                "Normal Hangup",
                None,
            ),
        ];
        for c in &mut calls {
            c.direction = calllogs::Direction::Outbound;
            c.from = Some("+12025550100".into());
            c.to = Some("+12015550123".into());
        }
        calls[1].to = Some("+19002345678".into());
        store.upsert("acct", &calls).await.unwrap();

        let d = dashboard(&store, &query(None, None)).await.unwrap();
        let html = calllogs_report::html::render(&d, "calls.db");
        let r = read(&html);
        let first_finding = html.find(r#"data-kind="premium_rate""#);
        let first_tile = html.find("data-kpi=").unwrap();
        assert!(
            first_finding.is_some_and(|f| f < first_tile),
            "{backend}: the premium-rate finding above the tiles"
        );
        assert!(r.tables.contains(&"cost-audit".to_string()), "{backend}");
        // The newest day first: yesterday's row, its figures.
        let row = html
            .split(r#"data-table="cost-audit""#)
            .nth(1)
            .and_then(|t| t.split("<tbody>").nth(1))
            .and_then(|t| t.split("</tr>").next())
            .unwrap();
        let cells: Vec<&str> = row
            .split("<td")
            .skip(1)
            .map(|c| c.split('>').nth(1).unwrap().trim_end_matches("</td"))
            .collect();
        assert_eq!(
            cells,
            [
                yesterday.date_naive().to_string().as_str(),
                "plivo/acct",
                "3",
                "3",
                "3.1",
                "0.03 USD",
                "0.0098",
                "1",
                "1",
                "1"
            ],
            "{backend}: {row}"
        );
        // The per-group tables carry the short, unpriced and per-minute columns.
        let k = &d
            .providers
            .iter()
            .find(|(n, _)| n == "plivo/acct")
            .unwrap()
            .1;
        assert_eq!((k.short, k.unpriced), (1, 1), "{backend}");
        assert_eq!(k.short_share, Some(1.0 / k.answered as f64), "{backend}");
        assert!(html.contains("<th>short</th><th>unpriced</th><th>per min</th>"));
    }
}
