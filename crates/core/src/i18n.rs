//! The languages a person can read the app in, and the words in each (issue 17).
//!
//! Every string a person can see is a key in the catalogues, looked up through
//! [`rust_i18n`]'s `t!`:
//! - English, the source language, is `crates/core/locales/en.json`, compiled into every binary
//!   and the fallback for any key a catalogue lacks.
//! - Bengali and Hindi are `public/locales/bn.json` and `public/locales/hi.json`, served as static
//!   files beside the app. The web app fetches only the language the person reads and installs it
//!   with [`install_catalogue`] (through rust-i18n's `Backend`), so the other languages never
//!   weigh on the first load (issue 13).
//!
//! Keys are flat, dotted (`call.error.network`), and always string literals in the code, so a
//! host test can find every key the code uses and fail when a catalogue lacks one. Arguments are
//! written `%{name}` in the catalogues. `docs/translations.md`, the table a clinic reviews the
//! three languages in, is rendered from the catalogues by [`render_review_table`].

use std::{borrow::Cow, collections::BTreeMap, fmt::Display, sync::OnceLock};

/// A language the app is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// English (`en`), the source language.
    En,
    /// Bengali (`bn`), in Bengali script.
    Bn,
    /// Hindi (`hi`), in Devanagari.
    Hi,
}

impl Lang {
    /// Every language, in the order the language picker lists them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Bn, Lang::Hi];

    /// The BCP 47 code: `<html lang>`, `Intl`'s locale and the catalogue's file name.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Bn => "bn",
            Lang::Hi => "hi",
        }
    }

    /// The language's name in itself, as the language picker shows it (a person looks for their
    /// own language in their own script).
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Bn => "বাংলা",
            Lang::Hi => "हिन्दी",
        }
    }

    /// The language of a BCP 47 tag by its primary subtag, case-insensitively (`bn-BD`, `bn-IN`
    /// and `BN` are Bengali); `None` for any language the app is not written in.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// The `Intl` locale for dates, times and numbers in this language: the first of the
    /// browser's preferred tags (`navigator.languages`) in this language, so `en-GB` keeps its
    /// 24-hour clock and `bn-IN` its region's conventions; else the bare code.
    pub fn intl_locale<'a>(self, preferred: impl IntoIterator<Item = &'a str>) -> String {
        preferred
            .into_iter()
            .find(|tag| Lang::from_tag(tag) == Some(self))
            .map(|tag| tag.trim().replace('_', "-"))
            .unwrap_or_else(|| self.code().to_string())
    }

    /// The language to show: the one the person chose before (`stored`, when it is still one of
    /// ours), else the first of the browser's preferred languages (`navigator.languages`, most
    /// preferred first) that the app is written in, else English.
    pub fn negotiate<'a>(
        stored: Option<&str>,
        preferred: impl IntoIterator<Item = &'a str>,
    ) -> Lang {
        stored
            .and_then(Lang::from_tag)
            .or_else(|| preferred.into_iter().find_map(Lang::from_tag))
            .unwrap_or(Lang::En)
    }
}

/// The catalogues installed at run time, one per fetched language. Each is set once and then
/// lives as long as the program, so lookups borrow from it.
static FETCHED: [OnceLock<BTreeMap<String, String>>; 3] =
    [OnceLock::new(), OnceLock::new(), OnceLock::new()];

fn slot(lang: Lang) -> &'static OnceLock<BTreeMap<String, String>> {
    // Declaration order: En 0, Bn 1, Hi 2 (English's slot stays empty: it is compiled in).
    &FETCHED[lang as usize]
}

/// rust-i18n's backend for the fetched catalogues; it is consulted before the compiled-in
/// English (see `lib.rs`).
#[doc(hidden)]
pub struct Fetched;

impl rust_i18n::Backend for Fetched {
    fn available_locales(&self) -> Vec<Cow<'_, str>> {
        Lang::ALL
            .into_iter()
            .filter(|l| slot(*l).get().is_some())
            .map(|l| Cow::Borrowed(l.code()))
            .collect()
    }

    fn translate(&self, locale: &str, key: &str) -> Option<Cow<'_, str>> {
        let lang = Lang::from_tag(locale)?;
        slot(lang)
            .get()?
            .get(key)
            .map(|v| Cow::Borrowed(v.as_str()))
    }

    fn messages_for_locale(&self, locale: &str) -> Option<Vec<(Cow<'_, str>, Cow<'_, str>)>> {
        let lang = Lang::from_tag(locale)?;
        Some(
            slot(lang)
                .get()?
                .iter()
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), Cow::Borrowed(v.as_str())))
                .collect(),
        )
    }
}

