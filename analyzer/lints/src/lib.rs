//! Checks over the workspace index: the diagnostic model, the check registry (the single list
//! of every check), suppression comments, and one module per check under `checks/`.
//!
//! Checks never do I/O and never panic on user input; when a fact they need is unknown they
//! stay silent rather than guess.

mod checks;
mod context;
mod diagnostic;
mod generated;
mod ownership;
mod registry;
mod suppress;

pub use context::{LintConfig, LintContext};
pub use diagnostic::{Applicability, Diagnostic, Fix, Related, Severity, TextEdit};
pub use ownership::receives_moved_findings;
pub use registry::{check_by_name, closest_check, run_checks, run_checks_until, CheckMeta, ALL};
