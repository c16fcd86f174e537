//! The report as one self-contained HTML file (`calllogs report --html`):
//! KPI tiles, charts drawn here as inline SVG, and tables, with nothing
//! loaded from anywhere (no script, no font, no image, no stylesheet
//! outside the file), readable when printed.
//!
//! Why SVG written by hand rather than a vendored charting library: the
//! charts are bars on a scale (stacked or not, vertical or horizontal);
//! a few hundred lines give them with `<title>` tooltips that work without
//! JavaScript, print sharply, and keep the binary free of a JS bundle.
//!
//! The output is also well-formed XML (every element closed, every
//! attribute quoted), so tests can check its structure with a strict parser.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::str::FromStr;

use calllogs_core::{Category, HangupCause, Status};
use chrono::{DateTime, Utc};

use crate::report::{Dashboard, Kpis, money, pct, per_minute, secs};
use calllogs_store::decimal::Decimal;

/// Escapes text and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `1234567` as `1,234,567`.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn status_color(s: &str) -> &'static str {
    match Status::from_id(s).unwrap_or(Status::Unknown) {
        Status::Completed => "#2e7d32",
        Status::NoAnswer => "#f9a825",
        Status::Busy => "#ef6c00",
        Status::Failed => "#c62828",
        Status::Canceled => "#757575",
        Status::Missed => "#6a1b9a",
        Status::Abandoned => "#8d6e63",
        Status::InProgress => "#1565c0",
        _ => "#9e9e9e",
    }
}

const PALETTE: &[&str] = &[
    "#1565c0", "#2e7d32", "#c62828", "#f9a825", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037",
    "#ad1457", "#558b2f", "#9e9e9e",
];

fn category_color(c: &str) -> &'static str {
    let i = Category::ALL
        .iter()
        .position(|k| k.as_str() == c)
        .unwrap_or(PALETTE.len() - 1);
    PALETTE[i % PALETTE.len()]
}

/// A round upper bound for an axis: 1, 2 or 5 times a power of ten.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if v <= m * p {
            return m * p;
        }
    }
    10.0 * p
}

/// The axis label of a value.
fn short(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Count => {
            if v >= 1_000_000.0 {
                format!("{:.1}M", v / 1_000_000.0)
            } else if v >= 10_000.0 {
                format!("{:.0}k", v / 1000.0)
            } else {
                format!("{v:.0}")
            }
        }
        Unit::Ratio => format!("{:.0}%", v * 100.0),
        Unit::Seconds => secs(Some(v)),
        Unit::Money => {
            if v >= 100.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Unit {
    Count,
    Ratio,
    Seconds,
    Money,
}

const W: f64 = 960.0;
const H: f64 = 240.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 36.0;
const TOP: f64 = 12.0;

/// One bar: its label and its segments (series name, value, shown value).
struct Bar {
    label: String,
    segments: Vec<(String, f64, String)>,
}

/// Vertical bars on a shared scale, segments stacked; every segment has a
/// `<title>` with its numbers.
fn bar_chart(out: &mut String, id: &str, bars: &[Bar], unit: Unit, color: &dyn Fn(&str) -> String) {
    let max = bars
        .iter()
        .map(|b| b.segments.iter().map(|s| s.1).sum::<f64>())
        .fold(0.0, f64::max);
    let top = if matches!(unit, Unit::Ratio) {
        1.0
    } else {
        nice_max(max)
    };
    let plot_w = W - LEFT - 8.0;
    let plot_h = H - TOP - BOTTOM;
    let _ = write!(
        out,
        r#"<svg class="chart" data-chart="{id}" viewBox="0 0 {W} {H}" role="img" xmlns="http://www.w3.org/2000/svg">"#
    );
    for i in 0..=4 {
        let v = top * f64::from(i) / 4.0;
        let y = TOP + plot_h - plot_h * f64::from(i) / 4.0;
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{tx}" y="{ty:.1}" class="axis" text-anchor="end">{label}</text>"##,
            x2 = W - 8.0,
            tx = LEFT - 6.0,
            ty = y + 4.0,
            label = esc(&short(v, unit)),
        );
    }
    let n = bars.len().max(1) as f64;
    let slot = plot_w / n;
    let width = (slot * 0.8).max(1.0);
    // At most about ten labels under the axis; dates without their year
    // (the hover titles keep it).
    let every = bars.len().div_ceil(10).max(1);
    for (i, bar) in bars.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - width) / 2.0;
        let mut y = TOP + plot_h;
        let total: f64 = bar.segments.iter().map(|s| s.1).sum();
        let _ = write!(out, r#"<g class="bar" data-label="{}">"#, esc(&bar.label));
        for (name, v, shown) in &bar.segments {
            if *v <= 0.0 {
                continue;
            }
            let h = plot_h * v / top;
            y -= h;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{h:.1}" fill="{fill}"><title>{title}</title></rect>"#,
                fill = color(name),
                title = esc(&if bar.segments.len() > 1 {
                    format!("{} · {name}: {shown}", bar.label)
                } else {
                    format!("{}: {shown}", bar.label)
                }),
            );
        }
        if total <= 0.0 {
            // An empty bucket still has its place (and says so when hovered).
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{y0:.1}" width="{width:.1}" height="1" fill="#ccc"><title>{}: none</title></rect>"##,
                esc(&bar.label),
                y0 = TOP + plot_h - 1.0
            );
        }
        out.push_str("</g>");
        if i % every == 0 {
            let _ = write!(
                out,
                r#"<text x="{cx:.1}" y="{ly}" class="axis" text-anchor="middle">{}</text>"#,
                esc(axis_label(&bar.label)),
                cx = x + width / 2.0,
                ly = H - BOTTOM + 16.0,
            );
        }
    }
    out.push_str("</svg>");
}

