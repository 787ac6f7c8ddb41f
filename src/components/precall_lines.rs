//! The pre-call check's lines (camera, microphone, clinic's server, call connection, network,
//! sign-in) and its verdict: on the check page, and in the waiting room for a patient who has not
//! passed it today.

use leptos::prelude::*;
use teleconsult_core::precall::{Status, Verdict};

use crate::{hooks::precall::UsePrecallReturn, i18n::tr};

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
            <CheckLine name="camera" title=|| tr("check.line.camera") verdict=camera />
            <CheckLine name="microphone" title=|| tr("check.line.microphone") verdict=microphone />
            <CheckLine name="api" title=|| tr("check.line.api") verdict=api />
            <CheckLine name="path" title=|| tr("check.line.path") verdict=path />
            {move || network.get().map(|v| view! {
                <CheckLine name="network" title=|| tr("check.line.network") verdict=Signal::derive(move || network.get().unwrap_or(v.clone())) />
            })}
            <CheckLine name="session" title=|| tr("check.line.session") verdict=session />
        </ul>
        <p role="status" data-testid="check-result">
            {move || tr(if passed.get() { "check.passed" } else { "check.not_passed" })}
        </p>
    }
}

#[component]
fn CheckLine(
    name: &'static str,
    /// The line's name, in the page's language.
    title: fn() -> String,
    verdict: Signal<Verdict>,
) -> impl IntoView {
    let status = move || verdict.get().status;
    let word = move || {
        tr(match status() {
            Status::Checking => "check.status.checking",
            Status::Good => "check.status.good",
            Status::Warning => "check.status.warning",
            Status::Problem => "check.status.problem",
        })
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
