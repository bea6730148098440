//! Code signing configs and capacity providers as `LambdaService` offers
//! them; the behaviour is `laminar-account-objects`'.

use crate::{ApiResult, LambdaService};
use laminar_account_objects::{
    CapacityProviderOutput, CodeSigningConfigOutput, CodeSigningConfigRequest,
    CreateCapacityProviderRequest, FunctionCodeSigningConfig, FunctionCodeSigningConfigRequest,
    ListCapacityProvidersOutput, ListCodeSigningConfigsOutput,
    ListFunctionVersionsByCapacityProviderOutput, ListFunctionsByCodeSigningConfigOutput,
    UpdateCapacityProviderRequest,
};
use laminar_model::arn::Scope;

impl LambdaService {
    delegate! { account_objects =>
        fn create_code_signing_config(&self, scope: &Scope, request: CodeSigningConfigRequest) -> ApiResult<CodeSigningConfigOutput>;
        fn get_code_signing_config(&self, scope: &Scope, arn: &str) -> ApiResult<CodeSigningConfigOutput>;
        fn update_code_signing_config(&self, scope: &Scope, arn: &str, request: CodeSigningConfigRequest) -> ApiResult<CodeSigningConfigOutput>;
        fn delete_code_signing_config(&self, scope: &Scope, arn: &str) -> ApiResult<()>;
        fn list_code_signing_configs(&self, scope: &Scope, marker: Option<&str>, max_items: Option<&str>) -> ApiResult<ListCodeSigningConfigsOutput>;
        fn list_functions_by_code_signing_config(&self, scope: &Scope, arn: &str, marker: Option<&str>, max_items: Option<&str>) -> ApiResult<ListFunctionsByCodeSigningConfigOutput>;
        fn put_function_code_signing_config(&self, scope: &Scope, function_name: &str, request: FunctionCodeSigningConfigRequest) -> ApiResult<FunctionCodeSigningConfig>;
        fn get_function_code_signing_config(&self, scope: &Scope, function_name: &str) -> ApiResult<FunctionCodeSigningConfig>;
        fn delete_function_code_signing_config(&self, scope: &Scope, function_name: &str) -> ApiResult<()>;
        fn create_capacity_provider(&self, scope: &Scope, request: CreateCapacityProviderRequest) -> ApiResult<CapacityProviderOutput>;
        fn get_capacity_provider(&self, scope: &Scope, name: &str) -> ApiResult<CapacityProviderOutput>;
        fn update_capacity_provider(&self, scope: &Scope, name: &str, request: UpdateCapacityProviderRequest) -> ApiResult<CapacityProviderOutput>;
        fn delete_capacity_provider(&self, scope: &Scope, name: &str) -> ApiResult<CapacityProviderOutput>;
        fn list_capacity_providers(&self, scope: &Scope, state: Option<&str>, marker: Option<&str>, max_items: Option<&str>) -> ApiResult<ListCapacityProvidersOutput>;
        fn list_function_versions_by_capacity_provider(&self, scope: &Scope, name: &str, marker: Option<&str>, max_items: Option<&str>) -> ApiResult<ListFunctionVersionsByCapacityProviderOutput>;
    }
}
