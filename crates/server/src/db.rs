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