/// Why a fetched catalogue was not installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    /// The file is not a JSON object whose values are all strings.
    #[error("the {lang} catalogue is not a JSON object of strings: {problem}")]
    Malformed {
        /// The catalogue's language code.
        lang: &'static str,
        /// What is wrong, as serde_json says it.
        problem: String,
    },
    /// English is compiled in; it is never fetched.
    #[error("English is compiled in and cannot be replaced")]
    Source,
}

/// What an installed catalogue lacks against English (its keys show in English) and what it has
/// that English does not (ignored). Both are empty for a complete catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueReport {
    /// English keys the catalogue has no text for.
    pub missing: Vec<String>,
    /// Keys the catalogue has that English does not.
    pub unknown: Vec<String>,
}

/// Parses the `lang` catalogue fetched from `public/locales/<code>.json` (a flat JSON object of
/// key → text) and installs it for lookups; a key it lacks reads in English. A second install of
/// the same language keeps the first (catalogues do not change while the page lives). What a
/// catalogue lacks is for the host tests to find ([`compare_with_source`]), not the page.
///
/// # Errors
/// [`CatalogueError::Malformed`] when `json` is not an object of strings (nothing is installed:
/// the person reads English); [`CatalogueError::Source`] for English.
pub fn install_catalogue(lang: Lang, json: &str) -> Result<(), CatalogueError> {
    if lang == Lang::En {
        return Err(CatalogueError::Source);
    }
    let map: BTreeMap<String, String> =
        serde_json::from_str(json).map_err(|e| CatalogueError::Malformed {
            lang: lang.code(),
            problem: e.to_string(),
        })?;
    let _ = slot(lang).set(map);
    Ok(())
}

/// Whether `lang`'s words are available: English always, the others once installed.
pub fn is_installed(lang: Lang) -> bool {
    lang == Lang::En || slot(lang).get().is_some()
}

/// The English catalogue (the source): every key the app has, with its text.
pub fn source() -> BTreeMap<String, String> {
    crate::_rust_i18n_backend()
        .messages_for_locale("en")
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// What `map` (a catalogue) lacks against English and has that English does not.
pub fn compare_with_source(map: &BTreeMap<String, String>) -> CatalogueReport {
    let source = source();
    CatalogueReport {
        missing: source
            .keys()
            .filter(|k| !map.contains_key(*k))
            .cloned()
            .collect(),
        unknown: map
            .keys()
            .filter(|k| !source.contains_key(*k))
            .cloned()
            .collect(),
    }
}

/// Makes `lang` the language of every later lookup. A language whose catalogue is not installed
/// reads in English.
pub fn set_lang(lang: Lang) {
    rust_i18n::set_locale(lang.code());
}

/// The language lookups are made in.
pub fn lang() -> Lang {
    Lang::from_tag(&rust_i18n::locale()).unwrap_or(Lang::En)
}

/// The text of `key` in the current language (English where that catalogue lacks it; the key
/// itself if English lacks it too, which the host tests rule out).
pub fn text(key: &str) -> String {
    rust_i18n::t!(key).into_owned()
}

/// The text of `key` in `lang`, whatever the current language.
pub fn text_in(lang: Lang, key: &str) -> String {
    rust_i18n::t!(key, locale = lang.code()).into_owned()
}

/// The text of `key` with each `%{name}` replaced by its value in `args`.
pub fn text_with(key: &str, args: &[(&str, &dyn Display)]) -> String {
    fill(&text(key), args)
}

/// Replaces each `%{name}` in `template` by its value in `args` (rust-i18n's own replacement).
fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let names: Vec<&str> = args.iter().map(|(n, _)| *n).collect();
    let values: Vec<String> = args.iter().map(|(_, v)| v.to_string()).collect();
    rust_i18n::replace_patterns(template, &names, &values)
}

/// The `%{name}` arguments a text takes, sorted and without repeats.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = text
        .match_indices("%{")
        .filter_map(|(i, _)| {
            let rest = &text[i + 2..];
            rest.find('}').map(|end| &rest[..end])
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// A piece of a translated sentence cut at its `%{name}` arguments (see [`pieces`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Words of the sentence, as they are.
    Text(String),
    /// The place of the argument `name`, which the view fills with an element.
    Arg(String),
}

/// `template` (a catalogue text, not filled in) cut into its words and its `%{name}` arguments,
/// in the template's own order: for a sentence that wraps a value in an element (a link, a
/// `<strong>`), which stays one translatable text although the value is not plain text.
pub fn pieces(template: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("%{") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        if start > 0 {
            out.push(Piece::Text(rest[..start].to_string()));
        }
        out.push(Piece::Arg(rest[start + 2..start + 2 + len].to_string()));
        rest = &rest[start + 3 + len..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_string()));
    }
    out
}

