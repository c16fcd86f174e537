//! The commands that need no network: `providers`, `causes`, `explain`,
//! `normalize`.

use std::io::Read;

use calllogs::registry::{self, RegistryError};
use calllogs::{Category, DynProvider, HangupCause, Settings};

use crate::error::CliError;
use crate::output::{Sink, rejects_note, stdout_line};

pub(crate) fn providers(json: bool) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    let list = registry::providers();
    if json {
        // One object per provider compiled in: what tools (xtask) derive
        // their provider lists from.
        for p in list {
            let creds: Vec<_> = p
                .credentials
                .iter()
                .map(|c| serde_json::json!({"env": c.env, "flag": c.flag}))
                .collect();
            let v = serde_json::json!({
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "credentials": creds,
                "filters": p.filters,
                "limits": p.limits,
            });
            stdout_line(&mut out, &v.to_string())?;
        }
        return Ok(());
    }
    if list.is_empty() {
        stdout_line(&mut out, "no provider is compiled into this build")?;
    }
    for p in list {
        stdout_line(&mut out, &format!("{} ({})", p.id, p.name))?;
        stdout_line(&mut out, &format!("  kind:        {}", p.kind))?;
        let creds: Vec<_> = p.credentials.iter().map(|c| c.env).collect();
        stdout_line(&mut out, &format!("  credentials: {}", creds.join(", ")))?;
        stdout_line(&mut out, &format!("  filters:     {}", p.filters))?;
        stdout_line(&mut out, &format!("  limits:      {}", p.limits))?;
    }
    for id in registry::KNOWN {
        if matches!(registry::info(id), Err(RegistryError::NotCompiled(_))) {
            stdout_line(&mut out, &format!("{id} (not compiled into this build)"))?;
        }
    }
    Ok(())
}

pub(crate) fn causes(json: bool) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    if !json {
        stdout_line(
            &mut out,
            &format!(
                "{:<42} {:<18} {:>5} {:>4} {:>4}  description",
                "cause", "category", "plivo", "q850", "sip"
            ),
        )?;
    }
    let opt = |v: Option<u16>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    for &c in HangupCause::ALL {
        if json {
            let v = serde_json::json!({
                "cause": c.as_str(),
                "category": c.category().as_str(),
                "description": c.description(),
                "plivo_code": c.plivo_code(),
                "q850": c.q850(),
                "sip": c.sip(),
            });
            stdout_line(&mut out, &v.to_string())?;
        } else {
            stdout_line(
                &mut out,
                &format!(
                    "{:<42} {:<18} {:>5} {:>4} {:>4}  {}",
                    c.as_str(),
                    c.category().as_str(),
                    opt(c.plivo_code()),
                    opt(c.q850()),
                    opt(c.sip()),
                    c.description()
                ),
            )?;
        }
    }
    if !json {
        stdout_line(
            &mut out,
            &format!(
                "{:<42} {:<18}  {}",
                "other",
                Category::Other.as_str(),
                HangupCause::Other.description()
            ),
        )?;
    }
    Ok(())
}

/// A provider for offline work (normalize, explain): no credential needed.
pub(crate) fn offline_provider(id: &str) -> Result<DynProvider, CliError> {
    Ok(registry::build(id, &Settings::new().without_env())?)
}

pub(crate) fn explain(provider: &str, reason: &str) -> Result<(), CliError> {
    let p = offline_provider(provider)?;
    let Some(h) = p.explain(reason) else {
        // A status, not an end: no cause yet, and saying `other` would lie.
        let v = serde_json::json!({
            "provider": p.id(),
            "input": reason,
            "ended": false,
            "meaning": "a call status that is not an end (the call is queued, ringing or in progress): it has no hangup cause yet",
        });
        let text = serde_json::to_string_pretty(&v)?;
        return stdout_line(&mut std::io::stdout().lock(), &text);
    };
    let v = serde_json::json!({
        "provider": p.id(),
        "input": reason,
        "ended": true,
        "cause": h.cause.as_str(),
        "category": h.category.as_str(),
        "description": h.cause.description(),
        "source": h.source,
        "provider_code": h.provider_code,
        "provider_reason": h.provider_reason,
        "q850": h.q850,
        "sip": h.sip,
    });
    let text = serde_json::to_string_pretty(&v)?;
    stdout_line(&mut std::io::stdout().lock(), &text)
}

pub(crate) fn normalize(provider: &str, files: &[String], no_raw: bool) -> Result<(), CliError> {
    let p = offline_provider(provider)?;
    let inputs: Vec<String> = if files.is_empty() {
        vec!["-".into()]
    } else {
        files.to_vec()
    };
    let mut sink = Sink::stdout(crate::output::Format::Ndjson, no_raw)?;
    for name in &inputs {
        let mut body = Vec::new();
        if name == "-" {
            std::io::stdin().lock().read_to_end(&mut body)?;
        } else {
            body = std::fs::read(name)
                .map_err(|e| CliError::usage_caused(format!("cannot read {name}"), e))?;
        }
        let page = decode_input(p.as_ref(), name, &body)?;
        for call in &page.items {
            sink.write(call)?;
        }
        let mut reasons: Vec<(String, u64)> = Vec::new();
        calllogs::page::tally_rejects(&mut reasons, &page.rejects);
        let note = rejects_note(page.rejects.len() as u64, &reasons);
        if page.items.is_empty() && !page.rejects.is_empty() {
            return Err(CliError::usage(format!(
                "{name}: no call could be read{note}"
            )));
        }
        if !note.is_empty() {
            eprintln!("calllogs: {name}{note}");
        }
        if page.items.is_empty() {
            eprintln!("calllogs: {name}: a page with no calls");
        }
    }
    sink.finish()
}

/// What people paste: a page body as the API sends it, one call record
/// (Plivo's "Retrieve a call" object), a bare JSON array of records, or
/// NDJSON of records. Anything else is a usage error saying what was expected.
pub(crate) fn decode_input(
    p: &dyn calllogs::Provider,
    name: &str,
    body: &[u8],
) -> Result<calllogs::Page<calllogs::Call>, CliError> {
    use serde_json::value::RawValue;
    let not_a_page = match p.decode_page(body) {
        Ok(page) => return Ok(page),
        // An error the body states (bad credentials in an envelope…) is the answer.
        Err(e @ calllogs::Error::Decode { .. }) => e,
        Err(e) => return Err(CliError::usage_caused(name, e)),
    };
    let text = std::str::from_utf8(body).unwrap_or("");
    let is_object = |r: &RawValue| r.get().trim_start().starts_with('{');
    let records: Option<Vec<Box<RawValue>>> =
        if let Ok(list) = serde_json::from_str::<Vec<Box<RawValue>>>(text) {
            Some(list).filter(|l| l.iter().all(|r| is_object(r)))
        } else if let Ok(one) = serde_json::from_str::<Box<RawValue>>(text) {
            Some(vec![one]).filter(|l| l.iter().all(|r| is_object(r)))
        } else {
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    serde_json::from_str::<Box<RawValue>>(l)
                        .ok()
                        .filter(|r| is_object(r))
                })
                .collect::<Option<Vec<_>>>()
                .filter(|l| !l.is_empty())
        };
    match records {
        Some(records) => Ok(calllogs::page::map_records(
            p.id(),
            records.iter().map(|r| &**r).collect(),
            |r| p.decode_record(r),
        )),
        None => Err(CliError::usage(format!(
            "{name}: expected a {id} page body, one {id} call record, a JSON array of records or NDJSON of records ({not_a_page})",
            id = p.id()
        ))),
    }
}
