//! The Lambda operations: the generated table (`dispatch::handle`) decodes
//! (`decode`) each routed request into its typed input (`laminar_model::input`,
//! generated from the model) and hands it
//! to the handler named after the operation, found here among the families'
//! modules (one per family). A handler is one service call and the answer's
//! rendering; `handler` says how it runs.

mod decode;
pub mod dispatch;
mod handler;

mod aliases;
mod capacity_providers;
mod code_signing;
mod concurrency;
mod durable;
mod event_invoke_config;
mod event_sources;
mod function_settings;
mod functions;
mod invoke;
mod layers;
mod permissions;
mod resource_policies;
mod stream;
mod tags;
mod urls;
mod versions;

use aliases::*;
use capacity_providers::*;
use code_signing::*;
use concurrency::*;
use durable::*;
use event_invoke_config::*;
use event_sources::*;
use function_settings::*;
use functions::*;
use invoke::*;
use layers::*;
use permissions::*;
use resource_policies::*;
use stream::*;
use tags::*;
use urls::*;
use versions::*;

#[cfg(test)]
mod tests;
