//! Rebuilds the crate when a catalogue changes: rust-i18n's `i18n!` reads `locales/` at compile
//! time but does not tell cargo about the files.
fn main() {
    println!("cargo:rerun-if-changed=locales");
}
