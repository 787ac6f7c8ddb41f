//! The embedded SQLite database: opening, pragmas, migrations.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// File name of the database inside the data folder.
pub const DB_FILE: &str = "teleconsult.sqlite3";

/// Opens (creating if needed) `<data_dir>/teleconsult.sqlite3` in WAL mode with foreign keys on,
/// and applies the embedded migrations (`crates/server/migrations`).
///
/// # Errors
/// The file cannot be opened or created, or a migration fails.
pub async fn open(data_dir: &Path) -> Result<SqlitePool, sqlx::Error> {
    let path = data_dir.join(DB_FILE);
    let options = SqliteConnectOptions::from_str("sqlite://")?
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // WAL + NORMAL is durable across application crashes; only an OS crash may lose the
        // last transactions, never corrupt the file.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

/// Writes a consistent copy of the database of `data_dir` to `file` while the server may be
/// running (`VACUUM INTO`: one read transaction, so the copy holds every transaction committed
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
    let pool = open(data_dir)
        .await
        .map_err(|e| format!("cannot open the database in {}: {e}", data_dir.display()))?;
    let target = file
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", file.display()))?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(&pool)
        .await
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    pool.close().await;
    Ok(())
}
