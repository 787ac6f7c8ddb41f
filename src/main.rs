//! Entry point of the Teleconsult web app: installs the crash screen and mounts the app.

fn main() {
    teleconsult_web::crash::install_panic_hook();
    leptos::mount::mount_to_body(teleconsult_web::app::App);
}
