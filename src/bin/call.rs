//! Entry point of the consultation page (`/consultation/…`, served as `consultation.html`): the
//! call engine, the provider bindings and the consultation UI, in a wasm file of their own so that
//! the sign-in page and the dashboards never load them (issue 13).

fn main() {
    teleconsult_web::crash::install_panic_hook();
    leptos::mount::mount_to_body(teleconsult_web::app::CallApp);
}
