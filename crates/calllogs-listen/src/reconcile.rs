//! `calllogs reconcile`: the reconciliation of the two paths, computed over
//! the store (see [`calllogs_store::delivery`], which the HTML report's
//! "delivery" section reads too), and its text.

pub use calllogs_store::delivery::{
    Account, Finding, Options, Reconciliation, from_rows, reconcile,
};

/// The reconciliation as text: one block per account, the findings with
/// their counts and a few examples each.
pub fn text(r: &Reconciliation) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if r.accounts.is_empty() {
        out.push_str("no account takes webhooks: nothing to reconcile\n");
    }
    for a in &r.accounts {
        let _ = writeln!(
            out,
            "{}/{}: {} calls, {} delivered by both paths, {} still within the grace period",
            a.provider, a.account, a.calls, a.both, a.pending
        );
        for (label, f) in [
            (
                "only by webhook (the list has not shown them)",
                &a.only_webhook,
            ),
            ("only by the list (their webhook was lost)", &a.only_api),
            ("described differently", &a.disagree),
        ] {
            let _ = write!(out, "  {label}: {}", f.count);
            if !f.examples.is_empty() {
                let _ = write!(out, " (e.g. {})", f.examples.join("; "));
            }
            out.push('\n');
        }
    }
    let n = r.unreconciled();
    let _ = writeln!(
        out,
        "{}",
        if n == 0 {
            "everything reconciled".to_string()
        } else {
            format!("{n} unreconciled")
        }
    );
    out
}