/// `2026-11-23` as `11-23`; anything else as it is.
fn axis_label(label: &str) -> &str {
    let b = label.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        &label[5..]
    } else {
        label
    }
}

/// Horizontal bars, one a row, with the value at the end.
fn hbar_chart(out: &mut String, id: &str, rows: &[(String, u64, String)]) {
    let row_h = 22.0;
    let h = row_h * rows.len().max(1) as f64 + 8.0;
    let label_w = 200.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let _ = write!(
        out,
        r#"<svg class="chart" data-chart="{id}" viewBox="0 0 {W} {h}" role="img" xmlns="http://www.w3.org/2000/svg">"#
    );
    let total: u64 = rows.iter().map(|r| r.1).sum();
    for (i, (label, n, color)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let w = (W - label_w - 120.0) * *n as f64 / max;
        let share = if total > 0 {
            *n as f64 / total as f64 * 100.0
        } else {
            0.0
        };
        let _ = write!(
            out,
            r#"<text x="{lx}" y="{ty:.1}" class="axis" text-anchor="end">{l}</text><rect x="{label_w}" y="{y:.1}" width="{w:.1}" height="{bh}" fill="{color}"><title>{l}: {c} ({share:.1}%)</title></rect><text x="{vx:.1}" y="{ty:.1}" class="axis">{c}</text>"#,
            lx = label_w - 8.0,
            ty = y + 14.0,
            l = esc(label),
            bh = row_h - 6.0,
            c = count(*n),
            vx = label_w + w + 6.0,
        );
    }
    out.push_str("</svg>");
}

fn legend(out: &mut String, items: &[(String, String)]) {
    out.push_str(r#"<p class="legend">"#);
    for (name, color) in items {
        let _ = write!(
            out,
            r#"<span><i style="background:{color}"></i>{}</span>"#,
            esc(name)
        );
    }
    out.push_str("</p>");
}

fn tiles(out: &mut String, k: &Kpis) {
    out.push_str(r#"<div class="tiles">"#);
    for (id, label, value, note) in [
        (
            "calls",
            "Calls",
            count(k.total),
            format!("{} ended", count(k.attempts)),
        ),
        (
            "asr",
            "Answer rate (ASR)",
            pct(k.asr),
            format!("{} answered", count(k.answered)),
        ),
        (
            "acd",
            "Avg duration (ACD)",
            secs(k.acd_s),
            "of answered calls".into(),
        ),
        (
            "ner",
            "Network effectiveness (NER)",
            pct(k.ner),
            "not failed in the network".into(),
        ),
        (
            "talk",
            "Avg talk time",
            secs(k.avg_talk_s),
            "where the provider gives it".into(),
        ),
        ("cost", "Cost", money(&k.cost), "exact sums".into()),
    ] {
        let _ = write!(
            out,
            r#"<div class="tile" data-kpi="{id}"><span>{}</span><b>{}</b><small>{}</small></div>"#,
            esc(label),
            esc(&value),
            esc(&note)
        );
    }
    out.push_str("</div>");
}

fn kpi_table(out: &mut String, id: &str, first: &str, rows: &[(String, Kpis)], limit: usize) {
    let _ = write!(
        out,
        r#"<table data-table="{id}"><thead><tr><th>{}</th><th>calls</th><th>answered</th><th>ASR</th><th>ACD</th><th>NER</th><th>talk</th><th>short</th><th>unpriced</th><th>per min</th><th>cost</th></tr></thead><tbody>"#,
        esc(first)
    );
    let mut sorted: Vec<&(String, Kpis)> = rows.iter().collect();
    sorted.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(&b.0)));
    for (name, k) in sorted.iter().take(limit) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(name),
            count(k.total),
            count(k.answered),
            pct(k.asr),
            secs(k.acd_s),
            pct(k.ner),
            secs(k.avg_talk_s),
            pct(k.short_share),
            count(k.unpriced),
            per_minute(k.cost_per_minute),
            esc(&money(&k.cost))
        );
    }
    out.push_str("</tbody></table>");
    if rows.len() > limit {
        let _ = write!(
            out,
            r#"<p class="note">The {limit} with the most calls of {}.</p>"#,
            count(rows.len() as u64)
        );
    }
}

