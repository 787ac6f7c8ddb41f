//! `teleconsult-server`: see `--help` and the README's configuration table.

use clap::Parser;
use std::sync::Arc;

use teleconsult_server::{app, clock::SystemClock, demo, static_files, AppState, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn")),
        )
        .init();
    let config = Config::parse();
    if let Some(teleconsult_server::config::Command::Backup { file }) = &config.command {
        let result = match &config.database_url {
            Some(url) if !url.expose().starts_with("sqlite:") => Err(
                "backup copies the SQLite file of the data folder; back up PostgreSQL with \
                 pg_dump or its own point-in-time recovery"
                    .to_string(),
            ),
            _ => teleconsult_server::db::backup(&config.data_dir, file).await,
        };
        return match result {
            Ok(()) => {
                println!("database copied to {}", file.display());
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                tracing::error!("{e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    match run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    if !static_files::is_built(&config.dist_dir) {
        tracing::warn!(
            dist = %config.dist_dir.display(),
            "no built app found: the API works, but pages answer 503 until `trunk build --release` fills this folder"
        );
    }
    let demo_mode = config.demo;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let state = AppState::open(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    teleconsult_server::audit::spawn_daily_purge(state.clone());
    if demo_mode {
        println!("\nTeleconsult demo clinic: open http://{addr}/ and sign in as");
        for a in &demo::ACCOUNTS {
            println!(
                "  {:<8} {:<22} password {:<15} ({})",
                a.role, a.email, a.password, a.name
            );
        }
        println!();
    }
    // Scripts wait for this exact line; keep its shape.
    tracing::info!("listening on http://{addr}");
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
