//! placeholder
pub mod config;
pub mod model;
pub mod platforms;
pub mod registration;
pub mod resolve;
pub mod trace;
pub use resolve::*;
