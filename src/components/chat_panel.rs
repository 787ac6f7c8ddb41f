//! The in-call chat: a toggle with the unread count, the messages in a log region, a labelled
//! text box (Enter sends, Shift+Enter starts a new line), and "Copy conversation".

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use teleconsult_core::chat::{Author, ChatLog, Delivery, MAX_CHAT_CHARS};
use wasm_bindgen_futures::JsFuture;

use crate::i18n::{t, tr, tr_with};

/// The chat of the call, shown once the call has a data path for it (P2P and LiveKit, not
/// Twilio, not in the waiting room) or holds messages. `sending` is false once the call is over
/// (the conversation stays readable and copyable).
#[component]
pub fn ChatPanel(
    /// The conversation.
    chat: Signal<ChatLog>,
    /// Whether this call has a data path for the chat.
    available: Signal<bool>,
    /// Whether messages can still be sent (the call is not over).
    sending: Signal<bool>,
    /// This person's name, for the copied conversation.
    me: String,
    /// The other party's name.
    other_name: Signal<String>,
    /// Sends a message.
    on_send: Callback<String>,
    /// Opens or closes the panel.
    on_open: Callback<bool>,
) -> impl IntoView {
    let open = Memo::new(move |_| chat.with(ChatLog::is_open));
    let unread = Memo::new(move |_| chat.with(ChatLog::unread));
    let draft = RwSignal::new(String::new());
    // Whether the last copy worked, told in the view.
    let copied = RwSignal::new(None::<bool>);
    let input = NodeRef::<leptos::html::Textarea>::new();
    let send = move || {
        let text = draft.get_untracked();
        if !text.trim().is_empty() {
            on_send.run(text);
            draft.set(String::new());
        }
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        send();
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let copy = Callback::new(move |()| {
        let text =
            chat.with_untracked(|log| log.transcript(&me, &other_name.get_untracked(), clock_time));
        let promise = window().navigator().clipboard().write_text(&text);
        spawn_local(async move {
            let done = JsFuture::from(promise).await.is_ok();
            copied.try_set(Some(done));
        });
    });
    let toggle_label = move || match unread.get() {
        0 => tr("room.chat.toggle"),
        n => tr_with("room.chat.toggle_unread", &[("n", &n)]),
    };
    let shown = move || available.get() || chat.with(|c| !c.entries().is_empty());
    view! {
        <Show when=shown>
        <section class="chat" aria-label=t("room.chat.label") data-testid="chat">
            <button
                type="button"
                class="chat-toggle"
                aria-expanded=move || open.get().to_string()
                aria-controls="chat-panel"
                data-testid="chat-toggle"
                on:click=move |_| on_open.run(!open.get_untracked())
            >
                {toggle_label}
            </button>
            <span class="visually-hidden" role="status">
                {move || match unread.get() {
                    0 => String::new(),
                    1 => tr_with("room.chat.new_message", &[("name", &other_name.get())]),
                    n => tr_with(
                        "room.chat.new_messages",
                        &[("n", &n), ("name", &other_name.get())],
                    ),
                }}
            </span>
            <div id="chat-panel" class="chat-panel" hidden=move || !open.get()>
                <div role="log" aria-label=t("room.chat.messages") data-testid="chat-log">
                    <ol class="chat-log">
                        <For
                            each=move || chat.with(|c| c.entries().to_vec())
                            key=|e| (e.id.clone(), e.author == Author::Me, e.delivery)
                            children=move |e| {
                                let mine = e.author == Author::Me;
                                let who = move || {
                                    if mine { tr("room.chat.you") } else { other_name.get_untracked() }
                                };
                                let state = match (mine, e.delivery) {
                                    (false, _) => "",
                                    (true, Delivery::Sending) => "sending",
                                    (true, Delivery::Sent) => "sent",
                                    (true, Delivery::Delivered) => "delivered",
                                };
                                let delivery = e.delivery;
                                let state_words = move || {
                                    tr(match delivery {
                                        Delivery::Sending => "room.chat.sending",
                                        Delivery::Sent => "room.chat.sent",
                                        Delivery::Delivered => "room.chat.delivered",
                                    })
                                };
                                view! {
                                    <li
                                        class=if mine { "mine" } else { "theirs" }
                                        data-testid="chat-message"
                                        data-delivery=state
                                    >
                                        <span class="who">{who}</span>
                                        " "
                                        <span class="at">{clock_time(e.at_ms)}</span>
                                        <p class="text">{e.text.clone()}</p>
                                        {mine.then(|| view! { <span class="delivery">{state_words}</span> })}
                                    </li>
                                }
                            }
                        />
                    </ol>
                </div>
                <Show when=move || available.get() && sending.get()>
                    <form class="chat-form" on:submit=on_submit>
                        <label for="chat-input">
                            {move || tr_with("room.chat.message_to", &[("name", &other_name.get())])}
                        </label>
                        <textarea
                            id="chat-input"
                            node_ref=input
                            rows="2"
                            maxlength=MAX_CHAT_CHARS.to_string()
                            prop:value=move || draft.get()
                            on:input=move |ev| draft.set(event_target_value(&ev))
                            on:keydown=on_keydown
                        ></textarea>
                        <button type="submit">{t("room.chat.send")}</button>
                    </form>
                </Show>
                <Show when=move || chat.with(|c| !c.entries().is_empty())>
                    <button type="button" class="secondary" on:click=move |_| copy.run(())>
                        {t("room.chat.copy")}
                    </button>
                    <span role="status" data-testid="chat-copied">{move || {
                        copied.get().map(|done| {
                            tr(if done { "room.chat.copied" } else { "room.chat.copy_refused" })
                        })
                    }}</span>
                </Show>
            </div>
        </section>
        </Show>
    }
}

/// `HH:MM` of `at_ms` (ms since the epoch) on this device's clock.
fn clock_time(at_ms: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_ms as f64));
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}
