//! The pre-call check's lines (camera, microphone, clinic's server, call connection, network,
//! sign-in) and its verdict: on the check page, and in the waiting room for a patient who has not
//! passed it today.

use leptos::prelude::*;
use teleconsult_core::precall::{Status, Verdict};

use crate::hooks::precall::UsePrecallReturn;

/// Each line says how it came out, what it means and what to do; a live region, so each result
/// is announced as it arrives.
#[component]
pub fn PrecallLines(check: UsePrecallReturn) -> impl IntoView {
    let UsePrecallReturn {
        camera,
        microphone,
        api,
        path,
        network,
        session,
        passed,
        ..
    } = check;
    view! {
        <ul class="check-lines" aria-live="polite">
            <CheckLine name="camera" title="Camera" verdict=camera />
            <CheckLine name="microphone" title="Microphone" verdict=microphone />
            <CheckLine name="api" title="Clinic's server" verdict=api />
            <CheckLine name="path" title="Call connection" verdict=path />
            {move || network.get().map(|v| view! {
                <CheckLine name="network" title="Network" verdict=Signal::derive(move || network.get().unwrap_or(v.clone())) />
            })}
            <CheckLine name="session" title="Sign-in" verdict=session />
        </ul>
        <p role="status" data-testid="check-result">
            {move || if passed.get() {
                "All set: you are ready for your consultation."
            } else {
                "Fix the lines marked “Problem” above; the check updates as you do."
            }}
        </p>
    }
}

#[component]
fn CheckLine(name: &'static str, title: &'static str, verdict: Signal<Verdict>) -> impl IntoView {
    let status = move || verdict.get().status;
    let word = move || match status() {
        Status::Checking => "Checking",
        Status::Good => "Good",
        Status::Warning => "Note",
        Status::Problem => "Problem",
    };
    let key = move || match status() {
        Status::Checking => "checking",
        Status::Good => "good",
        Status::Warning => "warning",
        Status::Problem => "problem",
    };
    view! {
        <li class=move || format!("check-line {}", key()) data-testid=format!("check-{name}") data-status=key>
            <strong>{title}": "</strong><span class="status">{word}</span>" — "
            <span class="meaning">{move || verdict.get().meaning}</span>
            {move || verdict.get().fix.map(|fix| view! { <span class="fix">" "{fix}</span> })}
        </li>
    }
}
