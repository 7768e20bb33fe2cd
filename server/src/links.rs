//! The project's addresses, every one derived from the single repository URL in the workspace
//! `Cargo.toml` (`[workspace.package] repository`): the SARIF `informationUri` and `helpUri`,
//! and the LSP `codeDescription` links. `tests/tests/tidy.rs` checks that the other places
//! naming the repository (the VS Code extension, the GitHub Action, the README) agree with it.

/// The project's repository (the SARIF `informationUri`).
pub(crate) const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// Where each check's documentation lives; the check name is the anchor.
pub(crate) const CHECK_DOCS_URL: &str =
    concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/RULES.md#");

#[cfg(test)]
mod tests {
    #[test]
    fn the_links_are_under_the_repository() {
        assert!(super::REPOSITORY.starts_with("https://"));
        assert!(super::CHECK_DOCS_URL.starts_with(super::REPOSITORY));
        assert!(!super::REPOSITORY.ends_with('/'));
    }
}
