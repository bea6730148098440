//! Lambda domain types, validation rules, ARNs and error codes.
//!
//! Pure: nothing in this crate touches the disk, the network or the clock.

pub mod arn;
pub mod config;
pub mod constraints;
pub mod enums;
pub mod error;
pub mod generated;
pub mod input;
pub mod limits;
pub mod requests;
pub mod runtime;
pub mod shapes;
pub mod tenancy;
pub mod validate;

pub use arn::{FunctionRef, Qualifier};
pub use error::{ApiError, ErrorKind};