/// The alerts of the range's last full day, first on the page: what
/// changed, and what costs money it should not.
fn findings(out: &mut String, d: &Dashboard) {
    let a = &d.alerts;
    let period = if a.until - a.since == chrono::Duration::days(1) {
        a.since.to_string()
    } else {
        format!("{} to {}", a.since, a.until - chrono::Duration::days(1))
    };
    if a.findings.is_empty() {
        let _ = write!(
            out,
            r#"<p class="quiet" data-findings="0">No findings for {}: nothing moved against the weeks before, nothing to a new country or a premium-rate number, nothing stuck or unpriced.</p>"#,
            esc(&period)
        );
        return;
    }
    let _ = write!(
        out,
        r#"<h2>Findings for {}</h2><ul class="findings" data-findings="{}">"#,
        esc(&period),
        a.findings.len()
    );
    for f in &a.findings {
        let examples = if f.examples.is_empty() {
            String::new()
        } else {
            format!(" <small>e.g. {}</small>", esc(&f.examples.join(", ")))
        };
        let _ = write!(
            out,
            r#"<li class="s-{sev}" data-kind="{kind}"><b>{}</b>{}/{}: {}{examples}</li>"#,
            f.severity.as_str().to_uppercase(),
            esc(&f.provider),
            esc(&f.account),
            esc(&f.message),
            // Not `info`: the page must never read "inf" (a division gone wrong).
            sev = match f.severity {
                crate::alerts::Severity::Info => "note",
                other => other.as_str(),
            },
            kind = f.kind,
        );
    }
    out.push_str("</ul>");
}

/// The cost audit: per account and day, what the calls cost and what
/// looks wrong in it (short calls, unpriced, premium-rate).
fn cost_audit(out: &mut String, d: &Dashboard) {
    if d.cost_days.is_empty() {
        return;
    }
    out.push_str(r#"<section><h2>Cost audit, per account and day</h2><table data-table="cost-audit"><thead><tr><th>day</th><th>provider/account</th><th>calls</th><th>answered</th><th>minutes</th><th>cost</th><th>per min</th><th>short</th><th>unpriced</th><th>premium rate</th></tr></thead><tbody>"#);
    for c in &d.cost_days {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"text\">{}/{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            c.day,
            esc(&c.provider),
            esc(&c.account),
            count(c.calls.max(0) as u64),
            count(c.answered.max(0) as u64),
            c.minutes,
            esc(&money(&c.cost)),
            per_minute(c.cost_per_minute),
            count(c.short.max(0) as u64),
            count(c.unpriced.max(0) as u64),
            count(c.premium.max(0) as u64),
        );
    }
    let _ = write!(
        out,
        r#"</tbody></table><p class="note">The last {} days of the range with calls. Minutes are the answered calls' durations; short calls are answered under 6 s. <code>calllogs audit</code> adds the minutes each provider bills, its own usage totals where it publishes them (Twilio), and the calls whose cost is far from the account's usual rate.</p></section>"#,
        crate::report::COST_DAYS
    );
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map_or("-".into(), |t| t.format("%Y-%m-%d").to_string())
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;margin:24px auto;max-width:1000px;padding:0 16px;
 -webkit-print-color-adjust:exact;print-color-adjust:exact}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#555;margin:0 0 16px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.tile{border:1px solid #ddd;border-radius:6px;padding:10px 12px;background:#fafafa}
