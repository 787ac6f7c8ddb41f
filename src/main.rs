//! Entry point of the Teleconsult web app: starts watching for a crash and mounts the app.

fn main() {
    teleconsult_web::crash::install();
    leptos::mount::mount_to_body(teleconsult_web::app::App);
}
