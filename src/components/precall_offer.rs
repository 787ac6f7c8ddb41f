//! The dashboards' offer of the pre-call check: before a first consultation of the day, "check
//! your camera, microphone and connection"; once passed today, a quieter "check again".

use leptos::prelude::*;
use teleconsult_core::i18n::{pieces, Piece};
use teleconsult_core::Role;

use crate::{
    hooks::precall::passed_today,
    i18n::{t, tr},
    routes,
};

/// The offer for `role`'s dashboard.
#[component]
pub fn PrecallOffer(role: Role) -> impl IntoView {
    let href = routes::check(role);
    if passed_today() {
        view! {
            <p class="precall-offer passed" data-testid="precall-offer">
                {t("precall_offer.passed")}
                " "
                <a href=href>{t("precall_offer.check_again")}</a>
            </p>
        }
        .into_any()
    } else {
        // One sentence with the link inside it, wherever the language puts it (`%{link}`).
        let sentence = move || {
            pieces(&tr("precall_offer.before_consultation"))
                .into_iter()
                .map(|piece| match piece {
                    Piece::Text(words) => words.into_any(),
                    Piece::Arg(_) => view! {
                        <a href=href.clone()>{tr("precall_offer.check_link")}</a>
                    }
                    .into_any(),
                })
                .collect_view()
        };
        view! {
            <p class="precall-offer" data-testid="precall-offer">
                {sentence}
            </p>
        }
        .into_any()
    }
}