/// `docs/translations.md`: every key with its English, Bengali and Hindi text side by side, for
/// a clinic to review and correct (`bn` and `hi` are the catalogues' JSON).
///
/// # Errors
/// When either catalogue is not a JSON object of strings.
pub fn render_review_table(bn: &str, hi: &str) -> Result<String, serde_json::Error> {
    let bn: BTreeMap<String, String> = serde_json::from_str(bn)?;
    let hi: BTreeMap<String, String> = serde_json::from_str(hi)?;
    let cell = |s: Option<&String>| {
        s.map(|s| s.replace('|', "\\|").replace('\n', " "))
            .unwrap_or_else(|| "**missing**".to_string())
    };
    let mut out = String::from(
        "# Translations\n\n\
         Every string a patient or a doctor can read, in the three languages the app is written \
         in. English (`crates/core/locales/en.json`) is the source and is compiled into the app; \
         Bengali (`public/locales/bn.json`) and Hindi (`public/locales/hi.json`) are fetched when \
         a person reads the app in them. To correct a translation, edit the catalogue file and run \
         `UPDATE_TRANSLATIONS=1 cargo test -p teleconsult-core translations_document`; a host test \
         fails while this table and the catalogues differ, and when a catalogue lacks a key or \
         changes a `%{argument}`.\n\n\
         | key | English | বাংলা (Bengali) | हिन्दी (Hindi) |\n|---|---|---|---|\n",
    );
    for (key, en) in source() {
        out.push_str(&format!(
            "| `{key}` | {} | {} | {} |\n",
            cell(Some(&en)),
            cell(bn.get(&key)),
            cell(hi.get(&key)),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BN: &str = include_str!("../../../public/locales/bn.json");
    const HI: &str = include_str!("../../../public/locales/hi.json");

    fn catalogue(json: &str) -> BTreeMap<String, String> {
        serde_json::from_str(json).expect("a catalogue is a JSON object of strings")
    }

    #[test]
    fn negotiation_prefers_the_stored_choice_then_the_browser_then_english() {
        assert_eq!(Lang::negotiate(Some("hi"), ["bn-BD", "en"]), Lang::Hi);
        assert_eq!(Lang::negotiate(Some("fr"), ["fr-FR", "bn-IN"]), Lang::Bn);
        assert_eq!(Lang::negotiate(None, ["de", "HI-in", "bn"]), Lang::Hi);
        assert_eq!(Lang::negotiate(None, ["de", "fr"]), Lang::En);
        assert_eq!(Lang::negotiate(None, []), Lang::En);
        assert_eq!(Lang::from_tag("bn_BD"), Some(Lang::Bn));
        assert_eq!(Lang::from_tag(""), None);
        assert_eq!(Lang::from_tag("bengali"), None);
    }

    #[test]
    fn intl_follows_the_browsers_region_for_the_language_shown() {
        let preferred = ["en-GB", "bn-IN", "fr"];
        assert_eq!(Lang::En.intl_locale(preferred), "en-GB");
        assert_eq!(Lang::Bn.intl_locale(preferred), "bn-IN");
        assert_eq!(Lang::Hi.intl_locale(preferred), "hi");
        assert_eq!(Lang::Bn.intl_locale(["bn_BD"]), "bn-BD");
    }

    #[test]
    fn every_catalogue_has_every_key_with_the_same_arguments_in_its_own_script() {
        let source = source();
        assert!(!source.is_empty(), "en.json is compiled in");
        for (code, json, script) in [
            ("bn", BN, '\u{0980}'..='\u{09FF}'),
            ("hi", HI, '\u{0900}'..='\u{097F}'),
        ] {
            let map = catalogue(json);
            let report = compare_with_source(&map);
            assert!(
                report.missing.is_empty(),
                "{code}.json lacks {:?}",
                report.missing
            );
            assert!(
                report.unknown.is_empty(),
                "{code}.json has keys English lacks: {:?}",
                report.unknown
            );
            for (key, en) in &source {
                let text = &map[key];
                assert_eq!(
                    placeholders(en),
                    placeholders(text),
                    "{code}.json `{key}` changes the arguments"
                );
                assert!(!text.trim().is_empty(), "{code}.json `{key}` is empty");
                // A text with letters is written in the language's own script, not left in English.
                if en.chars().any(|c| c.is_ascii_alphabetic()) && en.split_whitespace().count() > 1
                {
                    assert!(
                        text.chars().any(|c| script.contains(&c)),
                        "{code}.json `{key}` is not in its script: {text:?}"
                    );
                }
            }
        }
    }

    /// Every key the code names is in English, so no page ever shows a raw key; and every
    /// English key is used somewhere, so the catalogues carry no dead words. A key is any string
    /// literal shaped like one (`"room.controls.mute"`) whose first part is a catalogue's prefix,
    /// wherever it sits (`tr("…")`, or a branch choosing between two keys), outside test modules.
    #[test]
    fn every_key_the_code_uses_is_in_english_and_every_english_key_is_used() {
        let source = source();
        let prefixes: std::collections::BTreeSet<&str> =
            source.keys().filter_map(|k| k.split('.').next()).collect();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let mut used = BTreeMap::new();
        for dir in ["src", "crates/core/src"] {
            collect_keys(&std::path::Path::new(root).join(dir), &prefixes, &mut used);
        }
        let missing: Vec<_> = used
            .iter()
            .filter(|(k, _)| !source.contains_key(*k))
            .collect();
        assert!(missing.is_empty(), "keys missing from en.json: {missing:?}");
        let unused: Vec<_> = source.keys().filter(|k| !used.contains_key(*k)).collect();
        assert!(
            unused.is_empty(),
            "keys of en.json no code uses: {unused:?}"
        );
    }

    fn collect_keys(
        dir: &std::path::Path,
        prefixes: &std::collections::BTreeSet<&str>,
        out: &mut BTreeMap<String, String>,
    ) {
        for entry in std::fs::read_dir(dir).expect("source directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                collect_keys(&path, prefixes, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let code = std::fs::read_to_string(&path).expect("source file");
            let code = code.split("#[cfg(test)]").next().unwrap_or_default();
            for literal in code.split('"').skip(1).step_by(2) {
                let mut parts = literal.split('.');
                let is_key = literal.contains('.')
                    && literal.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                    })
                    && parts.next().is_some_and(|p| prefixes.contains(p))
                    && parts.all(|p| !p.is_empty())
                    && !["json", "js", "html", "css", "wasm", "svg", "md"]
                        .iter()
                        .any(|ext| literal.ends_with(&format!(".{ext}")));
                if is_key {
                    out.entry(literal.to_string())
                        .or_insert_with(|| path.display().to_string());
                }
            }
        }
    }

    #[test]
    fn an_installed_catalogue_is_read_in_its_language_with_english_for_what_it_lacks() {
        install_catalogue(Lang::Hi, HI).expect("hi.json installs");
        assert_eq!(text_in(Lang::Hi, "lang.label"), catalogue(HI)["lang.label"]);
        assert_eq!(text_in(Lang::En, "lang.label"), "Language");
        assert_eq!(
            install_catalogue(Lang::En, "{}"),
            Err(CatalogueError::Source)
        );
        assert!(matches!(
            install_catalogue(Lang::Bn, "[\"not an object\"]"),
            Err(CatalogueError::Malformed { lang: "bn", .. })
        ));
        assert!(matches!(
            install_catalogue(Lang::Bn, "{\"lang.label\": 3}"),
            Err(CatalogueError::Malformed { .. })
        ));
    }

    #[test]
    fn a_sentence_is_cut_at_its_arguments_in_its_own_order() {
        use Piece::{Arg, Text};
        assert_eq!(
            pieces("%{day} at %{time}"),
            vec![Arg("day".into()), Text(" at ".into()), Arg("time".into())]
        );
        assert_eq!(
            pieces("সময় %{time}, %{day}"),
            vec![
                Text("সময় ".into()),
                Arg("time".into()),
                Text(", ".into()),
                Arg("day".into())
            ]
        );
        assert_eq!(pieces("no arguments"), vec![Text("no arguments".into())]);
        // A broken placeholder stays words, never panics.
        assert_eq!(pieces("50%{ off"), vec![Text("50%{ off".into())]);
    }

    #[test]
    fn arguments_are_filled_in() {
        assert_eq!(
            fill(
                "Dr. %{name} at %{time}",
                &[("name", &"Rahman"), ("time", &"10:30")]
            ),
            "Dr. Rahman at 10:30"
        );
        assert_eq!(placeholders("%{b} and %{a} and %{b}"), vec!["a", "b"]);
    }

    #[test]
    fn translations_document_is_current() {
        let rendered = render_review_table(BN, HI).expect("catalogues parse");
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/translations.md");
        if std::env::var_os("UPDATE_TRANSLATIONS").is_some() {
            std::fs::write(path, &rendered).expect("write docs/translations.md");
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == rendered,
            "docs/translations.md is out of date: run UPDATE_TRANSLATIONS=1 cargo test -p teleconsult-core translations_document"
        );
    }
}
