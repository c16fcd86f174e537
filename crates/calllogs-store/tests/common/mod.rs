//! What the store's test files share.

/// A new SQLite file and a new PostgreSQL database (absent only outside CI
/// without PostgreSQL), as `db` strings; `suite` keeps test files apart.
pub fn locations(suite: &str, name: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("calllogs-{suite}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut dbs = vec![dir.join("calls.db").to_str().unwrap().to_string()];
    if let Some(pg) = calllogs_pgtest::shared() {
        dbs.push(pg.database(name));
    }
    dbs
}