.tile span{display:block;font-size:12px;color:#555} .tile b{display:block;font-size:22px;margin:4px 0}
.tile small{color:#777;font-size:11px}
svg.chart{width:100%;height:auto;display:block} .axis{font-size:11px;fill:#555}
.legend{font-size:12px;margin:4px 0 0} .legend span{margin-right:14px;white-space:nowrap}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
table{border-collapse:collapse;width:100%;font-size:13px} th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left} th{background:#f3f3f3}
td.text{text-align:left;color:#444}
.note,.empty{color:#666;font-size:13px} section{break-inside:avoid}
.findings{list-style:none;padding:0;margin:0 0 16px} .findings li{border-left:4px solid #999;background:#fafafa;padding:6px 10px;margin:4px 0;font-size:13px}
.findings li.s-critical{border-color:#c62828;background:#fdecea} .findings li.s-warning{border-color:#ef6c00;background:#fff4e5}
.findings li.s-note{border-color:#1565c0} .findings b{margin-right:6px} .findings small{color:#666}
.quiet{color:#2e7d32;font-size:13px;margin:0 0 16px}
@media print{body{margin:0;max-width:none} h2{break-after:avoid} .tile{background:none}}
";

/// The report as one HTML document; `source` names the store (no password).
pub fn render(d: &Dashboard, source: &str) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let range = match (d.since, d.until) {
        (None, None) => "all calls".to_string(),
        (s, u) => format!("calls started {} to {}", day(s), day(u)),
    };
    let provider = d
        .provider
        .as_deref()
        .map_or(String::new(), |p| format!(", provider {p}"));
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>Call report: {}</title><style>{STYLE}</style></head><body>
<h1>Call report</h1><p class="sub">{}{} in {}; first call {}, last {}; generated {} UTC.</p>"#,
        esc(&range),
        esc(&range),
        esc(&provider),
        esc(source),
        day(d.first),
        day(d.last),
        Utc::now().format("%Y-%m-%d %H:%M"),
    );
    findings(&mut out, d);
    tiles(&mut out, &d.overall);
    if d.overall.total == 0 {
        out.push_str(r#"<p class="empty" data-empty="true">No calls in this range: nothing to chart.</p></body></html>"#);
        out.push('\n');
        return out;
    }

    // Calls per bucket, stacked by outcome.
    let mut statuses: Vec<String> = d
        .buckets
        .iter()
        .flat_map(|(_, k)| k.statuses.keys().cloned())
        .collect();
    statuses.sort_by_key(|s| {
        Status::ALL
            .iter()
            .position(|x| x.as_str() == s)
            .unwrap_or(usize::MAX)
    });
    statuses.dedup();
    let per = d.bucket.as_str();
    let _ = write!(out, "<section><h2>Calls per {per}, by outcome</h2>");
    let bars: Vec<Bar> = d
        .buckets
        .iter()
        .map(|(label, k)| Bar {
            label: label.clone(),
            segments: statuses
                .iter()
                .map(|s| {
                    let n = k.statuses.get(s).copied().unwrap_or(0);
                    (s.clone(), n as f64, count(n))
                })
                .collect(),
        })
        .collect();
    bar_chart(&mut out, "calls", &bars, Unit::Count, &|s| {
        status_color(s).to_string()
    });
    legend(
        &mut out,
        &statuses
            .iter()
            .map(|s| (s.replace('_', " "), status_color(s).to_string()))
            .collect::<Vec<_>>(),
    );
    out.push_str("</section>");

    // ASR and ACD per bucket.
    for (id, title, unit, value) in [
        (
            "asr",
            format!("Answer rate (ASR) per {per}"),
            Unit::Ratio,
            (|k: &Kpis| k.asr) as fn(&Kpis) -> Option<f64>,
        ),
        (
            "acd",
            format!("Average duration of answered calls (ACD) per {per}"),
            Unit::Seconds,
            |k: &Kpis| k.acd_s,
        ),
    ] {
        let _ = write!(out, "<section><h2>{}</h2>", esc(&title));
        let bars: Vec<Bar> = d
            .buckets
            .iter()
            .map(|(label, k)| {
                let v = value(k);
                let shown = match unit {
                    Unit::Ratio => pct(v),
                    _ => secs(v),
                };
                Bar {
                    label: label.clone(),
                    segments: vec![(id.to_string(), v.unwrap_or(0.0), shown)],
                }
            })
            .collect();
        bar_chart(&mut out, id, &bars, unit, &|_| "#1565c0".to_string());
        out.push_str("</section>");
    }

    // Hangup categories and the top causes.
    out.push_str("<section><h2>Why calls ended: hangup categories</h2>");
    let mut categories: Vec<(String, u64, String)> = d
        .overall
        .categories
        .iter()
        .map(|(c, n)| {
            let title = Category::ALL
                .iter()
                .find(|k| k.as_str() == c)
                .map_or(c.clone(), |k| k.title().to_string());
            (title, *n, category_color(c).to_string())
        })
        .collect();
    categories.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if categories.is_empty() {
        out.push_str(r#"<p class="note">No hangup causes in this range.</p>"#);
    } else {
        hbar_chart(&mut out, "categories", &categories);
    }
    out.push_str(
        r#"<table data-table="causes"><thead><tr><th>top causes</th><th>calls</th><th>category</th><th class="text">what it means</th></tr></thead><tbody>"#,
    );
    for (cause, n) in &d.overall.top_causes {
        let known = HangupCause::from_str(cause).ok();
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td class="text">{}</td></tr>"#,
            esc(cause),
            count(*n),
            esc(known.map_or("", |c| c.category().as_str())),
            esc(known.map_or("", |c| c.description())),
        );
    }
    out.push_str("</tbody></table></section>");

    // Cost per bucket (one chart per currency) and per provider.
    let currencies: Vec<String> = d.overall.cost.keys().cloned().collect();
    if !currencies.is_empty() {
        let _ = write!(out, "<section><h2>Cost per {per}</h2>");
        for currency in &currencies {
            let bars: Vec<Bar> = d
                .buckets
                .iter()
                .map(|(label, k)| {
                    let exact = k.cost.get(currency).cloned();
                    let v = exact.as_deref().and_then(to_f64).unwrap_or(0.0).max(0.0);
                    Bar {
                        label: label.clone(),
                        segments: vec![(
                            currency.clone(),
                            v,
                            format!("{} {currency}", exact.unwrap_or_else(|| "0".into())),
                        )],
                    }
                })
                .collect();
            let _ = write!(out, r#"<p class="note">{}</p>"#, esc(currency));
            bar_chart(
                &mut out,
                &format!("cost-{currency}"),
                &bars,
                Unit::Money,
                &|_| "#00838f".to_string(),
            );
        }
        out.push_str("<h2>Cost per provider and account</h2>");
        let mut by: BTreeMap<String, String> = BTreeMap::new();
        for (name, k) in &d.providers {
            by.insert(name.clone(), money(&k.cost));
        }
        out.push_str(r#"<table data-table="cost"><thead><tr><th>provider/account</th><th>cost</th></tr></thead><tbody>"#);
        for (name, cost) in by {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(&name),
                esc(&cost)
            );
        }
        out.push_str("</tbody></table></section>");
    }

    cost_audit(&mut out, d);
    out.push_str("<section><h2>Per provider and account</h2>");
    kpi_table(&mut out, "providers", "provider/account", &d.providers, 100);
    out.push_str("</section>");
    if !d.agents.is_empty() {
        out.push_str("<section><h2>Per agent</h2>");
        kpi_table(&mut out, "agents", "agent", &d.agents, 50);
        out.push_str("</section>");
    }
    if !d.campaigns.is_empty() {
        out.push_str("<section><h2>Per campaign</h2>");
        kpi_table(&mut out, "campaigns", "campaign", &d.campaigns, 50);
        out.push_str("</section>");
    }
    if !d.countries.is_empty() {
        out.push_str("<section><h2>Per country of the other party</h2>");
        kpi_table(&mut out, "countries", "country", &d.countries, 100);
        out.push_str("</section>");
    }
    if let Some(r) = &d.delivery {
        out.push_str(r#"<section><h2>Delivery: webhooks and the list</h2><table data-table="delivery"><thead><tr><th>provider/account</th><th>calls</th><th>both paths</th><th>only by webhook</th><th>only by the list</th><th>described differently</th><th>within grace</th></tr></thead><tbody>"#);
        for a in &r.accounts {
            let _ = write!(
                out,
                "<tr><td>{}/{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&a.provider),
                esc(&a.account),
                a.calls,
                a.both,
                a.only_webhook.count,
                a.only_api.count,
                a.disagree.count,
                a.pending
            );
        }
        out.push_str(r#"</tbody></table><p class="note">Only by webhook: the provider's list has not shown the call two hours after its webhook. Only by the list: its webhook was lost. <code>calllogs reconcile</code> lists them.</p></section>"#);
    }
    out.push_str(
        r#"<p class="note">ASR: answered / ended calls. ACD: mean duration of answered calls. NER: ended calls that did not fail in the network (destination, carrier or system errors) / ended calls. Calls still in progress count in “Calls” only. Times are UTC.</p></body></html>"#,
    );
    out.push('\n');
    out
}

/// A decimal text as a float, for plotting only (titles show the exact text).
fn to_f64(s: &str) -> Option<f64> {
    Decimal::parse(s).and_then(|_| s.trim().parse::<f64>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_round_up_and_numbers_read_well() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(120.0), 200.0);
        assert_eq!(nice_max(4_900.0), 5_000.0);
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(999), "999");
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
