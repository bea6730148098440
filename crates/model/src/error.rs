//! The errors the Lambda API answers with, named as the API model names them.

use std::fmt;

/// Who is to blame: AWS puts this in the `Type` member of every error body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blame {
    User,
    Service,
}

/// The modelled exception types (plus `ValidationException`, which the service
/// answers for constraint violations before any operation logic runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Validation,
    InvalidParameterValue,
    InvalidRequestContent,
    ResourceNotFound,
    ResourceConflict,
    ResourceInUse,
    PreconditionFailed,
    TooManyRequests,
    RequestTooLarge,
    RequestEntityTooLarge,
    UnsupportedMediaType,
    Service,
    InvalidRuntime,
    NotImplemented,
    UnknownOperation,
    ProvisionedConcurrencyConfigNotFound,
    CodeSigningConfigNotFound,
    DurableExecutionAlreadyStarted,
    CallbackTimeout,
    PolicyLengthExceeded,
    /// Not in Lambda's model: IAM's refusal, as every AWS service answers it.
    AccessDenied,
}

impl ErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Validation => "ValidationException",
            Self::InvalidParameterValue => "InvalidParameterValueException",
            Self::InvalidRequestContent => "InvalidRequestContentException",
            Self::ResourceNotFound => "ResourceNotFoundException",
            Self::ResourceConflict => "ResourceConflictException",
            Self::ResourceInUse => "ResourceInUseException",
            Self::PreconditionFailed => "PreconditionFailedException",
            Self::TooManyRequests => "TooManyRequestsException",
            Self::RequestTooLarge => "RequestTooLargeException",
            Self::RequestEntityTooLarge => "RequestEntityTooLargeException",
            Self::UnsupportedMediaType => "UnsupportedMediaTypeException",
            Self::Service => "ServiceException",
            Self::InvalidRuntime => "InvalidRuntimeException",
            Self::NotImplemented => "NotImplementedException",
            Self::UnknownOperation => "UnknownOperationException",
            Self::ProvisionedConcurrencyConfigNotFound => {
                "ProvisionedConcurrencyConfigNotFoundException"
            }
            Self::CodeSigningConfigNotFound => "CodeSigningConfigNotFoundException",
            Self::DurableExecutionAlreadyStarted => "DurableExecutionAlreadyStartedException",
            Self::CallbackTimeout => "CallbackTimeoutException",
            Self::PolicyLengthExceeded => "PolicyLengthExceededException",
            Self::AccessDenied => "AccessDeniedException",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            Self::Validation
            | Self::InvalidParameterValue
            | Self::InvalidRequestContent
            | Self::ResourceInUse
            | Self::CallbackTimeout
            | Self::PolicyLengthExceeded => 400,
            Self::ResourceNotFound
            | Self::UnknownOperation
            | Self::ProvisionedConcurrencyConfigNotFound
            | Self::CodeSigningConfigNotFound => 404,
            Self::ResourceConflict | Self::DurableExecutionAlreadyStarted => 409,
            Self::AccessDenied => 403,
            Self::PreconditionFailed => 412,
            Self::RequestTooLarge | Self::RequestEntityTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::TooManyRequests => 429,
            Self::Service => 500,
            Self::NotImplemented => 501,
            Self::InvalidRuntime => 502,
        }
    }

    /// The body member that carries the message: the model spells it
    /// `Message` for some exceptions and `message` for the rest.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::ResourceNotFound
            | Self::ResourceInUse
            | Self::Service
            | Self::CodeSigningConfigNotFound
            | Self::DurableExecutionAlreadyStarted
            | Self::CallbackTimeout
            | Self::AccessDenied => "Message",
            _ => "message",
        }
    }

    pub fn blame(self) -> Blame {
        match self.status() {
            500.. => Blame::Service,
            _ => Blame::User,
        }
    }
}

/// An error answered to an API client. `reason` is set for throttles
/// (`TooManyRequestsException.Reason`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
    pub reason: Option<&'static str>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            reason: None,
        }
    }

    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidParameterValue, message)
    }

    pub fn function_not_found(function_arn: &str) -> Self {
        Self::new(
            ErrorKind::ResourceNotFound,
            format!("Function not found: {function_arn}"),
        )
    }

    pub fn service(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Service, message)
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub fn status(&self) -> u16 {
        self.kind.status()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for ApiError {}

pub type ApiResult<T> = Result<T, ApiError>;
