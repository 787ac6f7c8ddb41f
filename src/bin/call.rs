//! Entry point of the consultation page (`/consultation/…` and `/check`, served as
//! `consultation.html`): the call engine, the provider bindings, the consultation UI and the
//! pre-call check, in a wasm file of their own so that the sign-in page and the dashboards never
//! load them (issue 13).

fn main() {
    teleconsult_web::crash::install();
    leptos::mount::mount_to_body(teleconsult_web::app::CallApp);
}
