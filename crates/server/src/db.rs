//! The database: SQLite embedded (the default, one file in the data folder) or PostgreSQL (several
//! instances behind a load balancer), both through one sqlx [`Db`] pool with their own migrations
//! (`crates/server/migrations/sqlite`, `crates/server/migrations/postgres`).
//!
//! Every statement of the server is written once for both engines: numbered placeholders (`$1`,
//! which SQLite also reads), times as Unix seconds in 64-bit integers, no engine-specific
//! functions. The API tests run against both (`scripts/test.sh`).

use std::{path::Path, time::Duration};

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    AnyPool, Executor,
};

use crate::config::Secret;

/// The server's connection pool, to SQLite or PostgreSQL.
pub type Db = AnyPool;

/// A connection of the pool, e.g. inside a transaction.
pub type DbConnection = sqlx::AnyConnection;

/// File name of the SQLite database inside the data folder.
pub const DB_FILE: &str = "teleconsult.sqlite3";

/// Which engine a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// `sqlite://…` (or no URL: the file in the data folder).
    Sqlite,
    /// `postgres://…` or `postgresql://…`.
    Postgres,
}

impl Engine {
    /// The engine of `url`, from its scheme.
    ///
    /// # Errors
    /// Another scheme (the URL itself is not repeated: it may hold a password).
    pub fn of(url: &str) -> Result<Engine, String> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err("TELECONSULT_DATABASE_URL must start with sqlite:// or postgres://".into())
        }
    }
}

/// The URL of the SQLite file `<data_dir>/teleconsult.sqlite3`, created if missing.
fn sqlite_url(data_dir: &Path) -> String {
    let path = data_dir.join(DB_FILE).display().to_string();
    // The URL's path is percent-decoded by sqlx: escape what would end or change it.
    let mut escaped = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' | '?' | '#' | ' ' => escaped.push_str(&format!("%{:02X}", c as u32)),
            c => escaped.push(c),
        }
    }
    format!("sqlite://{escaped}?mode=rwc")
}

/// Opens the database — `url` when given, else `<data_dir>/teleconsult.sqlite3` (created if
/// missing) — and applies its engine's embedded migrations.
///
/// SQLite runs in WAL mode with `synchronous = NORMAL` (durable across application crashes; only
/// an OS crash may lose the last transactions, never corrupt the file), foreign keys on and a
/// 5 s busy timeout. PostgreSQL gets up to 16 connections per instance.
///
/// # Errors
/// The URL names another engine, the database cannot be reached or created, or a migration fails.
pub async fn open(data_dir: &Path, url: Option<&Secret>) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let url = match url {
        Some(u) => u.expose().to_string(),
        None => sqlite_url(data_dir),
    };
    let engine = Engine::of(&url).map_err(|e| sqlx::Error::Configuration(e.into()))?;
    // sqlx logs statements at debug level, never their bound values.
    let options: AnyConnectOptions = url.parse()?;
    let pool = match engine {
        Engine::Sqlite => {
            AnyPoolOptions::new()
                .max_connections(8)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await?
        }
        Engine::Postgres => {
            AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?
        }
    };
    match engine {
        Engine::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await?,
        Engine::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
    }
    Ok(pool)
}

/// Writes a consistent copy of the SQLite database of `data_dir` to `file` while the server may
/// be running (`VACUUM INTO`: one read transaction, so the copy holds every transaction committed
/// before it started and none after; the copy is compact and needs no WAL file).
///
/// # Errors
/// `data_dir` holds no database (a mistyped folder must not yield an empty "backup"), the
/// database cannot be opened, `file` already exists, or it cannot be written.
pub async fn backup(data_dir: &Path, file: &Path) -> Result<(), String> {
    if !data_dir.join(DB_FILE).is_file() {
        return Err(format!(
            "{} holds no database ({DB_FILE}); check --data-dir",
            data_dir.display()
        ));
    }
    if file.exists() {
        return Err(format!(
            "{} already exists; choose a new file name",
            file.display()
        ));
    }
    let pool = open(data_dir, None)
        .await
        .map_err(|e| format!("cannot open the database in {}: {e}", data_dir.display()))?;
    let target = file
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", file.display()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&pool)
        .await
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    pool.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_are_told_by_scheme_and_the_url_is_never_echoed() {
        assert_eq!(Engine::of("sqlite://data/x.sqlite3"), Ok(Engine::Sqlite));
        assert_eq!(Engine::of("postgres://u:p@h/db"), Ok(Engine::Postgres));
        assert_eq!(Engine::of("postgresql://u:p@h/db"), Ok(Engine::Postgres));
        let err = Engine::of("mysql://user:hunter2@h/db").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn sqlite_paths_are_escaped_in_the_url() {
        let url = sqlite_url(Path::new("/tmp/a b?#%"));
        assert_eq!(
            url,
            "sqlite:///tmp/a%20b%3F%23%25/teleconsult.sqlite3?mode=rwc"
        );
    }
}
