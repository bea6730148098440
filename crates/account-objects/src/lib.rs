//! Account-level objects of Lambda that functions refer to: code signing
//! configs (`code_signing`) and capacity providers (`capacity_providers`),
//! kept in the core's `Objects` table, and the function settings that name
//! them.
//!
//! Depends on the shared core only; `laminar-lambda` offers these
//! operations on `LambdaService` and checks new functions against them.

mod capacity_providers;
mod code_signing;

pub use capacity_providers::{
    require_provider, CapacityProvider, CapacityProviderOutput, CreateCapacityProviderRequest,
    ListCapacityProvidersOutput, ListFunctionVersionsByCapacityProviderOutput, StoredProvider,
    UpdateCapacityProviderRequest,
};
pub use code_signing::{
    require_config, CodeSigningConfig, CodeSigningConfigOutput, CodeSigningConfigRequest,
    FunctionCodeSigningConfig, FunctionCodeSigningConfigRequest, ListCodeSigningConfigsOutput,
    ListFunctionsByCodeSigningConfigOutput, StoredConfig,
};

use laminar_lambda_core::objects::Objects;
use laminar_lambda_core::registry::Registry;
use std::sync::Arc;

/// The handles these families need: the objects table, and the registry
/// for the functions that use an object.
pub struct AccountObjects {
    objects: Arc<Objects>,
    registry: Arc<Registry>,
}

impl AccountObjects {
    pub fn new(objects: Arc<Objects>, registry: Arc<Registry>) -> Self {
        Self { objects, registry }
    }
}
