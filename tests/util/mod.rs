//! The one harness of the integration tests (ripgrep's `tests/util` shape): a sandbox and a
//! process runner with a timeout and an environment scrub ([`sandbox`]), token generators and
//! encoders of our own ([`tokens`]), assertions on findings ([`findings`]), the SARIF schema
//! ([`sarif`]) and a fake GitHub API on 127.0.0.1 ([`mockgh`]).

pub mod findings;
pub mod mockgh;
pub mod sandbox;
pub mod sarif;
pub mod tokens;

pub use findings::*;
pub use mockgh::*;
pub use sandbox::*;
pub use sarif::*;
pub use tokens::*;
