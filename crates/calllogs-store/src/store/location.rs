//! A store's location as given (`--db`, `db` in the file): whether it
//! names PostgreSQL, and how it is shown (never with its password). Always
//! compiled, so a build without the `postgres` feature still tells a
//! `postgres://` URL from a file name and says what it lacks.

/// Whether `db` names PostgreSQL.
pub(crate) fn is_url(db: &str) -> bool {
    let lower = db.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// `db` without a password (in the user part or as a `password=` parameter),
/// for messages and logs.
pub fn redact(db: &str) -> String {
    let Ok(mut url) = url::Url::parse(db.trim()) else {
        return strip_userinfo_password(db.trim());
    };
    if url.password().is_some() {
        let _ = url.set_password(None);
    }
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("password"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url.to_string()
}

/// A URL the `url` crate cannot read, still without its password: drops
/// whatever follows a `:` in the part before the last `@` of the authority.
fn strip_userinfo_password(db: &str) -> String {
    let Some((scheme, rest)) = db.split_once("://") else {
        return "(an unreadable location)".into();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let tail = tail.split('?').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}{tail}")
        }
        None => format!("{scheme}://{}", rest.split('?').next().unwrap_or_default()),
    }
}
